"""/metrics: Prometheus text read back with prometheus_client's own parser; the values move after
real requests, real signed activities and real deliveries; only loopback or an admin token."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
from ap_support import Peer, start_node
from helpers import login, make_quarter, make_resident, make_token
from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple, float]:
    """(sample name, sorted labels) → value, for every sample of the exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(base: str, headers=None) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/metrics", headers=headers or {}) as resp:
            return resp.status, await resp.text()


async def get(base: str, path: str) -> int:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}{path}") as resp:
            await resp.read()
            return resp.status


def follow(peer: Peer, n: int, target: str) -> dict:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.base}/follows/{n}",
        "type": "Follow",
        "actor": peer.uri("bob"),
        "object": target,
    }


async def test_metrics_move_after_real_requests_activities_and_deliveries(make_settings):
    node, runner = await start_node(make_settings, "a")
    peer = await Peer().start()
    try:
        await make_quarter(node)
        await make_resident(node, "alice")
        base = node.settings.public_url.rstrip("/")
        status, text = await scrape(base)
        assert status == 200
        before = samples(text)

        # Given three requests to one profile route and one to a page that does not exist
        for _ in range(3):
            assert await get(base, "/@alice") == 200
        assert await get(base, "/no/such/page") == 404
        # …a signed Follow (stored), the same again (duplicate) and an unsigned POST (refused)
        activity = follow(peer, 1, node.urls.actor("alice"))
        assert (await peer.post(node.urls.shared_inbox(), activity))[0] == 202
        assert (await peer.post(node.urls.shared_inbox(), activity))[0] == 202
        assert (await peer.post(node.urls.shared_inbox(), activity, signed=False))[0] == 401
        status, text = await scrape(base)
        middle = samples(text)

        # Then requests are counted by the route's pattern, never by the raw path
        assert value(middle, "quartier_http_requests_total", route="/@{handle}", method="GET", status="200") - value(before, "quartier_http_requests_total", route="/@{handle}", method="GET", status="200") == 3  # fmt: skip
        assert not [k for k in middle if ("route", "/@alice") in k[1]]
        assert value(middle, "quartier_http_requests_total", route="unmatched", method="GET", status="404") >= 1  # fmt: skip
        latency = value(middle, "quartier_http_request_duration_seconds_count", route="/@{handle}", method="GET")  # fmt: skip
        assert latency - value(before, "quartier_http_request_duration_seconds_count", route="/@{handle}", method="GET") == 3  # fmt: skip
        # …the inbox by result and refusal reason
        for result, n in (("stored", 1), ("duplicate", 1)):
            moved = value(middle, "quartier_inbox_received_total", result=result) - value(
                before, "quartier_inbox_received_total", result=result
            )
            assert moved == n, result
        refused = value(middle, "quartier_inbox_refused_total", reason="unsigned") - value(
            before, "quartier_inbox_refused_total", reason="unsigned"
        )
        assert refused == 1
        # …and the queue waiting in the database
        assert value(middle, "quartier_queue_depth", queue="inbox", state="received") == 1
        assert value(middle, "quartier_residents") == 1

        # When the workers process the Follow and deliver the Accept
        await node.drain()
        status, text = await scrape(base)
        after = samples(text)
        # Then the inbox queue is empty and one delivery was sent, its latency observed
        assert value(after, "quartier_queue_depth", queue="inbox", state="received") == 0
        assert value(after, "quartier_queue_depth", queue="delivery", state="pending") == 0
        sent = value(after, "quartier_delivery_attempts_total", result="sent") - value(
            before, "quartier_delivery_attempts_total", result="sent"
        )
        assert sent == 1
        assert value(after, "quartier_delivery_duration_seconds_count") > value(
            before, "quartier_delivery_duration_seconds_count"
        )
        assert [a["type"] for a in peer.activities()] == ["Accept"]
    finally:
        await peer.stop()
        await runner.cleanup()


async def test_failing_hosts_and_active_residents_are_read_from_the_database(make_settings):
    node, runner = await start_node(make_settings, "a")
    peer = await Peer().start()
    try:
        await make_quarter(node)
        await make_resident(node, "alice")
        base = node.settings.public_url.rstrip("/")
        # Given the follower's server answers 503 to the Accept
        peer.responses.append((503, {}))
        status, _ = await peer.post(
            node.urls.shared_inbox(), follow(peer, 1, node.urls.actor("alice"))
        )
        assert status == 202
        await node.drain()
        # …and alice logs in through the form
        jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
        async with aiohttp.ClientSession(base_url=base, cookie_jar=jar) as session:
            await login(session)
        status, text = await scrape(base)
        found = samples(text)
        # Then the host is listed among the failing ones and alice counts as active
        assert value(found, "quartier_delivery_host_failures", host=peer.host) == 1
        assert value(found, "quartier_queue_depth", queue="delivery", state="pending") == 1
        assert value(found, "quartier_active_residents", window="1d") == 1
        assert value(found, "quartier_active_residents", window="30d") == 1
    finally:
        await peer.stop()
        await runner.cleanup()


async def test_metrics_are_for_loopback_or_an_admin_token_only(make_settings):
    node, runner = await start_node(make_settings, "a")
    try:
        await make_quarter(node)
        admin = await make_resident(node, "root", role="admin")
        alice = await make_resident(node, "alice")
        base = node.settings.public_url.rstrip("/")
        proxied = {"X-Forwarded-For": "203.0.113.9"}
        # A request relayed by a reverse proxy on the same machine is not loopback
        assert (await scrape(base, proxied))[0] == 404
        assert (await scrape(base, {"Forwarded": "for=203.0.113.9"}))[0] == 404
        # …a resident's token does not open it; an admin's does
        resident_token = await make_token(node, alice.id)
        admin_token = await make_token(node, admin.id)
        bearer = {**proxied, "Authorization": f"Bearer {resident_token}"}
        assert (await scrape(base, bearer))[0] == 404
        status, text = await scrape(base, {**proxied, "Authorization": f"Bearer {admin_token}"})
        assert status == 200
        assert value(samples(text), "quartier_residents") == 2
    finally:
        await runner.cleanup()


async def test_the_readme_lists_every_metric_and_no_other(make_settings):
    node, runner = await start_node(make_settings, "a")
    try:
        status, text = await scrape(node.settings.public_url.rstrip("/"))
        assert status == 200
        served = set()
        for family in text_string_to_metric_families(text):
            suffix = "_total" if family.type == "counter" else ""
            served.add(family.name + suffix)
    finally:
        await runner.cleanup()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Metrics and figures", 1)[1].split("###", 1)[0]
    documented = set(re.findall(r"`(quartier_[a-z_]+)", section))
    assert documented == served
