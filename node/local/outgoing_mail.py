"""Queueing e-mail in the durable outbox (sending is the mailer worker's job)."""

from __future__ import annotations

from node.local.models import OutgoingMail, utcnow


def queue(to: str, subject: str, text: str, html: str = "") -> OutgoingMail:
    """Queue one message inside the caller's transaction; it goes out once that commits."""
    return OutgoingMail.create(
        to=to, subject=subject[:300], text=text, html=html, next_attempt_at=utcnow()
    )
