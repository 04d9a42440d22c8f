"""Tables of what neighbours share: listings, loans, events, messages, notifications, moderation.

Rows that came from another node carry `external_ref` (their ActivityPub id) and `origin` (the
node's host); local rows have external_ref NULL and origin ""."""

from __future__ import annotations

import peewee as pw

from node.db import BaseModel
from node.local import notice_text
from node.local.models import Organisation, Quarter, Resident, utcnow

LISTING_KINDS = ("offer", "request")
LISTING_TYPES = ("service", "gift", "loan", "paid")
LISTING_STATES = ("open", "reserved", "done", "withdrawn")
LOAN_STATES = ("requested", "accepted", "declined", "handed_over", "returned", "cancelled")
RSVP_STATES = ("going", "waiting", "pending", "not_going")


def _fk(model, backref, null=False, on_delete="CASCADE"):
    return pw.ForeignKeyField(
        model, backref=backref, null=null, lazy_load=False, on_delete=on_delete
    )


class Category(BaseModel):
    """A rubrique of the node's taxonomy; built-in ones have translated labels in code."""

    slug = pw.CharField(max_length=40, unique=True)
    label = pw.CharField(max_length=80, default="")  # custom label (built-ins are translated)
    position = pw.IntegerField(default=0)
    builtin = pw.BooleanField(default=False)
    hidden = pw.BooleanField(default=False)  # no longer offered for new listings


class Listing(BaseModel):
    author = _fk(Resident, "listings")
    quarter = _fk(Quarter, "listings", null=True, on_delete="SET NULL")
    organisation = _fk(Organisation, "listings", null=True, on_delete="SET NULL")
    kind = pw.CharField(max_length=8)  # offer | request
    type = pw.CharField(max_length=8)  # service | gift | loan | paid
    title = pw.CharField(max_length=200)
    description = pw.TextField(default="")  # Markdown source
    description_html = pw.TextField(default="")  # sanitised HTML
    category = pw.CharField(max_length=40, default="other")
    price = pw.DecimalField(max_digits=10, decimal_places=2, null=True)
    currency = pw.CharField(max_length=3, default="EUR")
    price_unit = pw.CharField(max_length=8, default="")  # hour | day | once
    availability = pw.CharField(max_length=300, default="")
    language = pw.CharField(max_length=8, default="")
    reach = pw.CharField(max_length=8, default="quarter")
    state = pw.CharField(max_length=10, default="open", index=True)
    shelf = pw.BooleanField(default=False)  # always willing to lend: stays open
    hidden = pw.BooleanField(default=False)  # hidden by a moderator
    lat = pw.FloatField(null=True)  # coarse position only
    lon = pw.FloatField(null=True)
    expires_at = pw.DateTimeField(null=True, index=True)
    created_at = pw.DateTimeField(default=utcnow, index=True)
    updated_at = pw.DateTimeField(default=utcnow)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)
    origin = pw.CharField(max_length=255, default="", index=True)
    url = pw.CharField(max_length=500, default="")  # remote page
    remote_updated = pw.CharField(max_length=40, default="")  # origin's `updated` (ordering)
    version = pw.IntegerField(default=1)  # +1 on every local write: ETag / If-Match, edit form


class ListingPhoto(BaseModel):
    listing = _fk(Listing, "photos")
    position = pw.IntegerField(default=0)
    name = pw.CharField(max_length=120, default="")  # stored file (media dir)
    thumb = pw.CharField(max_length=120, default="")
    mime = pw.CharField(max_length=40, default="image/jpeg")
    width = pw.IntegerField(default=0)
    height = pw.IntegerField(default=0)
    alt = pw.CharField(max_length=300, default="")
    remote_url = pw.CharField(max_length=500, default="")


class ListingRevision(BaseModel):
    """A listing as it was before an edit (kept for moderators)."""

    listing = _fk(Listing, "revisions")
    editor = _fk(Resident, "listing_edits", null=True, on_delete="SET NULL")
    title = pw.CharField(max_length=200)
    description = pw.TextField(default="")
    edited_at = pw.DateTimeField(default=utcnow)


class Loan(BaseModel):
    listing = _fk(Listing, "loans")
    lender = _fk(Resident, "loans_given")
    borrower = _fk(Resident, "loans_taken")
    start = pw.DateField()
    until = pw.DateField()
    message = pw.TextField(default="")
    state = pw.CharField(max_length=12, default="requested", index=True)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    reminded_before = pw.BooleanField(default=False)
    reminded_overdue = pw.BooleanField(default=False)
    lender_thanked = pw.BooleanField(default=False)
    borrower_thanked = pw.BooleanField(default=False)
    # the other node's loan URL: the borrower's (on the lender's node) or the lender's (agreement)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)
    origin = pw.CharField(max_length=255, default="")


class LoanStep(BaseModel):
    """The history of a loan: every transition, who made it and when."""

    loan = _fk(Loan, "steps")
    step = pw.CharField(max_length=16)  # requested, accepted, …, extension_asked, thanked
    actor = _fk(Resident, "loan_steps", null=True, on_delete="SET NULL")
    note = pw.TextField(default="")
    at = pw.DateTimeField(default=utcnow)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)  # activity id, for dedupe
    # migration 0083 adds a partial unique index: one "thanked" step per (loan, actor)


class LoanExtension(BaseModel):
    loan = _fk(Loan, "extensions")
    until = pw.DateField()
    state = pw.CharField(max_length=10, default="asked")  # asked | accepted | declined
    created_at = pw.DateTimeField(default=utcnow)


class Event(BaseModel):
    organiser = _fk(Resident, "events")
    organisation = _fk(Organisation, "events", null=True, on_delete="SET NULL")
    quarter = _fk(Quarter, "events", null=True, on_delete="SET NULL")
    title = pw.CharField(max_length=200)
    description = pw.TextField(default="")
    description_html = pw.TextField(default="")
    starts_at = pw.DateTimeField(index=True)  # naive UTC
    ends_at = pw.DateTimeField()
    timezone = pw.CharField(max_length=64, default="Europe/Paris")
    place_name = pw.CharField(max_length=200, default="")
    street = pw.CharField(max_length=200, default="")
    postcode = pw.CharField(max_length=16, default="")
    city = pw.CharField(max_length=120, default="")
    country = pw.CharField(max_length=2, default="")
    lat = pw.FloatField(null=True)  # venues are public: exact
    lon = pw.FloatField(null=True)
    capacity = pw.IntegerField(default=0)  # 0: unlimited
    join_mode = pw.CharField(max_length=10, default="free")  # free | approval
    status = pw.CharField(max_length=12, default="confirmed")  # confirmed | tentative | cancelled
    category = pw.CharField(max_length=40, default="COMMUNITY")
    language = pw.CharField(max_length=8, default="")
    reach = pw.CharField(max_length=8, default="quarter")
    hidden = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)
    origin = pw.CharField(max_length=255, default="", index=True)
    url = pw.CharField(max_length=500, default="")
    participant_count = pw.IntegerField(default=0)  # as announced by a remote organiser
    waiting_count = pw.IntegerField(default=0)  # likewise (qr:waitingCount)
    group_ref = pw.CharField(max_length=500, default="")  # a remote event's attributedTo Group
    remote_updated = pw.CharField(max_length=40, default="")  # origin's `updated` (ordering)
    version = pw.IntegerField(default=1)  # +1 on every local edit: the edit form's version


# RSVP answers that hold (or wait for) a place
ATTENDING = ("going", "waiting", "pending")


class Rsvp(BaseModel):
    event = _fk(Event, "rsvps")
    resident = _fk(Resident, "rsvps")
    status = pw.CharField(max_length=10)  # going | waiting | pending | not_going
    message = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)  # the Join's id

    class Meta:
        indexes = ((("event", "resident"), True),)


class Announcement(BaseModel):
    """News for a quarter from an organisation or a moderator."""

    author = _fk(Resident, "announcements")
    organisation = _fk(Organisation, "announcements", null=True, on_delete="SET NULL")
    quarter = _fk(Quarter, "announcements", null=True, on_delete="SET NULL")
    title = pw.CharField(max_length=200)
    body = pw.TextField(default="")
    body_html = pw.TextField(default="")
    reach = pw.CharField(max_length=8, default="quarter")
    language = pw.CharField(max_length=8, default="")
    hidden = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow, index=True)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)
    origin = pw.CharField(max_length=255, default="")


class Comment(BaseModel):
    """A reply under a listing or an event (from here or from any fediverse software)."""

    target_type = pw.CharField(max_length=10)  # listing | event
    target_id = pw.IntegerField(index=True)
    author = _fk(Resident, "comments")
    content_html = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow)
    hidden = pw.BooleanField(default=False)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)


class Conversation(BaseModel):
    """A private conversation between two residents (one row per pair)."""

    first = _fk(Resident, "conversations_a")
    second = _fk(Resident, "conversations_b")
    listing = _fk(Listing, "conversations", null=True, on_delete="SET NULL")
    loan = _fk(Loan, "conversations", null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("first", "second"), True),)


class Message(BaseModel):
    conversation = _fk(Conversation, "messages")
    sender = _fk(Resident, "messages_sent")
    text = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow, index=True)
    read_at = pw.DateTimeField(null=True)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)


class Notification(BaseModel):
    resident = _fk(Resident, "notifications")
    kind = pw.CharField(max_length=32)
    text = pw.TextField()  # as first told (e-mail); pages render `message` + `params` when read
    url = pw.CharField(max_length=500, default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)
    read_at = pw.DateTimeField(null=True)
    mailed = pw.BooleanField(default=False)  # sent immediately or in a digest
    # the English message and its variables (JSON, node/local/notice_text.py), to show it in the
    # reader's current language; "" for rows whose message is unknown (`text` is shown as written)
    message = pw.TextField(default="")
    params = pw.TextField(default="")

    @property
    def shown(self) -> str:
        """The text in the reader's current language."""
        return notice_text.render(self.message, self.params, self.text)


class NotificationPreference(BaseModel):
    resident = _fk(Resident, "notification_preferences")
    kind = pw.CharField(max_length=32)
    mode = pw.CharField(max_length=10, default="immediate")  # immediate | digest | none

    class Meta:
        indexes = ((("resident", "kind"), True),)


class Report(BaseModel):
    reporter = _fk(Resident, "reports_made", null=True, on_delete="SET NULL")
    quarter = _fk(Quarter, "reports", null=True, on_delete="SET NULL")
    target_type = pw.CharField(max_length=12)  # listing | event | message | resident | comment
    target_id = pw.IntegerField()
    reason = pw.TextField()
    state = pw.CharField(max_length=10, default="open", index=True)  # open | resolved | dismissed
    created_at = pw.DateTimeField(default=utcnow)
    decided_by = _fk(Resident, "reports_decided", null=True, on_delete="SET NULL")
    decided_at = pw.DateTimeField(null=True)
    outcome = pw.TextField(default="")
    external_ref = pw.CharField(max_length=500, null=True, unique=True)  # a Flag's id
    origin = pw.CharField(max_length=255, default="")


class Block(BaseModel):
    blocker = _fk(Resident, "blocks_made")
    blocked = _fk(Resident, "blocks_received")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("blocker", "blocked"), True),)


class ModerationAction(BaseModel):
    """The moderation log, visible to the quarter's residents."""

    quarter = _fk(Quarter, "moderation_actions", null=True, on_delete="SET NULL")
    moderator = _fk(Resident, "moderation_actions", null=True, on_delete="SET NULL")
    action = pw.CharField(max_length=20)  # hide | remove | warn | suspend | unsuspend | dismiss
    target_type = pw.CharField(max_length=12)
    target_id = pw.IntegerField()
    reason = pw.TextField(default="")
    # the public log shows this, never the reason's text (node/local/moderation_log.py)
    category = pw.CharField(max_length=20, default="other")
    created_at = pw.DateTimeField(default=utcnow, index=True)


SHARING_MODELS = [
    Category,
    Listing,
    ListingPhoto,
    ListingRevision,
    Loan,
    LoanStep,
    LoanExtension,
    Event,
    Rsvp,
    Announcement,
    Comment,
    Conversation,
    Message,
    Notification,
    NotificationPreference,
    Report,
    Block,
    ModerationAction,
]
