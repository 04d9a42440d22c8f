"""A remote event copy: listed on /events, shows the origin's going / waiting counts, and its
.ics DESCRIPTION is plain text (never empty, never raw Markdown) on both nodes."""

import re

import aiohttp
from across_support import call, nodes, settle, stop
from factories import event_body
from helpers import CSRF
from test_rsvps_across import remote_event


async def page(node, username, path, password="correct horse"):
    """A page as a logged-in resident, over real HTTP."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(node.urls.base + "/login") as resp:
            token = CSRF.search(await resp.text()).group(1)
        form = {"login": username, "password": password, "csrf_token": token}
        async with session.post(node.urls.base + "/login", data=form) as resp:
            assert resp.status == 200, await resp.text()
        async with session.get(node.urls.base + path) as resp:
            assert resp.status == 200, path
            return await resp.text()


def counts(html: str) -> list[int]:
    """The numbers of the counts line (going, places, waiting), whatever the page's language."""
    line = re.search(r'<p class="counts">(.*?)</p>', html, re.S).group(1)
    return [int(n) for n in re.findall(r"\d+", line)]


def ics_description(body: str) -> str:
    unfolded = body.replace("\r\n ", "")
    return re.search(r"^DESCRIPTION:(.*)$", unfolded, re.M).group(1).strip("\r")


async def test_remote_event_listed_with_origin_counts_and_plain_ics(make_settings):
    fr, de = await nodes(
        make_settings,
        ("fr", "centre", "FR", ["camille", "louis"]),
        ("de", "aachen", "DE", ["jonas", "greta"]),
    )
    a, b = fr["node"], de["node"]
    try:
        body = event_body(
            title="Straßenfest",
            capacity=2,
            reach="public",
            description="Bring **a dish** and [music](https://example.org/m).",
        )
        b_id, a_id = await remote_event(a, de, "camille", body)
        # two Aachen residents fill the places on the origin; Camille (Saint-Malo) waits
        for who in ("jonas", "greta"):
            status, _ = await call(
                b, "POST", f"/api/v1/events/{b_id}/rsvp", de["tokens"][who], {"status": "going"}
            )
            assert status == 200
        await settle(a, b)
        await call(
            a, "POST", f"/api/v1/events/{a_id}/rsvp", fr["tokens"]["camille"], {"status": "going"}
        )
        await settle(a, b)
        origin = await page(b, "jonas", f"/events/{b_id}")
        assert counts(origin) == [2, 2, 1]
        copy = await page(a, "camille", f"/events/{a_id}")
        assert counts(copy) == [2, 2, 1]  # the origin's numbers, not "0 going" from local rows
        # Greta leaves on the origin: Camille moves up, and the copy follows
        await call(
            b, "POST", f"/api/v1/events/{b_id}/rsvp", de["tokens"]["greta"], {"status": "not_going"}
        )
        await settle(a, b)
        copy = await page(a, "louis", f"/events/{a_id}")
        assert counts(copy) == [2, 2]
        # /events on the receiving node lists the other node's event
        listed = await page(a, "louis", "/events")
        assert f'href="/events/{a_id}"' in listed and "Straßenfest" in listed
        # .ics on both sides: plain text from the description
        for node, event_id in ((b, b_id), (a, a_id)):
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{node.urls.base}/events/{event_id}.ics") as resp:
                    assert resp.status == 200
                    text = ics_description(await resp.text())
            assert text.startswith("Bring a dish and music"), text
            assert "**" not in text and "[music]" not in text
    finally:
        await stop(fr, de)
