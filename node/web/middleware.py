"""Middlewares: errors → status and page/JSON, security headers, session and language, CSRF."""

from __future__ import annotations

import functools
import itertools
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from node import i18n
from node.appkeys import (
    bearer_key,
    csrf_key,
    language_key,
    node_key,
    request_id_key,
    resident_key,
    session_key,
)
from node.i18n import _
from node.local import residents
from node.local.accounts import sessions as login_sessions
from node.local.errors import DomainError
from node.local.inputs import clean_text
from node.web import metrics, sessions
from node.web.inputs import clean_request
from node.web.proxies import real_client
from node.web.render import render

log = logging.getLogger("quartier.web")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Paths where other servers post signed JSON: no cookies, no CSRF (the signature is the proof).
FEDERATION_POST = ("/inbox", "/actor/inbox")


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def is_federation_post(request: web.Request) -> bool:
    return request.path in FEDERATION_POST or (
        request.path.startswith("/@") and request.path.endswith("/inbox")
    )


def json_error(status: int, code: str, message: str, **extra) -> web.Response:
    body = {"error": code, "message": message}
    body.update(extra)
    return web.json_response(body, status=status)


STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


def _http_message(status: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please log in."),
        403: _("You are not allowed to do this."),
        404: _("This page does not exist."),
        405: _("This method is not allowed here."),
        413: _("This is too large."),
        429: _("Too many attempts; please wait a moment."),
    }
    return messages.get(status, _("Something went wrong."))


# A proxy's id (nginx $request_id, …) is kept when it looks like one, so both logs line up.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def request_id(request: web.Request) -> str:
    return request.get(request_id_key, "")


# Ids name requests in logs; they need to be unique, not secret: a random prefix per process
# and a counter (a random draw per request was a system call on the busiest path).
_RID_PREFIX = secrets.token_hex(3)
_rid_numbers = itertools.count(int.from_bytes(secrets.token_bytes(4)))


def _request_id_for(request: web.Request) -> str:
    incoming = request.headers.get("X-Request-Id", "")
    if REQUEST_ID.fullmatch(incoming):
        return incoming
    return f"{_RID_PREFIX}{next(_rid_numbers) % 16**10:010x}"


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    rid = _request_id_for(request)
    request[request_id_key] = rid
    response = await _answer(request, handler)
    response.headers["X-Request-Id"] = rid
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as exc:
        message = str(exc.message) or _http_message(exc.status)
        if is_api(request) or is_federation_post(request):
            extra = {"fields": {k: str(v) for k, v in exc.fields.items()}} if exc.fields else {}
            return json_error(exc.status, exc.code, message, **extra)
        template = (
            f"errors/{exc.status}.html"
            if exc.status in {400, 403, 404, 409, 413, 422}
            else "errors/400.html"
        )
        # a refusal before address verification: the page says how to get verified
        verify = getattr(exc, "needs_verification", False)
        return render(
            request, template, status=exc.status, message=message, needs_verification=verify
        )
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        if is_api(request) or is_federation_post(request):
            text = (
                exc.text
                if exc.text and not exc.text.startswith(f"{exc.status}:")
                else _http_message(exc.status)
            )
            return json_error(exc.status, STATUS_CODES.get(exc.status, "error"), text)
        if exc.status in {400, 403, 404, 413, 429}:
            page = "errors/400.html" if exc.status == 429 else f"errors/{exc.status}.html"
            return render(request, page, status=exc.status, message=_http_message(exc.status))
        raise
    except Exception:
        # Whatever the handler wrote ran in commit()'s transaction and was rolled back.
        rid = request_id(request)
        log.exception("request %s: unhandled error on %s %s", rid, request.method, request.path)
        message = _(
            "Something went wrong. If it happens again, tell us this request id: %(rid)s", rid=rid
        )
        if is_api(request) or is_federation_post(request):
            return json_error(500, "internal", message, request_id=rid)
        try:
            return render(request, "errors/500.html", status=500, message=message, request_id=rid)
        except Exception:  # noqa: BLE001 - the error page itself failed: plain text, still no secret
            log.exception("request %s: the error page failed too", rid)
            return web.Response(status=500, text=message)


@functools.lru_cache(maxsize=8)
def _content_security_policy(tile_url: str) -> str:
    tiles = ""
    if tile_url.startswith("http"):
        parts = urlsplit(tile_url.replace("{s}", "*"))
        tiles = f" {parts.scheme}://{parts.netloc}"
    return (
        "default-src 'self'; img-src 'self' data:"
        + tiles
        + "; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    )


def _secure(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault(
        "Content-Security-Policy",
        _content_security_policy(request.app[node_key].settings.tile_url),
    )


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    _secure(request, response)
    return response


@web.middleware
async def federation_posts(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Signed POSTs from other servers (inboxes): what the other middlewares do for them, in
    one frame, then straight to the route's handler.

    The middlewares below serve browsers and API clients (proxies' client address, sessions,
    language, CSRF, form cleaning, unread counts): an inbox reads none of them, and on the
    busiest path of a node each layer cost more than the handler's own work (bench/inbox.py).
    Kept here: the request id, the error answers, the security headers and the metrics.
    Route parameters are still checked as clean_request does.
    """
    if request.method != "POST" or not is_federation_post(request):
        return await handler(request)
    started = time.perf_counter()
    rid = request[request_id_key] = _request_id_for(request)
    status = 500
    try:
        response = await _answer(request, _federation_handler)
        status = response.status
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        metrics.count(request, status, time.perf_counter() - started)
    _secure(request, response)
    response.headers["X-Request-Id"] = rid
    return response


async def _federation_handler(request: web.Request) -> web.StreamResponse:
    for value in request.match_info.values():
        if clean_text(value) != value:
            raise web.HTTPNotFound()
    node = request.app[node_key]
    request[resident_key] = None
    request[session_key] = {}
    request[language_key] = node.settings.default_language
    i18n.set_current(node.settings.default_language)
    request[csrf_key] = ""
    return await request.match_info.handler(request)


async def _current_resident(request: web.Request) -> tuple[object | None, dict]:
    node = request.app[node_key]
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
        resident = await node.db.run(residents.resident_for_token, token)
        if resident is None:
            raise web.HTTPUnauthorized(text=_("Invalid or revoked API token."))
        request[bearer_key] = True
        return resident, {}
    key = request.cookies.get(sessions.SESSION_COOKIE)
    found = await node.db.run(login_sessions.resident_for, key) if key else None
    if found is not None:
        return found[0], {"sid": found[1], "key": key}
    return None, {}


@web.middleware
async def session_and_language(request: web.Request, handler: Handler) -> web.StreamResponse:
    node = request.app[node_key]
    resident, session = (
        (None, {}) if is_federation_post(request) else await _current_resident(request)
    )
    request[resident_key] = resident
    request[session_key] = session
    chosen = (
        request.query.get("lang")
        or request.cookies.get("q_lang")
        or (resident.language if resident else None)
    )
    language = i18n.choose(
        chosen, request.headers.get("Accept-Language"), node.settings.default_language
    )
    request[language_key] = language
    i18n.set_current(language)  # each request runs in its own task: the value dies with it
    pre_session = request.cookies.get(sessions.CSRF_COOKIE) or sessions.new_csrf_token()
    request[csrf_key] = sessions.csrf_token(
        node.settings.secret_key, session.get("key"), pre_session
    )
    response = await handler(request)
    if not request.cookies.get(sessions.CSRF_COOKIE) and not is_api(request):
        response.set_cookie(
            sessions.CSRF_COOKIE,
            pre_session,
            httponly=True,
            samesite="Lax",
            secure=node.settings.cookies_secure,
            path="/",
        )
    if "q_flash" in request.cookies and response.status < 300 and "q_flash" not in response.cookies:
        response.del_cookie("q_flash", path="/")  # shown once
    if request.query.get("lang") in i18n.ui_languages():
        response.set_cookie(
            "q_lang", request.query["lang"], max_age=365 * 86400, samesite="Lax", path="/"
        )
    return response


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every state-changing browser request carries the token bound to its session (or, before
    log-in, to its pre-session q_csrf cookie): see sessions.csrf_token."""
    if (
        request.method in {"GET", "HEAD", "OPTIONS"}
        or is_federation_post(request)
        or request.get(bearer_key)
    ):
        return await handler(request)
    bound = bool(request[session_key]) or bool(request.cookies.get(sessions.CSRF_COOKIE))
    expected = request[csrf_key] if bound else None
    sent = request.headers.get("X-CSRF-Token")
    if sent is None and request.content_type in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        form = await request.post()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if is_api(request) and request[resident_key] is None:
        return await handler(
            request
        )  # no cookie session, nothing to forge; the handler answers 401
    if not sessions.csrf_matches(expected, sent):
        if is_api(request):
            return json_error(403, "csrf", _("Missing or wrong CSRF token."))
        return render(
            request,
            "errors/403.html",
            status=403,
            message=_(
                "Your form has expired or was sent from elsewhere. Please reload the page and try again."
            ),
        )
    return await handler(request)


async def login_response(response: web.StreamResponse, request: web.Request, resident) -> None:
    """Start a server-side session for the resident (ending the request's old one) and set its cookie."""
    node = request.app[node_key]
    days = node.settings.session_days
    old = request.cookies.get(sessions.SESSION_COOKIE)
    key = await node.db.atomic(_restart_session, old, resident.id, request.remote or "", days)
    response.set_cookie(
        sessions.SESSION_COOKIE,
        key,
        max_age=days * 86400,
        httponly=True,
        samesite="Lax",
        secure=node.settings.cookies_secure,
        path="/",
    )


def _restart_session(old: str | None, resident_id: int, address: str, days: int) -> str:
    login_sessions.end(old)
    login_sessions.purge()
    return login_sessions.start(resident_id, address, days)


async def logout_response(response: web.StreamResponse, request: web.Request | None = None) -> None:
    """End the request's session in the database and forget its cookie."""
    if request is not None:
        key = request.cookies.get(sessions.SESSION_COOKIE)
        if key:
            await request.app[node_key].db.atomic(login_sessions.end, key)
    response.del_cookie(sessions.SESSION_COOKIE, path="/")


MIDDLEWARES = [
    federation_posts,  # inbox POSTs: everything they need in one layer, then their handler
    metrics.count_requests,  # outermost of the rest: sees the final status of every answer
    real_client,
    security_headers,
    errors,
    clean_request,
    session_and_language,
    csrf,
]


def _social_middlewares() -> list:
    from node.web.counts import unread_counts

    return [unread_counts]


MIDDLEWARES += _social_middlewares()
