"""ActivityPub endpoints: actors, inboxes, collections and content negotiation of pages."""

from __future__ import annotations

import importlib
import json
from typing import Any

from aiohttp import web

from node import counters
from node.activitypub import actors, audience, fetches, inbox, outbox
from node.activitypub.models import INSTANCE, Follower, Following
from node.activitypub.vocab import ACTIVITY_JSON, AS_CONTEXT, wants_activity_json
from node.appkeys import node_key
from node.local import inputs, reach
from node.local.events.models import Event
from node.local.listings.models import Listing
from node.local.models import Quarter, Resident
from node.runtime import Node

PAGE = 20
ACCEPTED = json.dumps({"status": "accepted"}).encode()


def as_response(doc: dict[str, Any], status: int = 200) -> web.Response:
    response = web.Response(
        body=json.dumps(doc, ensure_ascii=False).encode("utf-8"),
        status=status,
        content_type=ACTIVITY_JSON,
    )
    response.headers["Vary"] = "Accept"
    return response


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": "rejected", "message": reason}, status=status)


async def _html(request: web.Request, module: str, name: str) -> web.StreamResponse:
    """Delegate to the HTML page of another area, if that area is present on this node."""
    try:
        handler = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return web.Response(status=406, text="Not Acceptable: ask for application/activity+json")
    response = await handler(request)
    response.headers["Vary"] = "Accept"
    return response


# ---------------------------------------------------------------- actors


async def instance_actor(request: web.Request) -> web.Response:
    """The Application actor, served unsigned to anyone (FEP-2677)."""
    node = request.app[node_key]
    return as_response(await node.db.run(actors.local_document, node, INSTANCE))


async def actor(request: web.Request) -> web.StreamResponse:
    handle = request.match_info["handle"]
    if not wants_activity_json(request.headers.get("Accept")):
        return await _html(request, "node.web.ui.residents", "actor_page")
    node = request.app[node_key]
    doc = await node.db.run(actors.local_document, node, handle)
    if doc is None:
        return _error(404, "no such actor")
    return as_response(doc)


async def _reader(request: web.Request) -> reach.Viewer:
    """Another server's signed fetch reads as that server; anything else as a visitor."""
    node = request.app[node_key]
    host = await fetches.signer_host(node, request.method, request.raw_path, request.headers)
    return reach.server_viewer(host) if host else reach.ANONYMOUS


def _addressed(node: Node, row: Any, author: str, doc: dict[str, Any]) -> dict[str, Any]:
    quarter = Quarter.get_or_none(Quarter.id == row.quarter_id)
    to, cc, _handles = audience.addressing(node.urls, row.reach, author, quarter) or ([], [], [])
    doc["to"], doc["cc"] = to, cc
    return doc


async def listing(request: web.Request) -> web.StreamResponse:
    if not wants_activity_json(request.headers.get("Accept")):
        return await _html(request, "node.web.ui.listings", "detail")
    node = request.app[node_key]
    viewer = await _reader(request)
    doc = await node.db.run(_listing_doc, node, int(request.match_info["id"]), viewer)
    return as_response(doc) if doc else _error(404, "no such listing")


def _listing_doc(node: Node, listing_id: int, viewer: reach.Viewer) -> dict | None:
    row = Listing.get_or_none(Listing.id == listing_id)
    # Public listings to anyone, twins ones to their twins' nodes; quarter-only ones never leave.
    if row is None or row.external_ref or row.hidden or not reach.reaches(row, viewer):
        return None
    if row.state == "withdrawn":
        return {"@context": AS_CONTEXT, "id": node.urls.listing(row.id), "type": "Tombstone"}
    author = Resident.get_by_id(row.author_id)
    return _addressed(node, row, author.username, outbox.listing_document(node, row))


async def event(request: web.Request) -> web.StreamResponse:
    if not wants_activity_json(request.headers.get("Accept")):
        return await _html(request, "node.web.ui.events", "detail")
    node = request.app[node_key]
    viewer = await _reader(request)
    doc = await node.db.run(_event_doc, node, int(request.match_info["id"]), viewer)
    return as_response(doc) if doc else _error(404, "no such event")


def _event_doc(node: Node, event_id: int, viewer: reach.Viewer) -> dict | None:
    row = Event.get_or_none(Event.id == event_id)
    if row is None or row.external_ref or row.hidden or not reach.reaches(row, viewer):
        return None
    organiser = Resident.get_by_id(row.organiser_id)
    return _addressed(node, row, organiser.username, outbox.event_document(node, row))


# ---------------------------------------------------------------- inboxes


async def post_inbox(request: web.Request) -> web.Response:
    """Shared and personal inbox: read under the cap, verify, store, 202 (flow b)."""
    node = request.app[node_key]
    limit = node.settings.max_inbox_bytes
    length = request.content_length
    if (length or 0) > limit:
        counters.count_refused("too_large")
        return _error(413, f"body larger than {limit} bytes")
    if length is not None:
        body = await request.read()  # exactly Content-Length bytes, checked above
    else:  # chunked: read under the cap
        buffer = bytearray()
        async for chunk in request.content.iter_chunked(64 * 1024):
            buffer += chunk
            if len(buffer) > limit:
                counters.count_refused("too_large")
                return _error(413, f"body larger than {limit} bytes")
        body = bytes(buffer)
    try:
        result = await inbox.receive(node, request.method, request.raw_path, request.headers, body)
    except inbox.Rejected as exc:
        counters.count_refused(counters.refusal_reason(exc.status, exc.reason))
        return _error(exc.status, exc.reason)
    counters.count_received(result)
    return web.Response(body=ACCEPTED, status=202, content_type="application/json")


# ---------------------------------------------------------------- collections


def _collection(
    node: Node, handle: str, which: str, page: int | None, viewer: reach.Viewer = reach.ANONYMOUS
) -> dict | None:
    found = actors.find_local(handle)
    if found is None:
        return None
    base = getattr(node.urls, which)(handle)
    if which == "outbox":
        query = (
            Listing.select()
            .where(
                (
                    Listing.author.in_(
                        Resident.select(Resident.id).where(Resident.username == handle)
                    )
                )
                & Listing.external_ref.is_null()
                & reach.readable(Listing, viewer)  # public; twins ones for a twin's node
                & ~Listing.hidden
            )
            .order_by(Listing.id.desc())
        )
    elif which == "followers":
        query = Follower.select().where(
            (Follower.handle == handle) & (Follower.state == "accepted")
        )
        query = query.order_by(Follower.id.desc())
    else:
        query = Following.select().where(
            (Following.handle == handle) & (Following.state == "accepted")
        )
        query = query.order_by(Following.id.desc())
    total = query.count()
    if page is None:
        return {
            "@context": AS_CONTEXT,
            "id": base,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": f"{base}?page=1",
        }
    rows = list(query.paginate(page, PAGE))
    if which == "outbox":
        items: list[Any] = [
            {
                "id": node.urls.listing(r.id) + "#create",
                "type": "Create",
                "actor": node.urls.actor(handle),
                "object": node.urls.listing(r.id),
            }
            for r in rows
        ]
    elif which == "followers" and found[0] == "resident":
        items = []  # a resident's followers are counted, not listed (neighbours' privacy)
    else:
        items = [r.actor_uri for r in rows]
    doc = {
        "@context": AS_CONTEXT,
        "id": f"{base}?page={page}",
        "type": "OrderedCollectionPage",
        "partOf": base,
        "totalItems": total,
        "orderedItems": items,
    }
    if page * PAGE < total:
        doc["next"] = f"{base}?page={page + 1}"
    return doc


def _collection_handler(which: str):
    async def handler(request: web.Request) -> web.Response:
        node = request.app[node_key]
        raw = request.query.get("page")
        page = inputs.id_or_none(raw)  # 1, 2, …; nonsense is the collection itself
        viewer = await _reader(request) if which == "outbox" else reach.ANONYMOUS
        handle = request.match_info["handle"]
        doc = await node.db.run(_collection, node, handle, which, page, viewer)
        return as_response(doc) if doc else _error(404, "no such actor")

    handler.__name__ = which
    return handler


# At merge: the foundation's and sharing areas' GET /@{handle}, /listings/{id} and /events/{id}
# registrations are removed from their ROUTES; these negotiate and delegate HTML to them.
ROUTES = [
    ("GET", "/actor", instance_actor, "ap_instance_actor"),
    ("POST", "/actor/inbox", post_inbox, "ap_instance_inbox"),
    ("POST", "/inbox", post_inbox, "ap_shared_inbox"),
    ("POST", "/@{handle}/inbox", post_inbox, "ap_inbox"),
    ("GET", "/@{handle}/outbox", _collection_handler("outbox"), "ap_outbox"),
    ("GET", "/@{handle}/followers", _collection_handler("followers"), "ap_followers"),
    ("GET", "/@{handle}/following", _collection_handler("following"), "ap_following"),
    ("GET", "/@{handle}", actor, "actor"),
    ("GET", r"/listings/{id:\d+}", listing, "listing_detail"),
    ("GET", r"/events/{id:\d+}", event, "event_detail"),
]
