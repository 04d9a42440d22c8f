"""Invitations to a quarter: a link (and its QR code) that its moderators and ambassadors share.

An invitation is a row with a random code. Whoever signs up through its link starts in its
quarter once their e-mail is confirmed: the code is checked at sign-up and kept on the pending
sign-up (node/local/accounts/signups.py), then checked again at confirmation. It is refused when
unknown, expired, withdrawn, or when the person who made it may no longer invite to that quarter.

It gives a starting quarter, never verified status: that still takes a moderator's check of a
proof of address, and an address that lies in another quarter of this node moves the resident
there (residents.place), where that quarter's moderators check it."""

from __future__ import annotations

import datetime as dt
import re
import secrets

import peewee as pw

from node.db import BaseModel
from node.i18n import _
from node.local.errors import Invalid, NotAllowed
from node.local.models import Quarter, Resident, fk, utcnow
from node.local.quarters import get_quarter
from node.local.tx import Tx

LIFETIME = dt.timedelta(days=90)
# an invitation with less left than this is not handed out again: a poster lasts a while
FRESH_FOR = dt.timedelta(days=30)
CODE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class QuarterInvite(BaseModel):
    """An invitation link to a quarter; the code is printed on paper, so it is kept as it is."""

    code = pw.CharField(max_length=64, unique=True)
    quarter = fk(Quarter, "invites")
    made_by = fk(Resident, "+", null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField()
    revoked_at = pw.DateTimeField(null=True)
    uses = pw.IntegerField(default=0)


def may_invite(viewer: Resident | None, quarter_id: int | None) -> bool:
    """The quarter's moderators and ambassadors, and the node's admins."""
    if viewer is None or quarter_id is None or not viewer.is_local:
        return False
    if viewer.role == "admin":
        return True
    return viewer.role in ("moderator", "ambassador") and viewer.quarter_id == quarter_id


def _inviter(inviter_id: int, quarter: Quarter) -> Resident:
    inviter = Resident.get_by_id(inviter_id)
    if not may_invite(inviter, quarter.id):
        raise NotAllowed(_("Only the moderators and ambassadors of this quarter can invite."))
    return inviter


def _in_force(quarter_id: int, now: dt.datetime) -> list[QuarterInvite]:
    return list(
        QuarterInvite.select()
        .where(
            (QuarterInvite.quarter == quarter_id)
            & QuarterInvite.revoked_at.is_null()
            & (QuarterInvite.expires_at > now)
        )
        .order_by(QuarterInvite.created_at.desc(), QuarterInvite.id.desc())
    )


def _make(tx: Tx, quarter: Quarter, inviter: Resident) -> QuarterInvite:
    return QuarterInvite.create(
        code=secrets.token_urlsafe(18),
        quarter=quarter.id,
        made_by=inviter.id,
        created_at=tx.now,
        expires_at=tx.now + LIFETIME,
    )


def current(tx: Tx, inviter_id: int, slug: str) -> QuarterInvite:
    """The quarter's invitation in force (made now if none is fresh enough), for someone who may invite."""
    quarter = get_quarter(slug)
    inviter = _inviter(inviter_id, quarter)
    for row in _in_force(quarter.id, tx.now):
        if row.expires_at - tx.now >= FRESH_FOR and _maker_may_invite(row):
            return row
    return _make(tx, quarter, inviter)


def renew(tx: Tx, inviter_id: int, slug: str) -> QuarterInvite:
    """Withdraw every invitation of the quarter (a link went where it should not) and make a new one."""
    quarter = get_quarter(slug)
    inviter = _inviter(inviter_id, quarter)
    QuarterInvite.update(revoked_at=tx.now).where(
        (QuarterInvite.quarter == quarter.id) & QuarterInvite.revoked_at.is_null()
    ).execute()
    return _make(tx, quarter, inviter)


def _maker_may_invite(row: QuarterInvite) -> bool:
    maker = Resident.get_or_none(Resident.id == row.made_by_id) if row.made_by_id else None
    return maker is not None and maker.deleted_at is None and may_invite(maker, row.quarter_id)


def usable(code: str, now: dt.datetime) -> QuarterInvite:
    """The invitation behind a code, if it may still bring someone into its quarter."""
    later = _("You can still sign up: your address will decide your quarter.")
    row = (
        QuarterInvite.get_or_none(QuarterInvite.code == code)
        if CODE.fullmatch(code or "")
        else None
    )
    if row is None:
        message = _("This invitation link is not valid.") + " " + later
    elif row.revoked_at is not None or not _maker_may_invite(row):
        message = _("This invitation was withdrawn.") + " " + later
    elif row.expires_at <= now:
        message = _("This invitation has expired.") + " " + later
    else:
        return row
    raise Invalid(message, {"invite": message})


def quarter_of(code: str) -> tuple[Quarter | None, str]:
    """For the sign-up page: the invitation's quarter, or why it is refused (never both)."""
    try:
        row = usable(code, utcnow())
    except Invalid as exc:
        return None, exc.message
    return Quarter.get_by_id(row.quarter_id), ""


def honour(invite_id: int, now: dt.datetime) -> str | None:
    """At the e-mail's confirmation: the slug of the invitation's quarter if it still holds
    (one more person joined through it, as the invite page shows), else None."""
    row = QuarterInvite.get_or_none(QuarterInvite.id == invite_id)
    try:
        usable(row.code if row else "", now)
    except Invalid:
        return None
    QuarterInvite.update(uses=QuarterInvite.uses + 1).where(QuarterInvite.id == row.id).execute()
    return Quarter.get_by_id(row.quarter_id).slug
