"""A resident's own account: profile, avatar, API tokens, data export and deletion."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import peewee as pw

from node.i18n import _, is_language
from node.local.errors import Invalid, NotFound
from node.local.models import ApiToken, OrganisationMember, Quarter, Resident
from node.local.residents import password_matches
from node.local.tx import ResidentDeleted, ResidentUpdated, Tx

AVATAR_SIDE = 256
# Columns never exported: secrets, even hashed.
SECRET_COLUMNS = {"password_hash", "token_hash", "stored_name", "key_hash"}


def media_dir(settings) -> Path:
    return Path(settings.data_dir) / "media"


def update_profile(
    tx: Tx,
    resident_id: int,
    display_name: str,
    language: str,
    languages_spoken: str,
    skills: str,
    bio: str,
) -> Resident:
    errors: dict[str, str] = {}
    if language and not is_language(language):
        errors["language"] = _("Unknown language.")
    if len(bio) > 2000:
        errors["bio"] = _("At most %(n)d characters.", n=2000)
    if len(skills) > 1000:
        errors["skills"] = _("At most %(n)d characters.", n=1000)
    if errors:
        raise Invalid(_("Please correct the marked fields."), errors)
    resident = Resident.get_by_id(resident_id)
    resident.display_name = display_name.strip()[:120] or resident.username
    resident.language = language
    resident.languages_spoken = languages_spoken.strip()[:120]
    resident.skills = skills.strip()
    resident.bio = bio.strip()
    # only the profile columns: a role, suspension or password written meanwhile stays
    resident.save(
        only=[
            Resident.display_name,
            Resident.language,
            Resident.languages_spoken,
            Resident.skills,
            Resident.bio,
        ]
    )
    tx.record(ResidentUpdated(resident.id))
    return resident


def _remove_media(settings, name: str) -> None:
    if name:
        with contextlib.suppress(FileNotFoundError):
            (media_dir(settings) / name).unlink()


def set_avatar(tx: Tx, resident_id: int, name: str) -> str:
    """Point the resident at a new avatar under media/avatars/ (already shrunk to AVATAR_SIDE,
    metadata stripped, written off the database threads); the old file's name, to remove after
    the commit."""
    resident = Resident.get_by_id(resident_id)
    old = resident.avatar
    resident.avatar = f"avatars/{name}"
    resident.save(only=[Resident.avatar])
    tx.record(ResidentUpdated(resident.id))
    return old


def tokens_of(resident_id: int) -> list[ApiToken]:
    return list(
        ApiToken.select().where(ApiToken.resident == resident_id).order_by(ApiToken.created_at)
    )


def revoke_token(tx: Tx, resident_id: int, token_id: int) -> None:
    deleted = (
        ApiToken.delete()
        .where((ApiToken.id == token_id) & (ApiToken.resident == resident_id))
        .execute()
    )
    if not deleted:
        raise NotFound(_("No such token."))


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def row_dict(row: pw.Model) -> dict[str, Any]:
    """A row's columns (foreign keys as ids), secrets left out."""
    out = {}
    for name, f in row._meta.fields.items():
        if name in SECRET_COLUMNS:
            continue
        key = f.column_name if isinstance(f, pw.ForeignKeyField) else name
        out[key] = _value(row.__data__.get(name))
    return out


def _rows(model: type[pw.Model], *conditions: Any) -> list[dict[str, Any]]:
    where = conditions[0]
    for extra in conditions[1:]:
        where = where | extra
    return [row_dict(r) for r in model.select().where(where).order_by(model.id)]


def export(resident_id: int) -> dict[str, Any]:
    """Everything the node holds about a resident, as JSON-ready data (their right of access)."""
    from node.local.accounts.password_reset import PasswordReset
    from node.local.accounts.sessions import LoginSession
    from node.local.events.models import Event, Rsvp
    from node.local.listings.models import Listing
    from node.local.loans.models import Loan
    from node.local.messages.models import Conversation, Message
    from node.local.models import Announcement, Comment
    from node.local.moderation.models import Block, Report
    from node.local.notifications.models import Notification, NotificationPreference
    from node.local.verification import AddressProof, DocumentAccess

    resident = Resident.get_or_none(Resident.id == resident_id)
    if resident is None:
        raise NotFound(_("No such resident."))
    profile = row_dict(resident)
    quarter = (
        Quarter.get_or_none(Quarter.id == resident.quarter_id) if resident.quarter_id else None
    )
    conversations = list(
        Conversation.select().where(
            (Conversation.first == resident_id) | (Conversation.second == resident_id)
        )
    )
    conversation_ids = [c.id for c in conversations]
    proofs = AddressProof.select().where(AddressProof.resident == resident_id)
    return {
        "format": "quartier-export/1",
        "profile": {
            k: profile[k] for k in profile if k not in {"address", "postcode", "city", "lat", "lon"}
        },
        "address": {k: profile[k] for k in ("address", "postcode", "city", "lat", "lon")},
        "quarter": {"slug": quarter.slug, "name": quarter.name} if quarter else None,
        "address_proofs": [row_dict(p) for p in proofs],
        "document_accesses": _rows(DocumentAccess, DocumentAccess.proof.in_([p.id for p in proofs]))
        if proofs.count()
        else [],
        "api_tokens": _rows(ApiToken, ApiToken.resident == resident_id),
        "organisations": _rows(OrganisationMember, OrganisationMember.resident == resident_id),
        "listings": _rows(Listing, Listing.author == resident_id),
        "loans": _rows(Loan, Loan.lender == resident_id, Loan.borrower == resident_id),
        "events": _rows(Event, Event.organiser == resident_id),
        "rsvps": _rows(Rsvp, Rsvp.resident == resident_id),
        "announcements": _rows(Announcement, Announcement.author == resident_id),
        "comments": _rows(Comment, Comment.author == resident_id),
        "conversations": [row_dict(c) for c in conversations],
        "messages": _rows(Message, Message.conversation.in_(conversation_ids or [0])),
        "notifications": _rows(Notification, Notification.resident == resident_id),
        "notification_preferences": _rows(
            NotificationPreference, NotificationPreference.resident == resident_id
        ),
        "reports_made": _rows(Report, Report.reporter == resident_id),
        "blocks": _rows(Block, Block.blocker == resident_id),
        "password_resets": _rows(PasswordReset, PasswordReset.resident == resident_id),
        "login_sessions": _rows(LoginSession, LoginSession.resident == resident_id),
    }


def delete_account(tx: Tx, resident_id: int, password: str) -> str:
    """Delete the resident, their private data and content (foreign keys cascade) and files."""
    from node.local.verification import AddressProof, documents_dir

    resident = Resident.get_or_none(Resident.id == resident_id)
    if resident is None:
        raise NotFound(_("No such resident."))
    if not password_matches(resident.password_hash, password):
        message = _("The password is not correct.")
        raise Invalid(message, {"password": message})
    settings = tx.settings
    for proof in AddressProof.select().where(AddressProof.resident == resident_id):
        if proof.stored_name:
            with contextlib.suppress(FileNotFoundError):
                (documents_dir(settings) / proof.stored_name).unlink()
    _remove_media(settings, resident.avatar)
    from node.local.listings.models import Listing, ListingPhoto

    photos = ListingPhoto.select().join(Listing).where(Listing.author == resident_id)
    for photo in photos:  # the rows cascade; their files do not
        _remove_media(settings, photo.name)
        _remove_media(settings, photo.thumb)
    tx.record(ResidentDeleted(resident.id, resident.username))
    Resident.delete().where(Resident.id == resident_id).execute()
    return resident.username
