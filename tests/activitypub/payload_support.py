"""Payloads shaped like the ones real servers send, delivered to a real node over signed HTTP.

The JSON files under `payloads/<software>/` were written by us after the captures in
../shared/fixtures (and the software's own documentation), with `$peer` standing for the sending
server, `$node` for the node under test and `$listing`, `$event`, `$alice`, `$group` for our objects.
"""

from __future__ import annotations

import datetime as dt
import json
import string
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from aiohttp.test_utils import unused_port
from ap_support import AS, start_node
from helpers import make_quarter, make_resident, make_token

from node.activitypub import keys
from node.activitypub.models import InboxItem
from node.activitypub.signatures import sign_request

PAYLOADS = Path(__file__).parent / "payloads"


class Origin:
    """A foreign server: serves any document put on it, signs as its actors, records its inbox."""

    def __init__(self) -> None:
        self.key = keys.generate_private_key()
        self.pem = keys.public_key_to_pem(self.key)
        self.docs: dict[str, dict] = {}
        self.received: list[dict] = []
        self.app = web.Application()
        self.app.router.add_route("*", "/{tail:.*}", self._serve)

    async def start(self) -> Origin:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        port = unused_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.base = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        await self.runner.cleanup()

    def put(self, doc: dict) -> dict:
        """Serve `doc` at the path of its id (without the fragment)."""
        self.docs[urlsplit(doc["id"]).path] = doc
        return doc

    async def _serve(self, request: web.Request) -> web.Response:
        if request.method == "POST":
            self.received.append(json.loads(await request.read()))
            return web.Response(status=202)
        doc = self.docs.get(request.path)
        if doc is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(doc, content_type=AS)

    async def post(self, url: str, activity: dict, key_id: str) -> int:
        body = json.dumps(activity).encode()
        headers = {"Content-Type": AS}
        headers.update(
            sign_request(self.key, key_id, "POST", url, headers, body, dt.datetime.now(dt.UTC))
        )
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=body, headers=headers) as resp:
                return resp.status


@dataclass
class World:
    """A node with a quarter, a verified resident alice, her public listing and event."""

    node: Any
    origin: Origin
    values: dict[str, str]
    alice_id: int
    listing_id: int
    event_id: int

    def payload(self, software: str, name: str, **more: str) -> dict:
        text = (PAYLOADS / software / f"{name}.json").read_text(encoding="utf-8")
        # JSON-escape every value: the PEM has newlines
        values = {k: json.dumps(v)[1:-1] for k, v in {**self.values, **more}.items()}
        return json.loads(string.Template(text).safe_substitute(values))

    def serve(self, software: str, *names: str) -> list[dict]:
        """Put documents (actors, keys, objects) on the origin server."""
        return [self.origin.put(self.payload(software, name)) for name in names]

    async def deliver(self, activity: dict, key_id: str | None = None) -> InboxItem:
        """Sign and POST to the shared inbox, run the workers, return the stored inbox item."""
        actor = activity["actor"] if isinstance(activity["actor"], str) else activity["actor"]["id"]
        status = await self.origin.post(
            self.node.urls.shared_inbox(), activity, key_id or actor + "#main-key"
        )
        assert status == 202, status
        await self.node.drain()
        return await self.node.db.run(
            lambda: InboxItem.get(InboxItem.activity_id == activity["id"])
        )

    async def read(self, fn):
        return await self.node.db.run(fn)


async def make_world(make_settings) -> tuple[World, Any]:
    node, runner = await start_node(make_settings, "payloads", node_country="FR")
    origin = await Origin().start()
    await make_quarter(node, country="FR")
    alice = await make_resident(node, "alice")
    token = await make_token(node, alice.id)
    headers = {"Authorization": f"Bearer {token}"}
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    async with aiohttp.ClientSession(node.urls.base, headers=headers) as api:
        listing = await api.post(
            "/api/v1/listings",
            json={
                "kind": "offer",
                "type": "loan",
                "title": "Perceuse",
                "description": "Une perceuse solide.",
                "reach": "public",
            },
        )
        assert listing.status == 201, await listing.text()
        listing_id = (await listing.json())["id"]
        event = await api.post(
            "/api/v1/events",
            json={
                "title": "Fête de rue",
                "description": "Apportez un plat",
                "start": start.strftime("%Y-%m-%dT18:00"),
                "end": start.strftime("%Y-%m-%dT23:00"),
                "timezone": "Europe/Paris",
                "place": "Rue des Lilas",
                "capacity": 0,
                "join_mode": "free",
                "reach": "public",
            },
        )
        assert event.status == 201, await event.text()
        event_id = (await event.json())["id"]
    await node.drain()
    values = {
        "peer": origin.base,
        "node": node.urls.base,
        "pem": origin.pem,
        "alice": node.urls.resident("alice"),
        "group": node.urls.quarter("centre"),
        "listing": node.urls.listing(listing_id),
        "event": node.urls.event(event_id),
        "host": urlsplit(node.urls.base).netloc,
        "now": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "later": (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "soon": (start + dt.timedelta(days=3)).strftime("%Y-%m-%dT17:00:00+00:00"),
        "soon_end": (start + dt.timedelta(days=3)).strftime("%Y-%m-%dT20:00:00+00:00"),
    }
    world = World(node, origin, values, alice.id, listing_id, event_id)
    return world, runner


@asynccontextmanager
async def served_world(make_settings, software: str, *docs: str) -> AsyncIterator[World]:
    """A world whose origin serves `software`'s documents (actors, keys, objects); cleaned up."""
    world, runner = await make_world(make_settings)
    world.serve(software, *docs)
    try:
        yield world
    finally:
        await world.origin.stop()
        await runner.cleanup()


def sent_to_origin(world: World, kind: str) -> list[dict]:
    return [a for a in world.origin.received if a.get("type") == kind]
