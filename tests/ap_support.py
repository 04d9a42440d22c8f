"""Federation test support: real nodes on loopback ports and a small foreign peer server."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket

import aiohttp
from aiohttp import web
from aiohttp.test_utils import unused_port

from node.activitypub import keys
from node.activitypub.rfc9421 import sign_request_rfc9421
from node.activitypub.signatures import sign_request
from node.app import create_app
from node.appkeys import node_key
from node.commit import commit
from node.local.listings import drafts as listing_drafts
from node.local.listings import write as listings

AS = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def start_node(make_settings, name: str, **overrides):
    """A node served on a free 127.0.0.1 port with public_url set to it; returns (node, runner)."""
    # bind first and keep the socket: no window in which another test can take the port
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    values = {
        "public_url": f"http://127.0.0.1:{port}",
        "allow_private_addresses": True,
        "allow_http": True,
    }
    values.update(overrides)
    app = create_app(make_settings(name, **values))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return app[node_key], runner


async def publish_listing(node, author, quarter, reach="public", **fields):
    """Publish through the domain (listings.publish inside commit), as a resident does."""
    assert author.quarter_id == quarter.id, "the author publishes in their own quarter"
    data = {
        "kind": "offer",
        "type": "loan",
        "title": "Drill to lend",
        "description": "A good drill.",
        "category": "diy",
        "language": "en",
        "reach": reach,
    }
    data.update(fields)
    return await commit(node, listings.publish, author.id, listing_drafts.ListingDraft.parse(data))


class Peer:
    """A foreign server: actors under /users/<name>, an inbox recording what it receives."""

    def __init__(self) -> None:
        self.key = keys.generate_private_key()
        self.pem = keys.public_key_to_pem(self.key)
        self.received: list[tuple[str, dict, bytes]] = []
        self.responses: list[tuple[int, dict]] = []  # queued inbox answers (status, headers)
        self.delay = 0.0
        self.gone: set[str] = set()
        self.types: dict[str, str] = {}
        self.objects: dict[str, dict] = {}
        self.shared = True
        self.app = web.Application()
        self.app.router.add_get("/users/{name}", self._actor)
        self.app.router.add_get("/objects/{name}", self._object)
        self.app.router.add_post("/inbox", self._inbox)
        self.app.router.add_post("/users/{name}/inbox", self._inbox)

    async def start(self) -> Peer:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        port = unused_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.base = f"http://127.0.0.1:{port}"
        self.host = f"127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        await self.runner.cleanup()

    def uri(self, name: str) -> str:
        return f"{self.base}/users/{name}"

    def key_id(self, name: str) -> str:
        return self.uri(name) + "#main-key"

    def actor(self, name: str) -> dict:
        uri = self.uri(name)
        doc = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": uri,
            "type": self.types.get(name, "Person"),
            "preferredUsername": name,
            "name": name.title(),
            "inbox": uri + "/inbox",
            "outbox": uri + "/outbox",
            "followers": uri + "/followers",
            "publicKey": {"id": self.key_id(name), "owner": uri, "publicKeyPem": self.pem},
        }
        if self.shared:
            doc["endpoints"] = {"sharedInbox": self.base + "/inbox"}
        return doc

    async def _actor(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name in self.gone:
            return web.json_response({"error": "gone"}, status=410)
        return web.json_response(self.actor(name), content_type=AS)

    async def _object(self, request: web.Request) -> web.Response:
        doc = self.objects.get(request.match_info["name"])
        if doc is None:
            return web.json_response({}, status=404)
        return web.json_response(doc, content_type=AS)

    async def _inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append((request.path, dict(request.headers), body))
        if self.delay:
            await asyncio.sleep(self.delay)  # the peer is slow: our client must time out
        status, headers = self.responses.pop(0) if self.responses else (202, {})
        return web.Response(status=status, headers=headers)

    def activities(self) -> list[dict]:
        return [json.loads(body) for _path, _h, body in self.received]

    def sign(self, name, method, url, body, now=None, scheme="cavage", key=None, key_id=None):
        now = now or dt.datetime.now(dt.UTC)
        headers = {"Content-Type": AS} if body is not None else {}
        fn = sign_request_rfc9421 if scheme == "rfc9421" else sign_request
        headers.update(
            fn(key or self.key, key_id or self.key_id(name), method, url, headers, body, now)
        )
        return headers

    async def post(self, url, activity, name="bob", raw=None, signed=True, **sign_kw):
        """POST an activity to `url`; returns (status, parsed JSON body or text)."""
        body = raw if raw is not None else json.dumps(activity).encode()
        headers = self.sign(name, "POST", url, body, **sign_kw) if signed else {"Content-Type": AS}
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=body, headers=headers) as resp:
                text = await resp.text()
                try:
                    return resp.status, json.loads(text)
                except ValueError:
                    return resp.status, text
