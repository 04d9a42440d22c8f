"""Password reset by e-mail link: token stored hashed, valid one hour, single use."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import peewee as pw

from node.db import BaseModel
from node.i18n import _, using
from node.local import outgoing_mail
from node.local.accounts import sessions as login_sessions
from node.local.errors import Invalid, NotFound
from node.local.models import Resident, utcnow
from node.local.residents import MIN_PASSWORD, hash_password, password_matches
from node.local.tx import Tx

LIFETIME = dt.timedelta(hours=1)


class PasswordReset(BaseModel):
    """An outstanding reset link; only the token's SHA-256 is stored."""

    resident = pw.ForeignKeyField(
        Resident, backref="password_resets", lazy_load=False, on_delete="CASCADE"
    )
    token_hash = pw.CharField(max_length=64, unique=True)
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(tx: Tx, email: str, reset_url: str) -> None:
    """Mail a reset link to the account with this e-mail, if any (the caller answers the same)."""
    resident = Resident.get_or_none(
        (Resident.email == email.strip().lower())
        & (Resident.host == "")
        & Resident.deleted_at.is_null()
    )
    if resident is None:
        return
    token = secrets.token_urlsafe(32)
    PasswordReset.create(
        resident=resident.id,
        token_hash=_hash(token),
        created_at=tx.now,
        expires_at=tx.now + LIFETIME,
    )
    link = f"{reset_url.rstrip('/')}/{token}"
    with using(resident.language or tx.settings.default_language):
        subject = _("Reset your password")
        text = _(
            "Someone (probably you) asked to reset the password of %(username)s.\n\n"
            "Open this link within one hour to choose a new password:\n%(link)s\n\n"
            "If it was not you, ignore this message: your password stays the same.",
            username=resident.username,
            link=link,
        )
    outgoing_mail.queue(resident.email, subject, text)


def _valid(token: str, now: dt.datetime) -> PasswordReset | None:
    return PasswordReset.get_or_none(
        (PasswordReset.token_hash == _hash(token))
        & PasswordReset.used_at.is_null()
        & (PasswordReset.expires_at > now)
    )


def check_token(token: str) -> bool:
    return _valid(token, utcnow()) is not None


def reset_password(tx: Tx, token: str, password: str) -> Resident:
    """Set the new password, spend the token and end every session of the resident.

    The token is spent with a conditional UPDATE (used_at IS NULL): of concurrent resets with
    the same link, exactly one changes the password; the others find it used."""
    reset = _valid(token, tx.now)
    if reset is None:
        raise NotFound(_("This link has expired or was already used. Ask for a new one."))
    if len(password) < MIN_PASSWORD:
        message = _("Use at least %(n)d characters.", n=MIN_PASSWORD)
        raise Invalid(message, {"password": message})
    spent = (
        PasswordReset.update(used_at=tx.now)
        .where(
            (PasswordReset.id == reset.id)
            & PasswordReset.used_at.is_null()
            & (PasswordReset.expires_at > tx.now)
        )
        .execute()
    )
    if spent != 1:
        raise NotFound(_("This link has expired or was already used. Ask for a new one."))
    resident = Resident.get_by_id(reset.resident_id)
    resident.password_hash = hash_password(password)
    resident.session_version += 1
    resident.save()
    # the other links of the resident are spent too, and every session ends
    PasswordReset.update(used_at=tx.now).where(
        (PasswordReset.resident == resident.id) & PasswordReset.used_at.is_null()
    ).execute()
    login_sessions.end_all(resident.id, tx.now)
    return resident


def change_password(tx: Tx, resident_id: int, current: str, new: str, repeat: str) -> Resident:
    """A logged-in resident changes their password; every session ends (the caller starts anew)."""
    resident = Resident.get_by_id(resident_id)
    if not password_matches(resident.password_hash, current):
        message = _("The password is not correct.")
        raise Invalid(message, {"current_password": message})
    if len(new) < MIN_PASSWORD:
        message = _("Use at least %(n)d characters.", n=MIN_PASSWORD)
        raise Invalid(message, {"new_password": message})
    if new != repeat:
        message = _("The two passwords differ.")
        raise Invalid(message, {"new_password2": message})
    resident.password_hash = hash_password(new)
    resident.session_version += 1
    resident.save()
    login_sessions.end_all(resident.id, tx.now)
    return resident
