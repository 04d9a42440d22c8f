"""Glue: the mail sender, a background step that empties the durable OutgoingMail outbox over SMTP.

Rows are the truth: a claimed row gets a lease renewed by its worker (node.queue) so a second worker
skips it; a failure sets an exponential backoff; after MAX_AGE the row is `failed`. Without
QUARTIER_SMTP_HOST mail stays pending (and is sent once a host is configured)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from node.local.models import OutgoingMail, utcnow
from node.queue import LostClaim, Queue, claim, release
from node.runtime import Node
from node.settings import Settings

log = logging.getLogger("quartier.mail")

BATCH = 20
FIRST_DELAY = dt.timedelta(minutes=1)
MAX_DELAY = dt.timedelta(hours=6)
MAX_AGE = dt.timedelta(days=3)
TIMEOUT = 30


@dataclass(frozen=True)
class Outgoing:
    id: int
    to: str
    subject: str
    text: str
    html: str


def backoff(attempts: int) -> dt.timedelta:
    """1 min, 2, 4, … capped at 6 h (attempts counts failures so far, from 1)."""
    return min(FIRST_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


# pending (claimed, leased) → sent | failed, or pending again after a backoff
QUEUE = Queue(OutgoingMail, waiting="pending", dead="failed", backoff=backoff)


def take(node: Node, now: dt.datetime, limit: int = BATCH) -> list[Outgoing]:
    """Take due rows under this worker's lease (SKIP LOCKED on PostgreSQL)."""
    rows = claim(QUEUE, node.claims, now, limit, node.db.is_postgres)
    return [Outgoing(r.id, r.to, r.subject, r.text, r.html) for r in rows]


def mark_sent(node: Node, mail_id: int, now: dt.datetime) -> None:
    release(QUEUE, node.claims, mail_id, state="sent", sent_at=now, last_error="")


def mark_failed(node: Node, mail_id: int, error: str, now: dt.datetime) -> str:
    """Count the failure; retry later with backoff, or give up after MAX_AGE. Returns the new state."""
    row = OutgoingMail.get_by_id(mail_id)
    values = QUEUE.retried(row.attempts + 1, now, dead=now - row.created_at >= MAX_AGE)
    release(QUEUE, node.claims, mail_id, last_error=error[:1000], **values)
    return values["state"]


def build_message(settings: Settings, mail: Outgoing) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    domain = settings.mail_from.rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(idstring=f"q{mail.id}", domain=domain)
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


def _send_batch(settings: Settings, mails: list[Outgoing]) -> dict[int, str | None]:
    """Send over one SMTP connection (in a thread); mail id -> None when sent, else the error."""
    results: dict[int, str | None] = {}
    context = ssl.create_default_context()
    try:
        if settings.smtp_tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=TIMEOUT, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT)
        with smtp:
            if settings.smtp_starttls and not settings.smtp_tls:
                smtp.starttls(context=context)
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            for mail in mails:
                try:
                    smtp.send_message(build_message(settings, mail))
                    results[mail.id] = None
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                    results[mail.id] = f"refused: {exc}"
    except (OSError, smtplib.SMTPException) as exc:
        for mail in mails:
            results.setdefault(mail.id, f"{type(exc).__name__}: {exc}")
    return results


async def send_due(node: Node) -> int:
    """Background step: send due mail; returns how many rows were handled."""
    settings = node.settings
    if not settings.smtp_host:
        if not node.mail_warned:
            node.mail_warned = True
            log.warning("QUARTIER_SMTP_HOST is empty: e-mail stays queued in the outbox")
        return 0
    mails = await node.db.atomic(take, node, utcnow())
    if not mails:
        return 0
    ids = [mail.id for mail in mails]
    node.claims.hold(QUEUE, ids)  # the heartbeat renews their lease while SMTP takes its time
    try:
        results = await asyncio.to_thread(_send_batch, settings, mails)
        for mail_id, error in results.items():
            now = utcnow()
            try:
                if error is None:
                    await node.db.atomic(mark_sent, node, mail_id, now)
                else:
                    state = await node.db.atomic(mark_failed, node, mail_id, error, now)
                    log.warning("mail %s not sent (%s): %s", mail_id, state, error)
            except LostClaim:
                log.info("mail %s was taken over by another worker", mail_id)
            node.claims.forget(QUEUE, [mail_id])
    except Exception:
        node.claims.forget(QUEUE, ids)  # their leases run out and they are retried
        raise
    node.claims.forget(QUEUE, ids)
    return len(mails)
