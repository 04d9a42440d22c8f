"""Announcements: news for a quarter from its organisations and moderators."""

from __future__ import annotations

from dataclasses import dataclass

from node.i18n import _
from node.local import language_guess, text
from node.local.errors import Invalid, NotAllowed
from node.local.events.write import is_member
from node.local.models import REACHES, Announcement, Organisation, Resident
from node.local.moderation.actions import ensure_can_publish, is_moderator_of
from node.local.tx import Change, Tx


@dataclass(frozen=True)
class AnnouncementPublished(Change):
    announcement_id: int


def publish(
    tx: Tx,
    author_id: int,
    title: str,
    body: str,
    organisation_id: int | None = None,
    reach: str = "",
    language: str = "",
) -> Announcement:
    """A manager of an organisation (for its quarter) or a moderator (for theirs) publishes."""
    author = Resident.get_by_id(author_id)
    ensure_can_publish(tx, author)
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("An announcement needs a title.")
    reach = reach or (tx.settings.default_reach if tx.settings else "quarter")
    if reach not in REACHES:
        errors["reach"] = _("Choose quarter, twins or public.")
    if errors:
        raise Invalid(_("Please correct the marked fields."), errors)
    if organisation_id is not None:
        organisation = Organisation.get_or_none(Organisation.id == organisation_id)
        if organisation is None or not is_member(author.id, organisation.id):
            raise NotAllowed(_("You do not manage this organisation."))
        quarter_id = organisation.quarter_id or author.quarter_id
    elif is_moderator_of(author, author.quarter_id):
        quarter_id = author.quarter_id
    else:
        raise NotAllowed(_("Only organisations and moderators publish announcements."))
    row = Announcement.create(
        author=author.id,
        organisation=organisation_id,
        quarter=quarter_id,
        title=title[:200],
        body=body,
        body_html=text.markdown_to_html(body),
        reach=reach,
        language=(language or language_guess.detect(f"{title}\n{body}"))[:8],
        created_at=tx.now,
    )
    tx.record(AnnouncementPublished(row.id))
    return row
