"""Real browsers for account tests: each its own connection pool, cookie jar and source address.

Linux routes all of 127.0.0.0/8 to the loopback interface, so a browser bound to 127.0.0.7
reaches the test server from that address (what the server sees as request.remote)."""

from __future__ import annotations

import re

import aiohttp
from helpers import CSRF, node_of

from node.local.models import OutgoingMail


def browser(client, address: str = "127.0.0.1") -> aiohttp.ClientSession:
    """A separate browser talking to the test server over real loopback connections."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0), force_close=False)
    return aiohttp.ClientSession(
        base_url=str(client.make_url("/")),
        connector=connector,
        cookie_jar=aiohttp.CookieJar(unsafe=True),
    )


async def token_from(session, path: str) -> str:
    response = await session.get(path)
    match = CSRF.search(await response.text())
    assert match, f"no CSRF field on {path} ({response.status})"
    return match.group(1)


async def try_login(session, login: str, password: str, next_url: str | None = None):
    """POST the log-in form as a browser would; return the response (not followed)."""
    token = await token_from(session, "/login")
    data = {"login": login, "password": password, "csrf_token": token}
    if next_url is not None:
        data["next"] = next_url
    return await session.post("/login", data=data, allow_redirects=False)


async def mails_to(client, address: str) -> list[OutgoingMail]:
    node = node_of(client)
    return await node.db.run(
        lambda: list(
            OutgoingMail.select().where(OutgoingMail.to == address).order_by(OutgoingMail.id)
        )
    )


def link_path(text: str, prefix: str) -> str:
    match = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", text)
    assert match, text
    return match.group(1)
