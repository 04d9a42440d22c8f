"""The request made safe before any handler reads it: route ids bounded, query and form text cleaned."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from node.i18n import _
from node.local.errors import NotFound
from node.local.inputs import clean_text, record_id

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Route parameters that name a row: every handler may int() them once this middleware passed.
ID_PARAMS = frozenset({"id", "rid", "photo"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _clean_multidict(items) -> MultiDictProxy:
    return MultiDictProxy(
        MultiDict(
            (clean_text(k), clean_text(v) if isinstance(v, str) else v) for k, v in items.items()
        )
    )


@web.middleware
async def clean_request(request: web.Request, handler: Handler) -> web.StreamResponse:
    """404 for ids no row can have (10**23, -1, "abc"); query and form text without controls."""
    for name, value in request.match_info.items():
        if name in ID_PARAMS:
            record_id(value, _("This page does not exist."))
        elif clean_text(value) != value:  # "\0" in a handle, a slug or a file name
            raise NotFound(_("This page does not exist."))
    query = request.rel_url.query
    if any(clean_text(k) != k or clean_text(v) != v for k, v in query.items()):
        request = request.clone(
            rel_url=request.rel_url.with_query(
                [(clean_text(k), clean_text(v)) for k, v in query.items()]
            )
        )
    if request.method == "POST" and request.content_type in FORM_TYPES:
        form = await request.post()
        # aiohttp caches the parsed form on the request; every later post() returns the cleaned one.
        request._post = _clean_multidict(form)  # noqa: SLF001
    return await handler(request)
