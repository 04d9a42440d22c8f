"""The /.well-known documents: WebFinger, host-meta, NodeInfo."""

from __future__ import annotations

from aiohttp import web

from node import __version__
from node.activitypub import actors, nodeinfo
from node.activitypub.vocab import JRD_JSON
from node.activitypub.webfinger import WebfingerError, host_meta_xml, jrd_for, parse_acct
from node.appkeys import node_key
from node.local.listings.models import Listing
from node.local.models import Resident

CORS = {"Access-Control-Allow-Origin": "*"}
KINDS = {"resident": "Person", "quarter": "Group", "organisation": "Organization"}


async def webfinger(request: web.Request) -> web.Response:
    """RFC 7033: residents, quarters, organisations and the instance actor; 400/404 with CORS."""
    node = request.app[node_key]
    host = node.urls.host
    try:
        user = parse_acct(request.query.get("resource"), host)
    except WebfingerError as exc:
        return web.json_response({"error": exc.reason}, status=exc.status or 400, headers=CORS)
    if user == host.lower() or user == host.split(":")[0].lower():
        jrd = jrd_for(request.query["resource"], node.urls.instance_actor(), kind="Application")
    else:
        found = await node.db.run(actors.find_local, user)
        if found is None:
            return web.json_response({"error": "unknown resource"}, status=404, headers=CORS)
        jrd = jrd_for(
            f"acct:{user}@{host}",
            node.urls.actor(user),
            node.urls.actor(user),
            KINDS[found[0]],
        )
    return web.json_response(jrd, content_type=JRD_JSON, headers=CORS)


async def host_meta(request: web.Request) -> web.Response:
    node = request.app[node_key]
    return web.Response(
        text=host_meta_xml(node.urls.base), content_type="application/xrd+xml", headers=CORS
    )


async def nodeinfo_links(request: web.Request) -> web.Response:
    node = request.app[node_key]
    doc = nodeinfo.nodeinfo_links(node.urls.base, node.urls.instance_actor())
    return web.json_response(doc, headers=CORS)


def _counts() -> tuple[int, int]:
    users = Resident.select().where((Resident.host == "") & Resident.deleted_at.is_null()).count()
    posts = Listing.select().where(Listing.external_ref.is_null()).count()
    return users, posts


async def nodeinfo_document(request: web.Request) -> web.Response:
    node = request.app[node_key]
    version = request.match_info["version"]
    users, posts = await node.db.run(_counts)
    settings = node.settings
    doc = nodeinfo.nodeinfo_document(
        version,
        __version__,
        users,
        None,
        None,
        posts,
        settings.open_registrations,
        settings.node_name,
        settings.node_description,
    )
    body = web.json_response(doc, headers=CORS)
    body.content_type = "application/json"
    return body


ROUTES = [
    ("GET", "/.well-known/webfinger", webfinger, "webfinger"),
    ("GET", "/.well-known/host-meta", host_meta, "host_meta"),
    ("GET", "/.well-known/nodeinfo", nodeinfo_links, "nodeinfo_links"),
    ("GET", r"/nodeinfo/{version:2\.[01]}", nodeinfo_document, "nodeinfo"),
]
