"""Sign-up (confirmed by e-mail), log-in and log-out pages."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import invites, ratelimit, residents
from node.local.accounts import login_limits, signups
from node.local.errors import Invalid
from node.local.models import Quarter
from node.web.guards import current
from node.web.middleware import login_response, logout_response
from node.web.nexturl import safe_next
from node.web.render import redirect, render

SIGNUPS_PER_ADDRESS = 10  # sign-up mails one address may cause per hour


async def _signup_page(
    request: web.Request, form: dict, errors: dict, invite_code: str, status: int = 200
) -> web.Response:
    """The sign-up form; an invitation (link or QR code) names its quarter, or says why it
    does not hold. A bare ?quarter= (the public poster) only names the quarter."""
    node = request.app[node_key]
    invited, refused = None, ""
    if invite_code:
        invited, refused = await node.db.run(invites.quarter_of, invite_code[:100])
    elif slug := request.query.get("quarter", "")[:64]:
        invited = await node.db.run(_named_quarter, slug)
    return render(
        request,
        "auth/signup.html",
        status=status,
        form=form,
        errors=errors,
        sent=False,
        invited=invited,
        invite_code=invite_code if invited and invite_code else "",
        invite_refused=refused,
    )


async def signup_form(request: web.Request) -> web.Response:
    if current(request):
        raise web.HTTPSeeOther("/")
    return await _signup_page(request, {}, {}, request.query.get("invite", ""))


def _named_quarter(slug: str) -> Quarter | None:
    return Quarter.get_or_none((Quarter.slug == slug) & Quarter.external_ref.is_null())


async def signup(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    form.pop("csrf_token", None)
    invite_code = form.pop("invite", "")
    if not node.settings.open_registrations:
        return render(
            request,
            "auth/signup.html",
            status=403,
            form=form,
            sent=False,
            errors={"_": _("Sign-up is closed on this node.")},
        )
    key = f"signup:{request.remote}"
    if await node.db.run(ratelimit.is_limited, [key], SIGNUPS_PER_ADDRESS, 3600):
        raise web.HTTPTooManyRequests()
    try:
        draft = residents.SignupDraft.parse(form)
        await node.db.atomic(ratelimit.hit, [key])
        await commit(
            node,
            signups.request_signup,
            draft,
            node.urls.absolute("/signup/confirm"),
            node.urls.absolute("/login"),
            invite_code[:100],
        )
    except Invalid as exc:
        form.pop("password", None)
        errors = {**exc.fields, "_": exc.message}
        return await _signup_page(request, form, errors, invite_code, status=400)
    # the same page whether or not an account already uses the address (its owner is mailed)
    return render(request, "auth/signup.html", form={}, errors={}, sent=True)


async def confirm_form(request: web.Request) -> web.Response:
    node = request.app[node_key]
    row = await node.db.run(signups.pending, request.match_info["token"])
    return render(
        request,
        "auth/signup_confirm.html",
        status=200 if row else 404,
        pending=row,
        token=request.match_info["token"],
        errors={},
    )


async def confirm(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    token = request.match_info["token"]
    try:
        resident = await commit(node, signups.confirm, token)
    except Invalid as exc:
        return render(
            request,
            "auth/signup_confirm.html",
            status=400,
            pending=None,
            token=token,
            errors={**exc.fields, "_": exc.message},
        )
    if resident.quarter_id is not None:  # an invitation brought them in
        quarter = await node.db.run(Quarter.get_by_id, resident.quarter_id)
        welcome = _(
            "Welcome to %(quarter)s! Now give your address so that a moderator can verify it.",
            quarter=quarter.name,
        )
    else:
        welcome = _("Welcome! Now tell us where you live to join your quarter.")
    response = redirect("/settings/address", welcome)
    await login_response(response, request, resident)
    raise response


async def login_form(request: web.Request) -> web.Response:
    return render(
        request, "auth/login.html", form={}, error=None, next=safe_next(request.query.get("next"))
    )


def _attempt(login_name: str, password: str, address: str, attempts: int, window: int):
    """(resident or None, limited) for one log-in attempt, counting the failure."""
    found = residents.find_login(login_name)
    account = login_limits.account_key(login_name, found)
    if login_limits.is_limited(account, found, address, attempts, window):
        return None, True
    return residents.check_password(login_name, password), False


async def login(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    form = await request.post()
    login_name = str(form.get("login", "")).strip()[:254]
    password = str(form.get("password", ""))
    next_url = safe_next(form.get("next"))
    address = request.remote or ""
    settings = node.settings
    resident, limited = await node.db.run(
        _attempt,
        login_name,
        password,
        address,
        settings.login_attempts,
        settings.login_window_seconds,
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
    if resident is None:
        found = await node.db.run(residents.find_login, login_name)
        account = login_limits.account_key(login_name, found)
        await node.db.atomic(login_limits.failed, account, address)
        return render(
            request,
            "auth/login.html",
            status=400,
            form={"login": login_name},
            next=next_url,
            error=_("Wrong user name or password."),
        )
    await node.db.atomic(
        login_limits.succeeded, login_limits.account_key(login_name, resident), address
    )
    response = redirect(next_url)
    await login_response(response, request, resident)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    response = redirect("/", _("You are logged out."))
    await logout_response(response, request)
    raise response


ROUTES = [
    ("GET", "/signup", signup_form, "signup"),
    ("POST", "/signup", signup, "signup_post"),
    ("GET", "/signup/confirm/{token}", confirm_form, "signup_confirm"),
    ("POST", "/signup/confirm/{token}", confirm, "signup_confirm_post"),
    ("GET", "/login", login_form, "login"),
    ("POST", "/login", login, "login_post"),
    ("POST", "/logout", logout, "logout"),
]
