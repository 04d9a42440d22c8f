"""Sessions and accounts under attack: open redirects, sessions that must end, CSRF bound to the
session, lockouts nobody can trigger for someone else, and a sign-up that tells no one who has
an account. Everything through the real pages, most of it from separate real browsers."""

import datetime as dt

import pytest
from account_support import browser, link_path, mails_to, token_from, try_login
from factories import bearer
from helpers import CSRF, login, make_quarter, make_resident, node_of, post_form

from node.local.accounts import login_limits
from node.local.accounts.sessions import LoginSession
from node.local.models import Resident

# --- open redirect -------------------------------------------------------------------------

HOSTILE_NEXT = [
    "/\t/evil.example",
    "/%09/evil.example",
    "/\n/evil.example",
    "/%0a/evil.example",
    "/\r\n/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/%5c/evil.example",
    "//evil.example",
    "///evil.example",
    "/\x00/evil.example",
    "/\u200b/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    " //evil.example",
]


async def seeded(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice")
    await make_resident(node, "bob")
    return node


def location_is_local(location: str) -> bool:
    cleaned = "".join(c for c in location if c >= " " and c != "\x7f").replace("\\", "/")
    return cleaned.startswith("/") and not cleaned.startswith("//")


async def test_the_issue_s_redirect_through_the_login_page_stays_on_the_site(client):
    await seeded(client)
    page = await client.get("/login?next=/%09/evil.example")
    assert page.status == 200
    assert "evil.example" not in await page.text()
    async with browser(client) as b:
        r = await try_login(b, "alice", "correct horse", next_url="/\t/evil.example")
        assert r.status == 303
        assert r.headers["Location"] == "/"


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
async def test_no_next_leads_off_the_site(client, hostile):
    await seeded(client)
    async with browser(client) as b:
        r = await try_login(b, "alice", "correct horse", next_url=hostile)
        assert r.status == 303
        assert location_is_local(r.headers["Location"]), r.headers["Location"]
        assert "evil" not in r.headers["Location"]
        # the block form's return address goes through the same check
        bob = await node_of(client).db.run(lambda: Resident.get(Resident.username == "bob"))
        token = await token_from(b, "/@bob")
        r = await b.post(
            "/blocks",
            data={"csrf_token": token, "resident": str(bob.id), "next": hostile},
            allow_redirects=False,
        )
        assert r.status == 303
        assert "evil" not in r.headers["Location"]


async def test_a_local_next_with_a_query_is_kept(client):
    await seeded(client)
    async with browser(client) as b:
        r = await try_login(b, "alice", "correct horse", next_url="/listings?q=drill%20bit")
        assert r.headers["Location"] == "/listings?q=drill%20bit"


# --- sessions end on the server -------------------------------------------------------------


def session_cookie(session) -> str:
    return next(c.value for c in session.cookie_jar if c.key == "q_session")


async def is_logged_in(session) -> bool:
    r = await session.get("/settings", allow_redirects=False)
    return r.status == 200


async def replay(client, cookie: str) -> bool:
    """Whether a stolen copy of the cookie still opens /settings."""
    async with browser(client) as thief:
        thief.cookie_jar.update_cookies({"q_session": cookie}, client.make_url("/"))
        return await is_logged_in(thief)


async def test_logout_ends_the_session_on_the_server(client):
    await seeded(client)
    async with browser(client) as b:
        assert (await try_login(b, "alice", "correct horse")).status == 303
        cookie = session_cookie(b)
        assert await replay(client, cookie)
        token = await token_from(b, "/settings")
        r = await b.post("/logout", data={"csrf_token": token}, allow_redirects=False)
        assert r.status == 303
        assert not await replay(client, cookie)


async def test_password_change_ends_every_other_session(client):
    await seeded(client)
    async with browser(client) as phone, browser(client, "127.0.0.2") as laptop:
        assert (await try_login(phone, "alice", "correct horse")).status == 303
        assert (await try_login(laptop, "alice", "correct horse")).status == 303
        phone_cookie = session_cookie(phone)
        token = await token_from(laptop, "/settings")
        r = await laptop.post(
            "/settings/password",
            data={
                "csrf_token": token,
                "current_password": "correct horse",
                "new_password": "battery staple",
                "new_password2": "battery staple",
            },
            allow_redirects=False,
        )
        assert r.status == 303
        assert await is_logged_in(laptop)  # the browser that changed it gets a fresh session
        assert not await is_logged_in(phone)
        assert not await replay(client, phone_cookie)
        assert (await try_login(phone, "alice", "battery staple")).status == 303


async def test_a_wrong_current_password_changes_nothing(client):
    await seeded(client)
    async with browser(client) as b:
        await try_login(b, "alice", "correct horse")
        token = await token_from(b, "/settings")
        r = await b.post(
            "/settings/password",
            data={
                "csrf_token": token,
                "current_password": "guess",
                "new_password": "battery staple",
                "new_password2": "battery staple",
            },
        )
        assert r.status == 400
        assert await is_logged_in(b)


async def test_log_out_everywhere(client):
    await seeded(client)
    async with browser(client) as phone, browser(client, "127.0.0.2") as laptop:
        await try_login(phone, "alice", "correct horse")
        await try_login(laptop, "alice", "correct horse")
        page = await phone.get("/settings")
        assert "Log out everywhere" in await page.text()
        token = CSRF.search(await page.text()).group(1)
        r = await phone.post(
            "/settings/sessions/end", data={"csrf_token": token}, allow_redirects=False
        )
        assert r.status == 303
        assert not await is_logged_in(phone)
        assert not await is_logged_in(laptop)


async def test_a_password_reset_ends_every_session(client):
    await seeded(client)
    async with browser(client) as b:
        await try_login(b, "alice", "correct horse")
        token = await token_from(b, "/password/forgot")
        await b.post("/password/forgot", data={"csrf_token": token, "email": "alice@example.test"})
    mail = (await mails_to(client, "alice@example.test"))[-1]
    path = link_path(mail.text, "/password/reset/")
    async with browser(client, "127.0.0.2") as other:
        token = await token_from(other, path)
        r = await other.post(
            path,
            data={"csrf_token": token, "password": "new secret!", "password2": "new secret!"},
            allow_redirects=False,
        )
        assert r.status == 303
    async with browser(client) as again:
        assert (await try_login(again, "alice", "new secret!")).status == 303


async def test_a_suspension_ends_the_residents_sessions(client):
    node = await seeded(client)
    await make_resident(node, "mod", role="moderator")
    bob = await node.db.run(lambda: Resident.get(Resident.username == "bob"))
    async with browser(client) as bobs, browser(client, "127.0.0.2") as mods:
        await try_login(bobs, "bob", "correct horse")
        assert await is_logged_in(bobs)
        await try_login(mods, "mod", "correct horse")
        token = await token_from(mods, "/moderation")
        r = await mods.post(
            "/moderation/act",
            data={
                "csrf_token": token,
                "target_type": "resident",
                "target_id": str(bob.id),
                "action": "suspend",
                "reason": "spam",
            },
            allow_redirects=False,
        )
        assert r.status == 303
        assert not await is_logged_in(bobs)


async def test_sessions_expire(client):
    node = await seeded(client)
    async with browser(client) as b:
        await try_login(b, "alice", "correct horse")
        assert await is_logged_in(b)
        past = dt.datetime(2020, 1, 1)
        await node.db.atomic(lambda: LoginSession.update(expires_at=past).execute())
        assert not await is_logged_in(b)


# --- CSRF bound to the session ----------------------------------------------------------------


async def profile_post(session, token, **extra):
    data = {"csrf_token": token, "display_name": "Pwned", "bio": "owned"} | extra
    return await session.post("/settings", data=data, allow_redirects=False)


async def display_name(node, username="alice"):
    return (await node.db.run(lambda: Resident.get(Resident.username == username))).display_name


async def test_an_attacker_planted_csrf_cookie_and_field_are_refused(client):
    node = await seeded(client)
    async with browser(client) as victim:
        await try_login(victim, "alice", "correct horse")
        # the attacker plants their own q_csrf cookie (e.g. from a sibling sub-domain) and
        # sends the same value in the forged form: the old double-submit check let it through
        victim.cookie_jar.update_cookies({"q_csrf": "attacker-chosen"}, client.make_url("/"))
        r = await profile_post(victim, "attacker-chosen")
        assert r.status == 403
        # a valid-looking token obtained by the attacker in their own (anonymous or logged-in)
        # browser is refused too: it is bound to a different session
        async with browser(client, "127.0.0.9") as attacker:
            anonymous_token = await token_from(attacker, "/login")
            attacker_cookie = next(c.value for c in attacker.cookie_jar if c.key == "q_csrf")
            await try_login(attacker, "bob", "correct horse")
            bobs_token = await token_from(attacker, "/settings")
        victim.cookie_jar.update_cookies({"q_csrf": attacker_cookie}, client.make_url("/"))
        for forged in (anonymous_token, bobs_token):
            assert (await profile_post(victim, forged)).status == 403
        assert await display_name(node) == "Alice"
        # the victim's own page token still works
        token = await token_from(victim, "/settings")
        assert (await profile_post(victim, token, display_name="Alice B")).status == 303


NON_ASCII_TOKENS = ["é", "jeton-ü", "\u2603" * 30, "a\u00a0b", "\U0001f600"]


@pytest.mark.parametrize("value", NON_ASCII_TOKENS)
async def test_a_non_ascii_csrf_token_is_a_clear_403(client, value):
    await seeded(client)
    await client.get("/login")
    r = await client.post("/login", data={"login": "alice", "password": "x", "csrf_token": value})
    assert r.status == 403
    assert "reload the page" in await r.text()
    r = await client.post(
        "/login", data={"login": "alice", "password": "x"}, headers={"X-CSRF-Token": "ü"}
    )
    assert r.status == 403
    await login(client, "alice")
    r = await client.post("/settings", data={"display_name": "x", "csrf_token": value})
    assert r.status == 403


async def test_anonymous_forms_are_still_protected(client):
    node = await seeded(client)
    async with browser(client) as b, browser(client, "127.0.0.2") as other:
        await b.get("/login")
        # no token, a token of another browser's pre-session, the raw cookie value: all refused
        other_token = await token_from(other, "/login")
        raw_cookie = next(c.value for c in b.cookie_jar if c.key == "q_csrf")
        for token in (None, other_token, raw_cookie):
            data = {"login": "alice", "password": "correct horse"}
            if token:
                data["csrf_token"] = token
            r = await b.post("/login", data=data, allow_redirects=False)
            assert r.status == 403
            for path, form in (
                ("/signup", {"username": "eve", "email": "eve@x.test", "password": "12345678"}),
                ("/password/forgot", {"email": "alice@example.test"}),
            ):
                r = await b.post(path, data=form | ({"csrf_token": token} if token else {}))
                assert r.status == 403, path
        assert await mails_to(client, "alice@example.test") == []
        assert (await try_login(b, "alice", "correct horse")).status == 303
    assert await node.db.run(lambda: LoginSession.select().count()) == 1


async def test_the_api_with_a_bearer_token_needs_no_csrf(client):
    node = await seeded(client)
    alice = await node.db.run(lambda: Resident.get(Resident.username == "alice"))
    r = await client.get("/api/v1/feed", headers=await bearer(node, alice))
    assert r.status == 200


# --- lockout ---------------------------------------------------------------------------------


async def test_an_attacker_cannot_lock_the_owner_out(client):
    node = await seeded(client)
    attempts = node.settings.login_attempts
    async with browser(client, "127.0.0.2") as attacker, browser(client, "127.0.0.3") as owner:
        for _ in range(attempts):
            assert (await try_login(attacker, "alice", "guess")).status == 400
        assert (await try_login(attacker, "alice", "correct horse")).status == 429
        assert (await try_login(owner, "alice", "correct horse")).status == 303


async def test_failures_on_other_accounts_do_not_lock_a_shared_address(client):
    """A library computer: someone fails on five names; bob, at the same address, logs in."""
    node = await seeded(client)
    async with browser(client, "127.0.0.4") as shared:
        for name in ("carol", "dave", "erin", "frank", "alice"):
            assert (await try_login(shared, name, "guess")).status == 400
        assert node.settings.login_attempts <= 5
        assert (await try_login(shared, "bob", "correct horse")).status == 303


async def test_one_address_failing_everywhere_is_slowed_down(client):
    await seeded(client)
    async with browser(client, "127.0.0.5") as sprayer, browser(client, "127.0.0.6") as bob:
        for i in range(login_limits.ADDRESS_FAILURES):
            assert (await try_login(sprayer, f"user{i}", "guess")).status == 400
        assert (await try_login(sprayer, "bob", "correct horse")).status == 429
        assert (await try_login(bob, "bob", "correct horse")).status == 303


async def test_an_account_under_distributed_attack_still_lets_its_owner_in(client):
    node = await seeded(client)
    attempts = node.settings.login_attempts
    async with browser(client, "127.0.0.3") as home:  # the owner logs in from home once
        assert (await try_login(home, "alice", "correct horse")).status == 303
    # many addresses, each staying under its own limits, push alice over the account limit
    failures = 0
    address = 10
    while failures < login_limits.ACCOUNT_FAILURES:
        async with browser(client, f"127.0.1.{address}") as bot:
            for _ in range(min(attempts - 1, login_limits.ACCOUNT_FAILURES - failures)):
                assert (await try_login(bot, "alice", "guess")).status == 400
                failures += 1
        address += 1
    # a fresh attacking address now gets one try, not five
    async with browser(client, "127.0.2.1") as bot:
        assert (await try_login(bot, "alice", "guess")).status == 400
        assert (await try_login(bot, "alice", "guess")).status == 429
    # the owner, from a fresh address with the right password: in at the first try
    async with browser(client, "127.0.2.2") as travel:
        assert (await try_login(travel, "alice", "correct horse")).status == 303
    # from home (a known address) a typo is forgiven as usual
    async with browser(client, "127.0.0.3") as home:
        assert (await try_login(home, "alice", "typo")).status == 400
        assert (await try_login(home, "alice", "correct horse")).status == 303


# --- sign-up does not tell who has an account --------------------------------------------------


async def signup(session, email, username):
    token = await token_from(session, "/signup")
    return await session.post(
        "/signup",
        data={
            "username": username,
            "email": email,
            "password": "long enough",
            "csrf_token": token,
        },
        allow_redirects=False,
    )


async def test_signup_answers_the_same_whether_or_not_the_address_has_an_account(client):
    await seeded(client)
    async with browser(client) as b:
        taken = await signup(b, "alice@example.test", "alice2")
        taken_text = CSRF.sub("", await taken.text())
        fresh = await signup(b, "new@example.test", "newbie")
        fresh_text = CSRF.sub("", await fresh.text())
    assert taken.status == fresh.status == 200
    assert taken_text == fresh_text
    assert "already" not in taken_text
    assert {c for c in taken.cookies} == {c for c in fresh.cookies}
    owner_mail = await mails_to(client, "alice@example.test")
    assert len(owner_mail) == 1 and "already belongs to the account alice" in owner_mail[0].text
    assert "/signup/confirm/" not in owner_mail[0].text
    new_mail = await mails_to(client, "new@example.test")
    assert len(new_mail) == 1 and "/signup/confirm/" in new_mail[0].text
    assert not await node_of(client).db.run(
        lambda: Resident.select().where(Resident.username == "alice2").exists()
    )


async def test_a_confirmation_link_creates_the_account_once(client):
    node = await seeded(client)
    async with browser(client) as b:
        assert (await signup(b, "new@example.test", "newbie")).status == 200
        path = link_path((await mails_to(client, "new@example.test"))[0].text, "/signup/confirm/")
        token = await token_from(b, path)
        r = await b.post(path, data={"csrf_token": token}, allow_redirects=False)
        assert r.status == 303 and r.headers["Location"] == "/settings/address"
        assert await is_logged_in(b)
        again = await b.get(path)
        assert again.status == 404
    newbie = await node.db.run(lambda: Resident.get(Resident.username == "newbie"))
    assert newbie.email == "new@example.test" and newbie.verified_at is None
    async with browser(client, "127.0.0.2") as other:
        assert (await try_login(other, "newbie", "long enough")).status == 303


async def test_a_taken_user_name_is_still_said_at_once(client):
    """User names are public (profile pages): saying one is taken reveals nothing new."""
    await seeded(client)
    async with browser(client) as b:
        r = await signup(b, "someone@example.test", "alice")
        assert r.status == 400
        assert "already taken" in await r.text()
    assert await mails_to(client, "someone@example.test") == []


async def test_sign_up_mails_from_one_address_are_limited(client):
    await seeded(client)
    async with browser(client) as b:
        token = await csrf_token_of(b)
        statuses = []
        for i in range(12):
            r = await b.post(
                "/signup",
                data={
                    "username": f"n{i}",
                    "email": "victim@example.test",
                    "password": "long enough",
                    "csrf_token": token,
                },
            )
            statuses.append(r.status)
    assert statuses.count(200) == 10 and statuses[10:] == [429, 429]
    assert len(await mails_to(client, "victim@example.test")) == 10


async def csrf_token_of(session):
    return await token_from(session, "/signup")


async def test_post_form_helper_still_works_after_login(client):
    """Pages rendered after log-in carry the session's token (what every form uses)."""
    await seeded(client)
    await login(client, "alice")
    r = await post_form(client, "/settings", display_name="Alice", bio="hi")
    assert r.status == 303
