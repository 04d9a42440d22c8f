"""Sign-up, log-in, CSRF and the log-in rate limit, through the real pages."""

import re

from helpers import CSRF, csrf_token, login, make_quarter, make_resident, node_of

from node.local.models import OutgoingMail


async def confirmation_path(client, email):
    """The path of the confirmation link mailed to this address (through the mail outbox)."""
    node = node_of(client)
    mails = await node.db.run(
        lambda: list(
            OutgoingMail.select().where(OutgoingMail.to == email).order_by(OutgoingMail.id)
        )
    )
    match = re.search(r"https?://[^/\s]+(/signup/confirm/\S+)", mails[-1].text)
    return match.group(1)


async def test_signup_creates_resident_and_logs_in(client):
    token = await csrf_token(client, "/signup")
    response = await client.post(
        "/signup",
        data={
            "username": "bob",
            "display_name": "Bob",
            "email": "bob@example.test",
            "password": "long enough",
            "language": "fr",
            "csrf_token": token,
        },
        allow_redirects=False,
    )
    assert response.status == 200  # "check your mailbox": the account waits for the e-mail
    assert "We have sent an e-mail" in await response.text()
    path = await confirmation_path(client, "bob@example.test")
    page = await client.get(path)
    assert page.status == 200
    token = CSRF.search(await page.text()).group(1)
    response = await client.post(path, data={"csrf_token": token}, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/settings/address"
    home = await client.get("/")
    assert "Log out" in await home.text() or "Se déconnecter" in await home.text()


async def test_signup_refuses_bad_username_and_duplicate_email(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice")
    token = await csrf_token(client, "/signup")
    response = await client.post(
        "/signup",
        data={
            "username": "Bad Name!",
            "email": "alice@example.test",
            "password": "long enough",
            "csrf_token": token,
        },
    )
    assert response.status == 400
    text = await response.text()
    assert "Use only lower-case letters" in text


async def test_post_without_csrf_token_is_refused(client):
    await client.get("/login")  # receive the CSRF cookie
    response = await client.post("/login", data={"login": "x", "password": "y"})
    assert response.status == 403
    assert "reload the page" in await response.text()


async def test_login_and_wrong_password(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice")
    token = await csrf_token(client)
    bad = await client.post(
        "/login", data={"login": "alice", "password": "nope", "csrf_token": token}
    )
    assert bad.status == 400
    assert "Wrong user name or password" in await bad.text()
    await login(client, "alice")


async def test_login_rate_limit_locks_after_repeated_failures(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice")
    token = await csrf_token(client)
    for _ in range(node.settings.login_attempts):
        r = await client.post(
            "/login", data={"login": "alice", "password": "nope", "csrf_token": token}
        )
        assert r.status == 400
    locked = await client.post(
        "/login", data={"login": "alice", "password": "correct horse", "csrf_token": token}
    )
    assert locked.status == 429
    assert "Too many failed attempts" in await locked.text()


async def test_healthz_reports_database(client):
    response = await client.get("/healthz")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"
