"""Organisation accounts in the administration: create, edit, verified badge, managing members."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import organisations, quarters
from node.local.errors import Invalid
from node.local.models import Quarter
from node.web.labels import kind_options, quarter_options
from node.web.render import redirect, render
from node.web.ui.admin import require_staff


def _text(form, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


async def org_list(request: web.Request, status=200, errors=None, form=None) -> web.Response:
    node = request.app[node_key]
    require_staff(request)
    items = await node.db.run(organisations.all_organisations)
    all_quarters = await node.db.run(quarters.local_quarters)
    return render(
        request,
        "admin/organisations.html",
        status=status,
        organisations=items,
        quarter_options=quarter_options(all_quarters),
        kinds=kind_options(),
        errors=errors or {},
        form=form or {},
    )


async def org_create(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_staff(request)
    form = await request.post()
    try:
        org = await commit(
            node,
            organisations.create,
            me,
            _text(form, "handle"),
            _text(form, "name"),
            _text(form, "kind"),
            _text(form, "quarter"),
            _text(form, "description"),
            _text(form, "website"),
            form.get("verified") == "on",
            actor_id=me.id,
        )
    except Invalid as exc:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return await org_list(request, 400, {**exc.fields, "_": exc.message}, values)
    raise redirect(f"/admin/organisations/{org.id}", _("The organisation is created."))


def _org_data(org_id: int) -> dict:
    org = organisations.get(org_id)
    quarter = Quarter.get_or_none(Quarter.id == org.quarter_id) if org.quarter_id else None
    return {
        "organisation": org,
        "quarter_slug": quarter.slug if quarter else "",
        "members": organisations.members(org_id),
        "quarter_options": quarter_options(quarters.local_quarters()),
    }


async def org_form(request: web.Request, status=200, errors=None) -> web.Response:
    node = request.app[node_key]
    require_staff(request)
    data = await node.db.run(_org_data, int(request.match_info["id"]))
    return render(
        request,
        "admin/organisation.html",
        status=status,
        kinds=kind_options(),
        errors=errors or {},
        **data,
    )


async def org_save(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_staff(request)
    form = await request.post()
    org_id = int(request.match_info["id"])
    try:
        await commit(
            node,
            organisations.update,
            me,
            org_id,
            _text(form, "name"),
            _text(form, "kind"),
            _text(form, "quarter"),
            _text(form, "description"),
            _text(form, "website"),
            form.get("verified") == "on",
            actor_id=me.id,
        )
    except Invalid as exc:
        return await org_form(request, 400, {**exc.fields, "_": exc.message})
    raise redirect(f"/admin/organisations/{org_id}", _("The organisation is saved."))


async def member_add(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_staff(request)
    form = await request.post()
    org_id = int(request.match_info["id"])
    try:
        await commit(
            node,
            organisations.add_member,
            me,
            org_id,
            _text(form, "username"),
            _text(form, "role") or "manager",
            actor_id=me.id,
        )
    except Invalid as exc:
        return await org_form(request, 400, {**exc.fields, "_": exc.message})
    raise redirect(f"/admin/organisations/{org_id}", _("The member is added."))


async def member_remove(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_staff(request)
    org_id = int(request.match_info["id"])
    await commit(
        node,
        organisations.remove_member,
        me,
        org_id,
        int(request.match_info["rid"]),
        actor_id=me.id,
    )
    raise redirect(f"/admin/organisations/{org_id}", _("The member is removed."))


ROUTES = [
    ("GET", "/admin/organisations", org_list, "admin_organisations"),
    ("POST", "/admin/organisations", org_create, "admin_organisations_post"),
    ("GET", "/admin/organisations/{id:\\d+}", org_form, "admin_organisation"),
    ("POST", "/admin/organisations/{id:\\d+}", org_save, "admin_organisation_post"),
    ("POST", "/admin/organisations/{id:\\d+}/members", member_add, "admin_org_member_add"),
    (
        "POST",
        "/admin/organisations/{id:\\d+}/members/{rid:\\d+}/remove",
        member_remove,
        "admin_org_member_remove",
    ),
]
