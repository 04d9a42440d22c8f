"""Sign-up confirmed by e-mail: the answer to a sign-up never tells whether an address has an account.

A sign-up stores a pending request and mails a confirmation link to the address. If an account
already uses the address, its owner is mailed instead ("someone tried to sign up with your
address"). Either way the person who signed up sees the same page; the account is created when
the link is confirmed (once: the request is spent with a conditional update).

A sign-up through a quarter's invitation keeps the invitation on its pending row: the account
starts in that quarter if the invitation still holds when the e-mail is confirmed
(node/local/invites.py); nothing the browser sends after the sign-up can change it."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import peewee as pw

from node.db import BaseModel
from node.i18n import _, using
from node.local import invites, outgoing_mail
from node.local.errors import Invalid, NotFound
from node.local.models import Resident, utcnow
from node.local.quarters import check_handle
from node.local.residents import SignupDraft, hash_password, sign_up
from node.local.tx import Tx

LIFETIME = dt.timedelta(hours=24)


class PendingSignup(BaseModel):
    """A sign-up waiting for its e-mail to be confirmed; only the link token's SHA-256 is kept."""

    token_hash = pw.CharField(max_length=64, unique=True)
    username = pw.CharField(max_length=64)
    display_name = pw.CharField(max_length=120, default="")
    email = pw.CharField(max_length=254, index=True)
    password_hash = pw.CharField(max_length=255)
    language = pw.CharField(max_length=8, default="")
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField(index=True)
    used_at = pw.DateTimeField(null=True)
    invite = pw.ForeignKeyField(
        invites.QuarterInvite, null=True, on_delete="SET NULL", lazy_load=False, backref="+"
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def request_signup(
    tx: Tx, draft: SignupDraft, confirm_url: str, login_url: str, invite_code: str = ""
) -> None:
    """Mail a confirmation link, or tell the owner of the address; the caller answers the same.

    An invitation code that does not hold is refused with its reason (it says nothing about
    the address), so the person may sign up again without it."""
    try:
        check_handle(draft.username)  # user names are public (profile pages): this may be said
    except Invalid as exc:
        raise Invalid(exc.message, {"username": exc.message}) from None
    invite = invites.usable(invite_code, tx.now) if invite_code else None
    email = draft.email.strip().lower()
    password_hash = hash_password(draft.password)  # spent either way: no timing difference
    owner = Resident.get_or_none(Resident.email == email)
    language = draft.language or (tx.settings.default_language if tx.settings else "en")
    PendingSignup.delete().where(PendingSignup.expires_at < tx.now).execute()
    if owner is not None:
        with using(owner.language or language):
            subject = _("Someone tried to sign up with your e-mail address")
            text = _(
                "Someone (perhaps you) tried to create an account with this e-mail address, "
                "which already belongs to the account %(username)s.\n\n"
                "If it was you, log in here (or ask for a new password there):\n%(link)s\n\n"
                "If it was not you, you need not do anything: nothing was changed.",
                username=owner.username,
                link=login_url,
            )
        outgoing_mail.queue(owner.email, subject, text)
        return
    token = secrets.token_urlsafe(32)
    PendingSignup.create(
        token_hash=_hash(token),
        username=draft.username,
        display_name=draft.display_name,
        email=email,
        password_hash=password_hash,
        language=draft.language,
        created_at=tx.now,
        expires_at=tx.now + LIFETIME,
        invite=invite.id if invite else None,
    )
    link = f"{confirm_url.rstrip('/')}/{token}"
    with using(language):
        subject = _("Confirm your account")
        text = _(
            "Welcome! To create the account %(username)s, open this link within 24 hours:\n"
            "%(link)s\n\nIf you did not sign up, ignore this message.",
            username=draft.username,
            link=link,
        )
    outgoing_mail.queue(email, subject, text)


def pending(token: str) -> PendingSignup | None:
    return PendingSignup.get_or_none(
        (PendingSignup.token_hash == _hash(token))
        & PendingSignup.used_at.is_null()
        & (PendingSignup.expires_at > utcnow())
    )


def confirm(tx: Tx, token: str) -> Resident:
    """Spend the link (exactly one concurrent confirmation wins) and create the account."""
    spent = (
        PendingSignup.update(used_at=tx.now)
        .where(
            (PendingSignup.token_hash == _hash(token))
            & PendingSignup.used_at.is_null()
            & (PendingSignup.expires_at > tx.now)
        )
        .execute()
    )
    if spent != 1:
        raise NotFound(_("This link has expired or was already used. Sign up again."))
    row = PendingSignup.get(PendingSignup.token_hash == _hash(token))
    draft = SignupDraft(row.username, row.display_name, row.email, "", row.language)
    # withdrawn or expired meanwhile: no quarter yet, the address will decide
    quarter_slug = invites.honour(row.invite_id, tx.now) if row.invite_id else None
    return sign_up(tx, draft, password_hash=row.password_hash, quarter_slug=quarter_slug)
