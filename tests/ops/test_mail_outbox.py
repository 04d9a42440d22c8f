"""E-mail leaves through a real SMTP server on loopback, and survives an outage."""

import datetime as dt

import pytest
from aiosmtpd.controller import Controller
from helpers import free_port

from node.app import create_app
from node.commit import commit
from node.local import outgoing_mail
from node.local.models import OutgoingMail, utcnow
from node.mail_sender import MAX_DELAY, backoff


class Sink:
    """An SMTP handler that keeps what it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def sink_server(smtp_port):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    yield sink, controller
    if getattr(controller, "_thread", None) is not None:
        controller.stop()


async def mail_node(aiohttp_client, make_settings, port, **overrides):
    settings = make_settings("mail", smtp_host="127.0.0.1", smtp_port=port, **overrides)
    client = await aiohttp_client(create_app(settings))
    from helpers import node_of

    return node_of(client)


async def queue_one(node, to="alice@example.test"):
    return await commit(node, lambda tx: outgoing_mail.queue(to, "Hello", "Bonjour le quartier").id)


async def row(node, mail_id):
    return await node.db.run(lambda: OutgoingMail.get_by_id(mail_id))


async def test_mail_reaches_a_real_smtp_server(
    aiohttp_client, make_settings, smtp_port, sink_server
):
    sink, controller = sink_server
    controller.start()
    node = await mail_node(aiohttp_client, make_settings, smtp_port, mail_from="q@quartier.test")
    mail_id = await queue_one(node)
    assert await node.drain() >= 1
    assert len(sink.envelopes) == 1
    envelope = sink.envelopes[0]
    assert envelope.mail_from == "q@quartier.test"
    assert envelope.rcpt_tos == ["alice@example.test"]
    assert b"Bonjour le quartier" in envelope.content
    sent = await row(node, mail_id)
    assert sent.state == "sent" and sent.sent_at is not None


async def test_outage_keeps_mail_pending_then_delivers_exactly_once(
    aiohttp_client, make_settings, smtp_port, sink_server
):
    sink, controller = sink_server
    node = await mail_node(aiohttp_client, make_settings, smtp_port)
    mail_id = await queue_one(node)
    # Given the SMTP server is down
    await node.drain()
    pending = await row(node, mail_id)
    assert pending.state == "pending" and pending.attempts == 1
    assert pending.next_attempt_at > utcnow()
    assert "refused" in pending.last_error.lower() or "connect" in pending.last_error.lower()
    assert await node.drain() == 0  # not due again yet
    # When it comes back and the retry time has come
    controller.start()
    await node.db.run(
        lambda: (
            OutgoingMail.update(next_attempt_at=utcnow())
            .where(OutgoingMail.id == mail_id)
            .execute()
        )
    )
    await node.drain()
    # Then the mail is delivered, once
    assert len(sink.envelopes) == 1
    assert (await row(node, mail_id)).state == "sent"
    await node.drain()
    assert len(sink.envelopes) == 1


async def test_without_smtp_host_mail_stays_pending(client):
    from helpers import node_of

    node = node_of(client)
    mail_id = await queue_one(node)
    assert await node.drain() == 0
    assert (await row(node, mail_id)).state == "pending"


async def test_mail_older_than_three_days_is_given_up(aiohttp_client, make_settings, smtp_port):
    node = await mail_node(aiohttp_client, make_settings, smtp_port)
    mail_id = await queue_one(node)
    old = utcnow() - dt.timedelta(days=4)
    await node.db.run(
        lambda: OutgoingMail.update(created_at=old).where(OutgoingMail.id == mail_id).execute()
    )
    await node.drain()
    assert (await row(node, mail_id)).state == "failed"


def test_backoff_doubles_and_is_capped():
    assert backoff(1) == dt.timedelta(minutes=1)
    assert backoff(2) == dt.timedelta(minutes=2)
    assert backoff(5) == dt.timedelta(minutes=16)
    assert backoff(30) == MAX_DELAY == dt.timedelta(hours=6)
