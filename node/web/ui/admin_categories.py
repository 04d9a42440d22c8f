"""Administration of the node's taxonomy (rubriques): add, rename custom ones, reorder, hide."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local.errors import DomainError
from node.local.listings import categories
from node.web.guards import require_role
from node.web.render import redirect, render


def _rows() -> list[Any]:
    categories.seed()
    return categories.all_categories()


async def page(request: web.Request, status: int = 200, errors=None, form=None) -> web.Response:
    require_role(request, "admin")
    node = request.app[node_key]
    rows = await node.db.atomic(_rows)
    # Built-in labels are translated here, in the reader's language.
    listed = [(row, categories.label(row.slug, row.label)) for row in rows]
    return render(
        request,
        "admin/categories.html",
        status=status,
        rows=listed,
        errors=errors or {},
        form=form or {},
    )


def _text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


async def _apply(request: web.Request, fn, *args, done: str) -> web.Response:
    node = request.app[node_key]
    me = require_role(request, "admin")
    try:
        await commit(node, fn, *args, actor_id=me.id)
    except DomainError as exc:
        form = dict(await request.post())
        return await page(
            request, exc.status, {**getattr(exc, "fields", {}), "_": exc.message}, form
        )
    raise redirect("/admin/categories", done)


async def create(request: web.Request) -> web.Response:
    require_role(request, "admin")
    form = await request.post()
    return await _apply(
        request,
        categories.add,
        _text(form, "slug"),
        _text(form, "label"),
        done=_("The category is added."),
    )


async def rename(request: web.Request) -> web.Response:
    require_role(request, "admin")
    form = await request.post()
    slug = request.match_info["slug"]
    return await _apply(
        request, categories.rename, slug, _text(form, "label"), done=_("The category is renamed.")
    )


async def move(request: web.Request) -> web.Response:
    require_role(request, "admin")
    form = await request.post()
    step = -1 if _text(form, "direction") == "up" else 1
    slug = request.match_info["slug"]
    return await _apply(request, categories.move, slug, step, done=_("The order is saved."))


async def visibility(request: web.Request) -> web.Response:
    require_role(request, "admin")
    form = await request.post()
    hidden = _text(form, "hidden") == "1"
    slug = request.match_info["slug"]
    done = _("The category is hidden.") if hidden else _("The category is offered again.")
    return await _apply(request, categories.set_hidden, slug, hidden, done=done)


_SLUG = "{slug:[a-z0-9][a-z0-9-]{0,39}}"
ROUTES = [
    ("GET", "/admin/categories", page, "admin_categories"),
    ("POST", "/admin/categories", create, "admin_categories_post"),
    ("POST", f"/admin/categories/{_SLUG}/rename", rename, "admin_category_rename"),
    ("POST", f"/admin/categories/{_SLUG}/move", move, "admin_category_move"),
    ("POST", f"/admin/categories/{_SLUG}/visibility", visibility, "admin_category_visibility"),
]
