"""Password reset by e-mail link: same answer for unknown addresses, one hour, single use."""

import datetime as dt
import re

from helpers import login, make_quarter, make_resident, node_of, post_form

from node.local.accounts.password_reset import PasswordReset
from node.local.models import OutgoingMail, utcnow

LINK = re.compile(r"http://127\.0\.0\.1:8080(/password/reset/\S+)")


async def ask(client, email):
    response = await post_form(client, "/password/forgot", email=email)
    assert response.status == 200
    return await response.text()


async def reset_link(node):
    mail = await node.db.run(lambda: OutgoingMail.select().order_by(OutgoingMail.id.desc()).get())
    return LINK.search(mail.text).group(1)


async def test_same_answer_whether_or_not_the_address_exists(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice")
    known = await ask(client, "alice@example.test")
    unknown = await ask(client, "nobody@example.test")
    assert known == unknown.replace("nobody@example.test", "alice@example.test")
    assert "If an account uses this address" in known
    mails = await node.db.run(lambda: [m.to for m in OutgoingMail.select()])
    assert mails == ["alice@example.test"]
    stored = await node.db.run(lambda: PasswordReset.get())
    path = await reset_link(node)
    assert path.rsplit("/", 1)[1] not in stored.token_hash  # only the hash is kept


async def test_reset_changes_password_logs_out_other_sessions_and_is_single_use(
    client, aiohttp_client, app
):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice")
    await login(client, "alice")
    assert (await client.get("/settings", allow_redirects=False)).status == 200
    other = await aiohttp_client(client.server)  # a second browser
    await ask(other, "alice@example.test")
    path = await reset_link(node)
    assert (await other.get(path)).status == 200
    differ = await post_form(other, path, password="brand new pass", password2="other")
    assert differ.status == 400
    done = await post_form(other, path, password="brand new pass", password2="brand new pass")
    assert done.status == 303 and done.headers["Location"] == "/login"
    # the first browser's session is gone
    assert (await client.get("/settings", allow_redirects=False)).status == 303
    await login(other, "alice", "brand new pass")
    again = await other.get(path)
    assert again.status == 404


async def test_link_expires_after_one_hour(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice")
    await ask(client, "alice@example.test")
    path = await reset_link(node)
    created = await node.db.run(lambda: PasswordReset.get())
    assert created.expires_at - created.created_at == dt.timedelta(hours=1)
    past = utcnow() - dt.timedelta(minutes=1)
    await node.db.run(lambda: PasswordReset.update(expires_at=past).execute())
    assert (await client.get(path)).status == 404
    response = await post_form(
        client, path, page="/login", password="brand new pass", password2="brand new pass"
    )
    assert response.status == 404
