"""Password reset pages: ask for a link by e-mail, then choose a new password."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import ratelimit
from node.local.accounts import password_reset
from node.local.errors import Invalid, NotFound
from node.web.render import redirect, render


async def forgot_form(request: web.Request) -> web.Response:
    return render(request, "auth/forgot.html", sent=False)


async def forgot(request: web.Request) -> web.Response:
    node = request.app[node_key]
    form = await request.post()
    email = str(form.get("email", "")).strip()
    key = f"reset:{request.remote}"
    limited = await node.db.run(ratelimit.is_limited, [key], 10, 3600)
    if not limited and email:
        await node.db.atomic(ratelimit.hit, [key])
        await commit(
            node, password_reset.request_reset, email, node.urls.absolute("/password/reset")
        )
    # the same answer whether or not an account uses this address
    return render(request, "auth/forgot.html", sent=True)


async def reset_form(request: web.Request) -> web.Response:
    node = request.app[node_key]
    token = request.match_info["token"]
    if not await node.db.run(password_reset.check_token, token):
        raise NotFound(_("This link has expired or was already used. Ask for a new one."))
    return render(request, "auth/reset.html", token=token, errors={})


async def reset(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    token = request.match_info["token"]
    form = await request.post()
    password = str(form.get("password", ""))
    try:
        if password != str(form.get("password2", "")):
            message = _("The two passwords differ.")
            raise Invalid(message, {"password2": message})
        await commit(node, password_reset.reset_password, token, password)
    except Invalid as exc:
        return render(
            request,
            "auth/reset.html",
            status=400,
            token=token,
            errors={**exc.fields, "_": exc.message},
        )
    raise redirect("/login", _("Your password is changed. Please log in."))


ROUTES = [
    ("GET", "/password/forgot", forgot_form, "password_forgot"),
    ("POST", "/password/forgot", forgot, "password_forgot_post"),
    ("GET", "/password/reset/{token}", reset_form, "password_reset"),
    ("POST", "/password/reset/{token}", reset, "password_reset_post"),
]
