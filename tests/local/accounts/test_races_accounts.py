"""Accounts at the same moment (#13.2, #13.6): concurrent requests over real loopback connections,
each from its own browser (connection pool, cookies, CSRF token), gathered at once."""

import asyncio
import re

from account_support import browser, link_path, mails_to, token_from, try_login
from helpers import make_quarter, make_resident, node_of

from node.local.accounts.password_reset import PasswordReset
from node.local.models import Resident

N = 10


def form_error(page: str) -> str:
    match = re.search(r'<p class="error form-error" role="alert">([^<]*)</p>', page)
    return match.group(1) if match else ""


async def reset_link(client) -> str:
    async with browser(client) as b:
        token = await token_from(b, "/password/forgot")
        r = await b.post(
            "/password/forgot", data={"csrf_token": token, "email": "alice@example.test"}
        )
        assert r.status == 200
    return link_path((await mails_to(client, "alice@example.test"))[-1].text, "/password/reset/")


async def test_a_reset_link_works_exactly_once_under_concurrency(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice")
    path = await reset_link(client)
    browsers = [browser(client) for _ in range(N)]
    try:
        tokens = [await token_from(b, path) for b in browsers]
        answers = await asyncio.gather(
            *(
                b.post(
                    path,
                    data={"csrf_token": t, "password": f"secret-{i}!", "password2": f"secret-{i}!"},
                    allow_redirects=False,
                )
                for i, (b, t) in enumerate(zip(browsers, tokens, strict=True))
            )
        )
        statuses = [a.status for a in answers]
    finally:
        for b in browsers:
            await b.close()
    assert all(s < 500 for s in statuses), statuses
    winners = [i for i, s in enumerate(statuses) if s == 303]
    assert len(winners) == 1, statuses
    assert statuses.count(404) == N - 1, statuses
    # the winner's password is the one that works; the link is spent
    async with browser(client, "127.0.0.2") as b:
        assert (await try_login(b, "alice", f"secret-{winners[0]}!")).status == 303
        assert (await b.get(path)).status == 404
    loser = (winners[0] + 1) % N
    async with browser(client, "127.0.0.3") as b:
        assert (await try_login(b, "alice", f"secret-{loser}!")).status == 400
    used = await node.db.run(lambda: [r.used_at is not None for r in PasswordReset.select()])
    assert used == [True]


async def test_concurrent_identical_sign_ups_give_one_account_and_clear_answers(client):
    node = node_of(client)
    await make_quarter(node)
    form = {"username": "zoe", "email": "zoe@example.test", "password": "long enough"}
    browsers = [browser(client) for _ in range(N)]
    try:
        tokens = [await token_from(b, "/signup") for b in browsers]
        answers = await asyncio.gather(
            *(
                b.post("/signup", data=form | {"csrf_token": t}, allow_redirects=False)
                for b, t in zip(browsers, tokens, strict=True)
            )
        )
        assert [a.status for a in answers] == [200] * N
        # each sign-up mailed its own link; all ten are confirmed at once
        paths = [
            link_path(m.text, "/signup/confirm/") for m in await mails_to(client, form["email"])
        ]
        assert len(set(paths)) == N
        tokens = [await token_from(b, p) for b, p in zip(browsers, paths, strict=True)]
        answers = await asyncio.gather(
            *(
                b.post(p, data={"csrf_token": t}, allow_redirects=False)
                for b, p, t in zip(browsers, paths, tokens, strict=True)
            )
        )
        statuses = [a.status for a in answers]
        texts = [await a.text() for a in answers]
    finally:
        for b in browsers:
            await b.close()
    assert all(s < 500 for s in statuses), statuses
    assert statuses.count(303) == 1, statuses
    assert statuses.count(400) == N - 1, statuses
    assert (
        await node.db.run(lambda: Resident.select().where(Resident.email == form["email"]).count())
        == 1
    )
    # the same answer as a sequential duplicate: a link confirmed after the account exists
    async with browser(client) as b:
        loser = paths[statuses.index(400)]
        token = await token_from(b, loser)
        r = await b.post(loser, data={"csrf_token": token}, allow_redirects=False)
        assert r.status == 400
        sequential = form_error(await r.text())
    assert sequential == "This name is already taken."
    assert [form_error(t) for t, s in zip(texts, statuses, strict=True) if s == 400] == [
        sequential
    ] * (N - 1)


async def test_concurrent_sign_ups_racing_for_one_user_name(client):
    """Different e-mails, one user name: the unique index decides; the others hear it is taken."""
    node = node_of(client)
    await make_quarter(node)
    browsers = [browser(client) for _ in range(N)]
    try:
        for i, b in enumerate(browsers):
            token = await token_from(b, "/signup")
            form = {"username": "yann", "email": f"y{i}@example.test", "password": "long enough"}
            r = await b.post("/signup", data=form | {"csrf_token": token})
            assert r.status == 200
        paths = []
        for i in range(N):
            mail = (await mails_to(client, f"y{i}@example.test"))[0]
            paths.append(link_path(mail.text, "/signup/confirm/"))
        tokens = [await token_from(b, p) for b, p in zip(browsers, paths, strict=True)]
        answers = await asyncio.gather(
            *(
                b.post(p, data={"csrf_token": t}, allow_redirects=False)
                for b, p, t in zip(browsers, paths, tokens, strict=True)
            )
        )
        statuses = [a.status for a in answers]
        texts = [await a.text() for a in answers]
    finally:
        for b in browsers:
            await b.close()
    assert statuses.count(303) == 1, statuses
    assert statuses.count(400) == N - 1, statuses
    assert all("already taken" in t for t, s in zip(texts, statuses, strict=True) if s == 400)
    assert (
        await node.db.run(lambda: Resident.select().where(Resident.username == "yann").count()) == 1
    )
