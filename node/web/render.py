"""Page rendering: one jinja2 environment with autoescape and gettext, and render()."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from markupsafe import Markup

from node import i18n
from node.appkeys import (
    csrf_key,
    language_key,
    node_key,
    resident_key,
    templates_key,
    unread_key,
)
from node.local.text import web_url
from node.web import faces, formats, labels, pictograms

# Templates are package data (node/templates/), so a node installed from a wheel finds them.
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def make_environment(override_dir: str = "") -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if override_dir:
        loaders.append(jinja2.FileSystemLoader(override_dir))
    loaders.append(jinja2.FileSystemLoader(str(TEMPLATES_DIR)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "xml"], default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.globals["gettext"] = env.globals["_"] = _gettext
    env.filters.update(formats.FILTERS)
    env.filters.update(faces.FILTERS)
    env.filters["web_url"] = web_url  # remote URLs reach href only as http(s) (issue #8)
    env.globals.update(labels.GLOBALS)
    env.globals["pictogram"] = pictograms.pictogram  # category pictograms (node/web/pictograms.py)
    env.globals["static_url"] = static_url
    return env


@jinja2.pass_context
def static_url(context: Any, filename: str) -> str:
    """/static/<filename>?v=<hash of the file>, worked out once per file and process: aiohttp
    reads and hashes the file at every url_for (append_version), a tenth of a feed page's
    rendering (py-spy, bench/sharing.py). Static files change only with the code."""
    return _static_url(context["request"].app.router["static"], filename)


@functools.lru_cache(maxsize=64)
def _static_url(resource: Any, filename: str) -> str:
    return str(resource.url_for(filename=filename))


@functools.lru_cache(maxsize=4096)
def _escaped(text: str) -> Markup:
    return Markup(text) % {}  # what jinja2's newstyle gettext does to a message without values


@jinja2.pass_context
def _gettext(context: Any, message: str, **variables: Any) -> str:
    """jinja2's newstyle gettext (a message is a format string, its values escaped) with the
    translation of a message without values kept as Markup: a feed page asks for ~150 such
    messages, and jinja2 went through `_`, then `gettext`, then a Markup `%` for each
    (bench/sharing.py, profiled)."""
    text = i18n.gettext(message)
    if not context.eval_ctx.autoescape:
        return text % variables
    return Markup(text) % variables if variables else _escaped(text)


def _may_take_part(me: Any, settings: Any) -> bool:
    """The same rule as guards.require_verified, for offering actions rather than refusing them."""
    return me is not None and (me.is_verified or bool(settings.unverified_can_publish))


def context(request: web.Request, **values: Any) -> dict[str, Any]:
    node = request.app[node_key]
    base = {
        "request": request,
        "node": node,
        "settings": node.settings,
        "urls": node.urls,
        "me": request.get(resident_key),
        # whether the viewer may take part (borrow, write, comment, RSVP) or is shown the next step
        "may_take_part": _may_take_part(request.get(resident_key), node.settings),
        "csrf_token": request.get(csrf_key, ""),
        "unread_key": unread_key,
        "lang": request.get(language_key, i18n.current()),
        "languages": i18n.language_names(),
        "csrf_field": Markup('<input type="hidden" name="csrf_token" value="%s">')
        % request.get(csrf_key, ""),
    }
    base.update(values)
    return base


def render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    env: jinja2.Environment = request.app[templates_key]
    html = env.get_template(template).render(context(request, **values))
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def flash(response: web.StreamResponse, message: str) -> None:
    """A one-time notice shown on the next page."""
    response.set_cookie(
        "q_flash", message[:300].encode().hex(), max_age=60, httponly=True, samesite="Lax", path="/"
    )


def redirect(location: str, message: str | None = None) -> web.HTTPSeeOther:
    response = web.HTTPSeeOther(location)
    if message:
        flash(response, message)
    return response
