"""Administration across borders: twinned quarters, domain blocks, the allow-list mode and the
nodes whose verifications we trust."""

from __future__ import annotations

from aiohttp import web

from node import following
from node.activitypub import trust, trusted_nodes
from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import quarters, twins
from node.local.errors import DomainError, NotAllowed
from node.web.render import redirect, render
from node.web.ui.admin import require_staff


def _twins_page(me) -> dict:
    rows = twins.visible_to(me)
    names = {q.id: q for q in quarters.local_quarters()}
    return {"twins": [(t, names.get(t.quarter_id)) for t in rows], "quarters": list(names.values())}


async def twins_page(request: web.Request, status: int = 200, error: str = "") -> web.Response:
    me = require_staff(request)
    node = request.app[node_key]
    data = await node.db.run(_twins_page, me)
    return render(request, "admin/twins.html", status=status, error=error, **data)


async def twin_request(request: web.Request) -> web.Response:
    me = require_staff(request)
    node = request.app[node_key]
    form = await request.post()
    try:
        await following.request_twin(
            node, me.id, str(form.get("quarter", "")), str(form.get("handle", "")).strip()
        )
    except DomainError as exc:
        return await twins_page(request, status=exc.status, error=exc.message)
    raise redirect("/admin/twins", _("Twinning request sent."))


async def twin_decide(request: web.Request) -> web.Response:
    me = require_staff(request)
    node = request.app[node_key]
    accept = request.match_info["verb"] == "accept"
    try:
        await commit(
            node, twins.decide, me.id, int(request.match_info["id"]), accept, actor_id=me.id
        )
    except DomainError as exc:
        return await twins_page(request, status=exc.status, error=exc.message)
    raise redirect("/admin/twins", _("Twinning accepted.") if accept else _("Twinning refused."))


async def twin_end(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_staff(request)
    try:
        await commit(node, twins.end, me.id, int(request.match_info["id"]), actor_id=me.id)
    except DomainError as exc:
        return await twins_page(request, status=exc.status, error=exc.message)
    raise redirect("/admin/twins", _("The twinning is ended; the other quarter is told."))


def _require_admin(request: web.Request):
    me = require_staff(request)
    if me.role != "admin":
        raise NotAllowed(_("Only administrators manage the node's federation."))
    return me


async def domains_page(request: web.Request) -> web.Response:
    _require_admin(request)
    node = request.app[node_key]
    return render(request, "admin/domains.html", **await node.db.run(trust.state))


async def domains_change(request: web.Request) -> web.Response:
    """One form, several actions: block/unblock, allow/disallow a host, switch the allow-list."""
    _require_admin(request)
    node = request.app[node_key]
    form = await request.post()
    action = str(form.get("action", ""))
    host = str(form.get("host", "")).strip().lower()
    reason = str(form.get("reason", "")).strip()
    actions = {
        "block": lambda: trust.block(host, reason),
        "unblock": lambda: trust.unblock(host),
        "allow": lambda: trust.allow(host, reason),
        "disallow": lambda: trust.disallow(host),
        "allow_list_on": lambda: trust.set_allow_list(True),
        "allow_list_off": lambda: trust.set_allow_list(False),
    }
    if action not in actions or (action in ("block", "unblock", "allow", "disallow") and not host):
        raise redirect("/admin/domains", _("Give a host name."))
    await node.db.atomic(actions[action])
    raise redirect("/admin/domains", _("Federation settings saved."))


async def trusted_page(
    request: web.Request, status: int = 200, errors=None, form=None
) -> web.Response:
    _require_admin(request)
    node = request.app[node_key]
    return render(
        request,
        "admin/trusted_nodes.html",
        status=status,
        nodes=await node.db.run(trusted_nodes.listing),
        errors=errors or {},
        form=form or {},
    )


def _text(form, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


async def trusted_add(request: web.Request) -> web.Response:
    me = _require_admin(request)
    node = request.app[node_key]
    form = await request.post()
    host, note = _text(form, "host"), _text(form, "note")
    try:
        host = await node.db.atomic(
            trusted_nodes.trust, host, node.settings.host, me.username, note
        )
    except DomainError as exc:
        values = {"host": host[: trusted_nodes.MAX_INPUT], "note": note[:500]}
        return await trusted_page(request, exc.status, {**exc.fields, "_": exc.message}, values)
    raise redirect("/admin/trusted-nodes", _("%(host)s is trusted now.", host=host))


async def trusted_remove(request: web.Request) -> web.Response:
    _require_admin(request)
    node = request.app[node_key]
    form = await request.post()
    try:
        host = await node.db.atomic(trusted_nodes.distrust, _text(form, "host"))
    except DomainError as exc:
        return await trusted_page(request, exc.status, {"_": exc.message})
    raise redirect("/admin/trusted-nodes", _("%(host)s is no longer trusted.", host=host))


ROUTES = [
    ("GET", "/admin/twins", twins_page, "admin_twins"),
    ("POST", "/admin/twins", twin_request, "admin_twin_request"),
    ("POST", "/admin/twins/{id:\\d+}/{verb:accept|refuse}", twin_decide, "admin_twin_decide"),
    ("POST", "/admin/twins/{id:\\d+}/end", twin_end, "admin_twin_end"),
    ("GET", "/admin/domains", domains_page, "admin_domains"),
    ("POST", "/admin/domains", domains_change, "admin_domains_change"),
    ("GET", "/admin/trusted-nodes", trusted_page, "admin_trusted_nodes"),
    ("POST", "/admin/trusted-nodes", trusted_add, "admin_trusted_nodes_add"),
    ("POST", "/admin/trusted-nodes/remove", trusted_remove, "admin_trusted_nodes_remove"),
]
