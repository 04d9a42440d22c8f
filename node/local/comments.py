"""Comments under listings and events: residents' replies, shown beside replies from elsewhere."""

from __future__ import annotations

from dataclasses import dataclass

from node.i18n import _
from node.local.errors import Invalid, NotAllowed, NotFound
from node.local.events import write as events
from node.local.events.models import Event
from node.local.listings import read as listing_reads
from node.local.listings.models import Listing
from node.local.models import Comment, Resident
from node.local.moderation.actions import ensure_can_publish
from node.local.moderation.models import Block
from node.local.remote_drafts import RemoteReply
from node.local.text import markdown_to_html
from node.local.tx import Change, Tx

TARGETS = ("listing", "event")
MAX_LENGTH = 5000


@dataclass(frozen=True)
class CommentPosted(Change):
    comment_id: int


def target(target_type: str, target_id: int, viewer: Resident | None) -> Listing | Event:
    """The listing or event a comment goes under, if the viewer may see it."""
    if target_type == "listing":
        listing = Listing.get_or_none(Listing.id == target_id)
        if listing is None or not listing_reads.can_see(listing, viewer):
            raise NotFound(_("No such listing."))
        return listing
    if target_type == "event":
        return events.get_event(target_id, viewer)
    raise NotFound(_("There is nothing to comment on here."))


def _author_id(item: Listing | Event) -> int:
    return item.author_id if isinstance(item, Listing) else item.organiser_id


def post(tx: Tx, author_id: int, target_type: str, target_id: int, text: str) -> Comment:
    """A resident's comment (Markdown) under a listing or an event they can see."""
    author = Resident.get_by_id(author_id)
    if not author.is_local:
        raise NotAllowed(_("Only residents of this node comment here."))
    ensure_can_publish(tx, author)
    item = target(target_type, target_id, author)
    text = (text or "").strip()
    if not text:
        raise Invalid(_("Write something first."), {"text": _("Write something first.")})
    if len(text) > MAX_LENGTH:
        message = _("At most %(n)d characters.", n=MAX_LENGTH)
        raise Invalid(message, {"text": message})
    blocked = Block.select().where(
        (Block.blocker == _author_id(item)) & (Block.blocked == author.id)
    )
    if blocked.exists():
        raise NotAllowed(_("You cannot comment here."))
    comment = Comment.create(
        target_type=target_type,
        target_id=item.id,
        author=author.id,
        content_html=markdown_to_html(text),
        created_at=tx.now,
    )
    tx.record(CommentPosted(comment.id))
    return comment


def under(target_type: str, target_id: int, viewer: Resident | None = None) -> list[Comment]:
    """Comments under an item the viewer may read, oldest first, with their authors joined.

    A comment a moderator hid stays visible to its own author only (the page marks it), as
    hidden listings and events do: they learn why it is gone for everyone else."""
    shown = Comment.hidden == False  # noqa: E712 - peewee expression
    if viewer is not None:
        shown = shown | (Comment.author == viewer.id)
    return list(
        Comment.select(Comment, Resident)
        .join(Resident, on=(Comment.author == Resident.id))
        .where(
            (Comment.target_type == target_type)
            & (Comment.target_id == target_id)
            & shown
            & Resident.deleted_at.is_null()
        )
        .order_by(Comment.created_at, Comment.id)
    )


def receive_remote(
    tx: Tx, author_id: int, draft: RemoteReply, target_type: str, target_id: int
) -> int:
    """A reply from another node under one of the items we show; an edit changes its text."""
    existing = Comment.get_or_none(Comment.external_ref == draft.ref)
    if existing is not None:
        existing.content_html = draft.content_html
        existing.save()
        return existing.id
    row = Comment.create(
        target_type=target_type,
        target_id=target_id,
        author=author_id,
        content_html=draft.content_html,
        external_ref=draft.ref,
    )
    return row.id


def forget_remote(comment_id: int) -> None:
    """Its author deleted a reply kept from another node."""
    Comment.delete().where(Comment.id == comment_id).execute()
