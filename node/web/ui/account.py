"""The resident's settings: profile, avatar, API tokens, data export and account deletion."""

from __future__ import annotations

import json

from aiohttp import web

from node import i18n, imaging
from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import images, reach, residents
from node.local.accounts import profile as accounts
from node.local.accounts import sessions as login_sessions
from node.local.errors import Invalid
from node.local.models import Quarter
from node.web.formats import language_name
from node.web.guards import require_resident
from node.web.middleware import logout_response
from node.web.render import redirect, render


def _text(form, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


async def file_bytes(form, name: str) -> bytes:
    """The bytes of an uploaded file field (empty when none was chosen)."""
    field = form.get(name)
    if isinstance(field, bytes | bytearray):  # aiohttp 3.14: a file input left empty (filename="")
        return bytes(field)
    if field is None or not hasattr(field, "file"):
        return b""
    return field.file.read()


# The languages offered as checkboxes ("which languages do I read?"), besides any already chosen.
READ_LANGUAGES = ("fr", "de", "it", "en", "es", "nl", "pt", "br", "eu", "ca")


def _settings_data(resident_id: int) -> dict:
    me = residents.get_by_id(resident_id)
    quarter = Quarter.get_or_none(Quarter.id == me.quarter_id) if me.quarter_id else None
    from node.local import organisations

    return {
        "tokens": accounts.tokens_of(resident_id),
        "quarter": quarter,
        "organisations": organisations.managed_by(resident_id),
        "active_sessions": login_sessions.active_count(resident_id),
    }


async def _page(request, status=200, errors=None, form=None, new_token=None):
    node = request.app[node_key]
    me = require_resident(request)
    data = await node.db.run(_settings_data, me.id)
    return render(
        request,
        "settings/index.html",
        status=status,
        errors=errors or {},
        form=form,
        new_token=new_token,
        language_options=[("", _("Browser's choice")), *i18n.language_names().items()],
        read_languages=_read_languages(me.languages_seen),
        **data,
    )


def _read_languages(seen: str) -> list[tuple[str, str, bool]]:
    """(code, name in the reader's language, checked) for the languages checkboxes."""
    chosen = reach.parse_languages(seen)
    codes = list(dict.fromkeys([*READ_LANGUAGES, *chosen]))
    return [(code, language_name(code), code in chosen) for code in codes]


async def save_languages(request: web.Request) -> web.StreamResponse:
    """The languages I read: nothing checked means every language (feeds, lists, search)."""
    node = request.app[node_key]
    me = require_resident(request)
    form = await request.post()
    picked = ",".join(v for v in form.getall("languages", []) if isinstance(v, str))
    await node.db.atomic(reach.set_languages, me.id, reach.parse_languages(picked))
    raise redirect("/settings", _("Your languages are saved."))


async def settings_page(request: web.Request) -> web.Response:
    return await _page(request)


async def save_profile(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    form = await request.post()
    try:
        await commit(
            node,
            accounts.update_profile,
            me.id,
            _text(form, "display_name"),
            _text(form, "language"),
            _text(form, "languages_spoken"),
            _text(form, "skills"),
            _text(form, "bio"),
            actor_id=me.id,
        )
    except Invalid as exc:
        return await _page(request, 400, {**exc.fields, "_": exc.message}, dict(form))
    response = redirect("/settings", _("Your profile is saved."))
    if _text(form, "language"):
        response.set_cookie("q_lang", _text(form, "language"), max_age=365 * 86400, path="/")
    else:
        response.del_cookie("q_lang", path="/")
    raise response


async def save_avatar(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    form = await request.post()
    folder = accounts.media_dir(node.settings) / "avatars"
    data = await file_bytes(form, "avatar")
    try:
        sides = (accounts.AVATAR_SIDE,)
        async with imaging.kept(node, [data], folder, sides, "avatar") as (saved,):
            old = await commit(node, accounts.set_avatar, me.id, saved.names[0])
    except Invalid as exc:
        return await _page(request, 400, {**exc.fields, "_": exc.message})
    if old.startswith("avatars/"):
        images.discard(folder, [old.removeprefix("avatars/")])  # the replaced one, once committed
    raise redirect("/settings", _("Your picture is saved."))


async def create_token(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    form = await request.post()
    name = _text(form, "name").strip()[:100] or _("API token")
    token = await commit(node, residents.create_token, me.id, name)
    return await _page(request, new_token=token)  # shown once: only its hash is kept


async def revoke_token(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    await commit(node, accounts.revoke_token, me.id, int(request.match_info["id"]))
    raise redirect("/settings", _("The token is revoked."))


async def export(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    data = await node.db.run(accounts.export, me.id)
    return web.Response(
        body=json.dumps(data, ensure_ascii=False, indent=2).encode(),
        content_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="quartier-{me.username}.json"',
            "Cache-Control": "no-store",
        },
    )


async def delete_form(request: web.Request) -> web.Response:
    require_resident(request)
    return render(request, "settings/delete.html", errors={})


async def delete(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    form = await request.post()
    try:
        await commit(node, accounts.delete_account, me.id, _text(form, "password"), actor_id=me.id)
    except Invalid as exc:
        return render(
            request, "settings/delete.html", status=400, errors={**exc.fields, "_": exc.message}
        )
    response = redirect("/", _("Your account and your data are deleted. Goodbye!"))
    await logout_response(response)
    raise response


ROUTES = [
    ("GET", "/settings", settings_page, "settings"),
    ("POST", "/settings", save_profile, "settings_post"),
    ("POST", "/settings/avatar", save_avatar, "settings_avatar"),
    ("POST", "/settings/languages", save_languages, "settings_languages"),
    ("POST", "/settings/tokens", create_token, "settings_token_create"),
    ("POST", "/settings/tokens/{id:\\d+}/revoke", revoke_token, "settings_token_revoke"),
    ("GET", "/settings/export", export, "settings_export"),
    ("GET", "/settings/delete", delete_form, "settings_delete"),
    ("POST", "/settings/delete", delete, "settings_delete_post"),
]
