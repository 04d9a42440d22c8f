"""Invitations to a quarter carry through the e-mail confirmation (mailed through a real SMTP
server on loopback); forged, withdrawn, expired and orphaned ones grant nothing; hostile input
gets a 4xx; the address still decides where a resident lives and a moderator still verifies."""

import datetime as dt
import email
import re
from html import unescape

import pytest
from account_support import browser, token_from
from aiosmtpd.controller import Controller
from helpers import CSRF, free_port, login, make_quarter, make_resident, node_of, post_form
from yarl import URL

from node.app import create_app
from node.commit import commit
from node.local import invites
from node.local.accounts.signups import PendingSignup
from node.local.invites import QuarterInvite
from node.local.models import OutgoingMail, Quarter, Resident, utcnow


class Sink:
    """An SMTP server's handler that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
async def mailed(aiohttp_client, make_settings):
    """A node whose mail leaves through an SMTP server on loopback, and that server's inbox."""
    port = free_port()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings = make_settings("mail", smtp_host="127.0.0.1", smtp_port=port)
    client = await aiohttp_client(create_app(settings))
    node = node_of(client)
    await make_quarter(node, "saint_servan", "Saint-Servan", postcodes=("35400",))
    await make_quarter(node, "north", "North", postcodes=("35000",))
    await make_resident(node, "camille", quarter="saint_servan", role="moderator")
    yield client, sink
    controller.stop()


async def invite_link(client, who="camille", slug="saint_servan") -> str:
    """The link on the quarter's invite page, as a path."""
    await login(client, who)
    page = await (await client.get(f"/quarters/{slug}/invite")).text()
    link = unescape(re.search(r'id="invite-link" type="url" readonly value="([^"]+)"', page)[1])
    client.session.cookie_jar.clear()
    return link.removeprefix(node_of(client).urls.base)


async def sign_up(session, path: str, username: str, **extra):
    """Open the sign-up page at `path` and send its form as it is (with `extra` fields)."""
    page = await (await session.get(path)).text()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    fields.update(
        username=username,
        email=f"{username}@example.test",
        password="long enough",
        language="en",
        **extra,
    )
    return await session.post("/signup", data=fields, allow_redirects=False)


async def confirm_by_mail(client, sink, session, address: str, **extra):
    """Send the mail queue through SMTP, open the link of the mail to `address`, confirm it."""
    await node_of(client).drain()
    mails = [m for m in sink.messages if m["To"] == address]
    assert mails, [m["To"] for m in sink.messages]
    text = mails[-1].get_payload(decode=True).decode()
    path = re.search(r"https?://[^/\s]+(/signup/confirm/\S+)", text)[1]
    token = CSRF.search(await (await session.get(path)).text())[1]
    return await session.post(path, data={"csrf_token": token, **extra}, allow_redirects=False)


async def resident(node, username):
    return await node.db.run(Resident.get, Resident.username == username)


async def quarter_slug(node, person):
    if person.quarter_id is None:
        return None
    return (await node.db.run(Quarter.get_by_id, person.quarter_id)).slug


async def test_signing_up_through_an_invitation_starts_in_its_quarter(mailed):
    client, sink = mailed
    node = node_of(client)
    path = await invite_link(client)
    async with browser(client) as session:
        page = await (await session.get(path)).text()
        assert "Join your neighbours in Saint-Servan" in page and 'id="invite-accepted"' in page
        r = await sign_up(session, path, "nadia")
        assert r.status == 200 and "We have sent an e-mail" in await r.text()
        # the invitation waits on the pending sign-up, on the server
        pending = await node.db.run(PendingSignup.get)
        assert pending.invite_id == (await node.db.run(QuarterInvite.get)).id
        # what the browser sends at confirmation changes nothing (nothing there is read)
        r = await confirm_by_mail(
            client, sink, session, "nadia@example.test", quarter="north", invite="x" * 24
        )
        assert r.status == 303 and r.headers["Location"] == "/settings/address"
        welcome = await (await session.get("/settings/address")).text()
        assert "Welcome to Saint-Servan!" in welcome
    nadia = await resident(node, "nadia")
    assert await quarter_slug(node, nadia) == "saint_servan"
    assert nadia.verified_at is None and nadia.verification == "none"  # a moderator verifies
    assert (await node.db.run(QuarterInvite.get)).uses == 1
    # the page of the invitation counts her
    await login(client, "camille")
    page = await (await client.get("/quarters/saint_servan/invite")).text()
    assert "1 person joined through it." in page


async def test_the_invitation_is_in_the_readers_language(mailed):
    client, sink = mailed
    path = await invite_link(client)
    async with browser(client) as session:
        page = await (await session.get(path, headers={"Accept-Language": "fr"})).text()
        assert "Saint-Servan" in page and 'id="invite-accepted"' in page
        assert "Vous avez été invité" in page


async def test_a_forged_invitation_grants_nothing(mailed):
    client, sink = mailed
    node = node_of(client)
    real = (await invite_link(client)).split("invite=")[1]
    forged = real[:-1] + ("A" if real[-1] != "A" else "B")
    async with browser(client) as session:
        page = await (await session.get(f"/signup?invite={forged}")).text()
        assert 'id="invite-refused"' in page and "This invitation link is not valid." in page
        assert 'name="invite"' not in page and "Saint-Servan" not in page
        # sent anyway (a hand-made form): refused, said why, and nothing is mailed
        token = await token_from(session, "/signup")
        r = await session.post(
            "/signup",
            data={
                "csrf_token": token,
                "invite": forged,
                "username": "mallory",
                "email": "mallory@example.test",
                "password": "long enough",
            },
            allow_redirects=False,
        )
        assert r.status == 400
        page = await r.text()
        assert "This invitation link is not valid." in page and 'name="invite"' not in page
        assert await node.db.run(PendingSignup.select().count) == 0
        assert await node.db.run(OutgoingMail.select().count) == 0
        # the public poster's ?quarter= names the quarter but grants nothing either
        r = await sign_up(session, "/signup?quarter=saint_servan", "mallory")
        assert r.status == 200
        r = await confirm_by_mail(client, sink, session, "mallory@example.test")
        assert r.status == 303
    assert (await resident(node, "mallory")).quarter_id is None


async def test_withdrawn_expired_and_orphaned_invitations_are_refused(mailed):
    client, sink = mailed
    node = node_of(client)
    amb = await make_resident(node, "amb", quarter="saint_servan", role="ambassador")
    old = await invite_link(client)
    # a moderator withdraws the link: the old one is refused with its reason, a new one works
    await login(client, "camille")
    r = await post_form(
        client, "/quarters/saint_servan/invite/renew", "/quarters/saint_servan/invite"
    )
    assert r.status == 303
    page = await (await client.get(r.headers["Location"])).text()
    assert "The old invitation links no longer work." in page
    client.session.cookie_jar.clear()
    new = await invite_link(client)
    assert new != old
    async with browser(client) as session:
        page = await (await session.get(old)).text()
        assert "This invitation was withdrawn." in page and 'name="invite"' not in page
        assert 'id="invite-accepted"' in await (await session.get(new)).text()
    # an expired one
    await node.db.run(
        lambda: (
            QuarterInvite.update(expires_at=utcnow() - dt.timedelta(minutes=1))
            .where(QuarterInvite.revoked_at.is_null())
            .execute()
        )
    )
    async with browser(client) as session:
        page = await (await session.get(new)).text()
        assert "This invitation has expired." in page and 'name="invite"' not in page
    # one whose maker may no longer invite (an ambassador who stepped down)
    made = await commit(node, invites.current, amb.id, "saint_servan")
    async with browser(client) as session:
        assert (
            'id="invite-accepted"'
            in await (await session.get(f"/signup?invite={made.code}")).text()
        )
    await node.db.run(
        lambda: Resident.update(role="resident").where(Resident.id == amb.id).execute()
    )
    async with browser(client) as session:
        page = await (await session.get(f"/signup?invite={made.code}")).text()
        assert "This invitation was withdrawn." in page


async def test_an_invitation_withdrawn_before_the_confirmation_is_not_honoured(mailed):
    client, sink = mailed
    node = node_of(client)
    path = await invite_link(client)
    async with browser(client) as session:
        assert (await sign_up(session, path, "yann")).status == 200
        camille = await resident(node, "camille")
        await commit(node, invites.renew, camille.id, "saint_servan")
        r = await confirm_by_mail(client, sink, session, "yann@example.test")
        assert r.status == 303  # the account is made; the address will decide the quarter
        welcome = await (await session.get("/settings/address")).text()
        assert "Now tell us where you live to join your quarter." in welcome
    assert (await resident(node, "yann")).quarter_id is None


async def test_the_address_still_decides_where_an_invited_resident_lives(mailed):
    client, sink = mailed
    node = node_of(client)
    path = await invite_link(client)
    async with browser(client) as session:
        await sign_up(session, path, "ines")
        await confirm_by_mail(client, sink, session, "ines@example.test")
        # an address that no quarter of this node covers: she stays where she was invited
        token = await token_from(session, "/settings/address")
        form = {"csrf_token": token, "postcode": "99999", "address": "1 rue Longue"}
        await session.post("/settings/address", data=form)
        assert await quarter_slug(node, await resident(node, "ines")) == "saint_servan"
        # an address in another quarter: she lives there (its moderators check her proof)
        form["postcode"] = "35000"
        await session.post("/settings/address", data=form)
    ines = await resident(node, "ines")
    assert await quarter_slug(node, ines) == "north" and ines.verified_at is None


HOSTILE = [
    "",
    "x",
    "A" * 65,
    "A" * 5000,
    "abc\x00defghijklmnopqrstuvwxyz",
    "%00",
    "' OR 1=1 --aaaaaaaaaaaaaaaaaaa",
    "ünïcödé-ünïcödé-ünïcödé",
    "../../etc/passwd",
    "valid_looking_code_but_unknown_1234",
]


async def test_hostile_invitation_input_never_gets_a_5xx(mailed):
    client, sink = mailed
    node = node_of(client)
    for n, value in enumerate(HOSTILE):
        # one address each: sign-ups are limited per address and hour
        async with browser(client, f"127.0.1.{n + 1}") as session:
            r = await session.get("/signup", params={"invite": value, "quarter": value})
            assert r.status in (200, 400), (value, r.status)  # 400: a request line too long
            if r.status == 200:
                assert 'name="invite"' not in await r.text()  # nothing here is an invitation
            token = await token_from(session, "/signup")
            data = {
                "csrf_token": token,
                "invite": value,
                "username": "someone",
                "email": "someone@example.test",
                "password": "long enough",
            }
            r = await session.post("/signup", data=data, allow_redirects=False)
            assert r.status in (200, 400), (value, r.status)
    async with browser(client) as session:
        # bytes that are no UTF-8 (a lone surrogate, 0xFF) and a NUL, as they come on the wire
        for raw in ("invite=%ED%A0%80", "invite=%FF%FE", "invite=%00&quarter=%00%FF"):
            r = await session.get(URL(f"/signup?{raw}", encoded=True))
            assert r.status in (200, 400), (raw, r.status)
        # a repeated field
        token = await token_from(session, "/signup")
        r = await session.post(
            "/signup",
            data=[("csrf_token", token), ("invite", "a"), ("invite", "b"), ("username", "x")],
            allow_redirects=False,
        )
        assert r.status == 400
    await login(client, "camille")
    for slug in ("nowhere", "%00", "a" * 300, "saint_servan%2F..", "ünï"):
        r = await client.get(f"/quarters/{slug}/invite", allow_redirects=False)
        assert r.status in (403, 404), (slug, r.status)
    r = await client.post("/quarters/saint_servan/invite/renew", allow_redirects=False)
    assert r.status == 403  # no CSRF token
    assert await node.db.run(Resident.select().where(Resident.username == "someone").count) == 0
