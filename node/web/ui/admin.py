"""Administration: the index, quarters (create, edit with postcodes and GeoJSON) and residents' roles."""

from __future__ import annotations

import peewee as pw
from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import adjacency, quarters
from node.local.errors import Invalid
from node.local.models import ROLES, Quarter, Resident
from node.local.verification import is_verifier
from node.web.guards import require_resident, require_role
from node.web.render import redirect, render
from node.web.ui.account import file_bytes

STAFF = ("moderator", "admin")


def require_staff(request: web.Request) -> Resident:
    return require_role(request, *STAFF)


def require_verifier(request: web.Request) -> Resident:
    """Moderators and admins; ambassadors too when the node lets them verify addresses."""
    me = require_resident(request)
    if not is_verifier(me, request.app[node_key].settings):
        return require_staff(request)
    return me


async def index(request: web.Request) -> web.Response:
    me = require_verifier(request)
    return render(request, "admin/index.html", staff=me.role in STAFF)


async def quarter_list(request: web.Request, status=200, errors=None, form=None) -> web.Response:
    node = request.app[node_key]
    require_staff(request)
    items = await node.db.run(quarters.local_quarters)
    return render(
        request,
        "admin/quarters.html",
        status=status,
        quarters=items,
        errors=errors or {},
        form=form or {},
    )


def _postcodes(form) -> list[str]:
    return [p.strip() for p in str(form.get("postcodes", "")).split(",") if p.strip()]


async def _boundary(form) -> str | None:
    data = await file_bytes(form, "boundary")
    if not data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        message = _("The boundary file must be GeoJSON text (UTF-8).")
        raise Invalid(message, {"boundary": message}) from None


def _optional(form, name: str) -> str | None:
    value = form.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


async def quarter_create(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_role(request, "admin")
    form = await request.post()
    try:
        quarter = await commit(
            node,
            quarters.create_quarter,
            str(form.get("slug", "")).strip().lower(),
            str(form.get("name", "")),
            _postcodes(form),
            await _boundary(form),
            rural=form.get("rural") == "on",
            country=node.settings.node_country,
            language=node.settings.default_language,
            description=str(form.get("description", "")),
            center=_optional(form, "center"),
            radius=_optional(form, "radius"),
            adjacent=_optional(form, "adjacent"),
            actor_id=me.id,
        )
    except Invalid as exc:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return await quarter_list(request, 400, {**exc.fields, "_": exc.message}, values)
    raise redirect(f"/admin/quarters/{quarter.slug}", _("The quarter is created."))


async def quarter_form(request: web.Request, status=200, errors=None) -> web.Response:
    node = request.app[node_key]
    require_staff(request)
    quarter = await node.db.run(quarters.get_quarter, request.match_info["slug"])
    next_to = await node.db.run(adjacency.slugs_next_to, quarter.id)
    return render(
        request,
        "admin/quarter.html",
        status=status,
        quarter=quarter,
        adjacent=", ".join(next_to),
        errors=errors or {},
    )


async def quarter_save(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_staff(request)
    form = await request.post()
    slug = request.match_info["slug"]
    try:
        await commit(
            node,
            quarters.update_quarter,
            me,
            slug,
            str(form.get("name", "")),
            _postcodes(form),
            await _boundary(form),
            rural=form.get("rural") == "on",
            description=str(form.get("description", "")),
            clear_boundary=form.get("clear_boundary") == "on",
            adjacent=str(form["adjacent"]) if isinstance(form.get("adjacent"), str) else None,
            actor_id=me.id,
        )
    except Invalid as exc:
        return await quarter_form(request, 400, {**exc.fields, "_": exc.message})
    raise redirect(f"/admin/quarters/{slug}", _("The quarter is saved."))


def _residents(viewer: Resident) -> list[Resident]:
    query = (
        Resident.select(Resident, Quarter)
        .join(Quarter, pw.JOIN.LEFT_OUTER, on=(Resident.quarter == Quarter.id))
        .where((Resident.host == "") & Resident.deleted_at.is_null())
        .order_by(Resident.username)
    )
    if viewer.role != "admin":
        query = query.where(Resident.quarter == viewer.quarter_id)
    return list(query)


async def resident_list(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_staff(request)
    people = await node.db.run(_residents, me)
    all_quarters = await node.db.run(quarters.local_quarters)
    roles = ROLES if me.role == "admin" else ("resident", "ambassador")
    return render(
        request,
        "admin/residents.html",
        residents=people,
        quarters=all_quarters,
        roles=roles,
    )


async def resident_role(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_staff(request)
    form = await request.post()
    await commit(
        node,
        quarters.set_role,
        me,
        int(request.match_info["id"]),
        str(form.get("role", "")),
        actor_id=me.id,
    )
    raise redirect("/admin/residents", _("The role is changed."))


async def resident_quarter(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_staff(request)
    form = await request.post()
    await commit(
        node,
        quarters.assign,
        me,
        int(request.match_info["id"]),
        str(form.get("quarter", "")),
        actor_id=me.id,
    )
    raise redirect("/admin/residents", _("The resident is moved."))


ROUTES = [
    ("GET", "/admin", index, "admin"),
    ("GET", "/admin/quarters", quarter_list, "admin_quarters"),
    ("POST", "/admin/quarters", quarter_create, "admin_quarters_post"),
    ("GET", "/admin/quarters/{slug}", quarter_form, "admin_quarter"),
    ("POST", "/admin/quarters/{slug}", quarter_save, "admin_quarter_post"),
    ("GET", "/admin/residents", resident_list, "admin_residents"),
    ("POST", "/admin/residents/{id:\\d+}/role", resident_role, "admin_resident_role"),
    ("POST", "/admin/residents/{id:\\d+}/quarter", resident_quarter, "admin_resident_quarter"),
]
