"""Sign-up, log-in and log-out pages."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import residents
from node.local.errors import Invalid
from node.web.guards import current
from node.web.middleware import login_response, logout_response
from node.web.render import redirect, render


def _safe_next(value: str | None) -> str:
    # only same-site relative paths: never an open redirect
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return "/"


async def signup_form(request: web.Request) -> web.Response:
    if current(request):
        raise web.HTTPSeeOther("/")
    return render(request, "auth/signup.html", form={}, errors={})


async def signup(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    form = dict(await request.post())
    if not node.settings.open_registrations:
        return render(
            request,
            "auth/signup.html",
            status=403,
            form=form,
            errors={"_": _("Sign-up is closed on this node.")},
        )
    try:
        draft = residents.SignupDraft.parse(form)
        resident = await commit(node, residents.sign_up, draft)
    except Invalid as exc:
        form.pop("password", None)
        return render(
            request,
            "auth/signup.html",
            status=400,
            form=form,
            errors={**exc.fields, "_": exc.message},
        )
    response = redirect(
        "/settings/address", _("Welcome! Now tell us where you live to join your quarter.")
    )
    login_response(response, request, resident)
    raise response


async def login_form(request: web.Request) -> web.Response:
    return render(
        request, "auth/login.html", form={}, error=None, next=_safe_next(request.query.get("next"))
    )


async def login(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    form = await request.post()
    login_name = str(form.get("login", "")).strip()
    password = str(form.get("password", ""))
    next_url = _safe_next(str(form.get("next", "/")))
    from node.local import ratelimit

    key_ip = f"ip:{request.remote}"
    key_login = f"login:{login_name.lower()}"
    limited = await node.db.run(
        ratelimit.is_limited,
        [key_ip, key_login],
        node.settings.login_attempts,
        node.settings.login_window_seconds,
    )
    if limited:
        return render(
            request,
            "auth/login.html",
            status=429,
            form={"login": login_name},
            next=next_url,
            error=_("Too many failed attempts. Please wait a few minutes and try again."),
        )
    resident = await node.db.run(residents.check_password, login_name, password)
    if resident is None:
        await node.db.atomic(ratelimit.hit, [key_ip, key_login])
        return render(
            request,
            "auth/login.html",
            status=400,
            form={"login": login_name},
            next=next_url,
            error=_("Wrong user name or password."),
        )
    await node.db.atomic(ratelimit.clear, [key_login])
    response = redirect(next_url)
    login_response(response, request, resident)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    response = redirect("/", _("You are logged out."))
    logout_response(response)
    raise response


ROUTES = [
    ("GET", "/signup", signup_form, "signup"),
    ("POST", "/signup", signup, "signup_post"),
    ("GET", "/login", login_form, "login"),
    ("POST", "/login", login, "login_post"),
    ("POST", "/logout", logout, "logout"),
]
