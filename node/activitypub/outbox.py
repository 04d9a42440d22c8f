"""Outbox: turns recorded domain changes into activities and frozen Delivery rows.

Changes are dispatched by their class: every `Change` of node/local is either in BUILDERS (here,
in direct_builders or in twinning) or declared in LOCAL_ONLY with the reason it stays home;
tests/activitypub/test_outbox_dispatch.py walks every subclass so none is silently skipped.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

from node.activitypub import (
    actors,
    as_activities,
    as_objects,
    audience,
    direct_builders,
    residence_out,
    trust,
    twinning,
    vocab,
)
from node.activitypub.models import Delivery, RemoteActor
from node.activitypub.vocab import PUBLIC
from node.activitypub.webfinger import WebfingerError, resolve_handle
from node.local.announcements import AnnouncementPublished
from node.local.comments import CommentPosted
from node.local.events.models import Event, Rsvp
from node.local.events.write import EventCancelled, EventScheduled, EventUpdated
from node.local.listings.models import Listing, ListingPhoto
from node.local.listings.write import ListingPublished, ListingUpdated, ListingWithdrawn
from node.local.loans.write import (
    LoanAccepted,
    LoanCancelled,
    LoanDeclined,
    LoanExtended,
    LoanExtensionAsked,
    LoanExtensionDeclined,
    LoanHandedOver,
    LoanRequested,
    LoanReturned,
    LoanThanked,
)
from node.local.messages.conversations import MessageSent
from node.local.models import Announcement, Comment, Quarter, Resident, utcnow
from node.local.moderation.actions import (
    ContentHidden,
    ContentRemoved,
    ContentRestored,
    ReportFiled,
    ResidentBlocked,
    ResidentSuspended,
    ResidentUnblocked,
)
from node.local.thanks import Thanked
from node.local.twins import TwinAccepted, TwinEnded, TwinRefused, TwinRequested
from node.local.tx import (
    Change,
    QuarterCreated,
    QuarterUpdated,
    ResidentDeleted,
    ResidentJoined,
    ResidentUpdated,
    RsvpChanged,
    Tx,
)
from node.runtime import Node

# (signing actor handle, activity, inbox URLs)
Outgoing = tuple[str, dict[str, Any], list[str]]
Builder = Callable[[Node, Any, Any], Iterator[Outgoing]]


WRAPPED = ("Create", "Update", "Delete")


def subject(activity: dict[str, Any]) -> tuple[str, str]:
    """(verb, object id) an activity is about; an Announce of an activity (FEP-1b12): the inner."""
    verb, obj = activity.get("type"), activity.get("object")
    if verb == "Announce" and isinstance(obj, dict) and obj.get("type") in WRAPPED:
        verb, obj = obj.get("type"), obj.get("object")
    ref = obj.get("id") if isinstance(obj, dict) else obj
    return (verb if isinstance(verb, str) else "")[:20], (ref if isinstance(ref, str) else "")[:500]


def _after_delete(verb: str, ref: str) -> bool:
    """Never an Update after a Delete of the same object: an Update recorded once the Delete is
    queued (or sent) is not written; a Delete drops the Updates still waiting in the queue."""
    if not ref:
        return False
    if verb == "Update":
        # the last word so far: a Delete, unless a moderator restored the item since (Create)
        last = (
            Delivery.select(Delivery.verb)
            .where((Delivery.object_ref == ref) & Delivery.verb.in_(("Create", "Delete")))
            .order_by(Delivery.id.desc())
            .first()
        )
        return last is not None and last.verb == "Delete"
    if verb == "Delete":
        Delivery.update(state="dropped", last_error="superseded by a Delete").where(
            (Delivery.object_ref == ref)
            & (Delivery.verb == "Update")
            & (Delivery.state == "pending")
        ).execute()
    return False


def enqueue(node: Node, signer: str, activity: dict[str, Any], inboxes: list[str]) -> int:
    """Write one Delivery per inbox with the body frozen now (signed later, at send time)."""
    verb, ref = subject(activity)
    if _after_delete(verb, ref):
        return 0
    body = json.dumps(activity, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    now = Delivery.created_at.db_value(utcnow())
    inboxes = [i for i in dict.fromkeys(inboxes) if i and not node.urls.is_local(i)]
    # every column written (the defaults are peewee's, not the table's), the SQL written once
    # per chunk: peewee builds an INSERT value by value, most of an enqueue to 1,000 inboxes
    db = Delivery._meta.database
    p = db.param
    head = (
        f"INSERT INTO {Delivery._meta.table_name} (inbox, host, body, signer, next_attempt_at, "
        "created_at, verb, object_ref, attempts, state, last_error, claimed_by) "
    )
    if node.db.is_postgres:
        # The body sent once per statement, the inboxes and hosts as two arrays: psycopg2 writes
        # the parameters into the SQL text, and a body written out (hex) once per row made a
        # post to 1,000 inboxes a 4 MB statement to build, send and parse (bench/fanout.py).
        sql = (
            head + f"SELECT i, h, {p}, {p}, {p}, {p}, {p}, {p}, 0, 'pending', '', '' "
            f"FROM unnest({p}::text[], {p}::text[]) AS t (i, h)"
        )
        for start in range(0, len(inboxes), 5000):
            chunk = inboxes[start : start + 5000]
            hosts = [audience.host_of(inbox) for inbox in chunk]
            db.execute_sql(sql, (body, signer, now, now, verb, ref, chunk, hosts))
        trust.remember(signer, inboxes)
        return len(inboxes)
    head += "VALUES "
    row = f"({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, 0, 'pending', '', '')"
    for start in range(0, len(inboxes), 500):
        chunk = inboxes[start : start + 500]
        params = [
            v
            for inbox in chunk
            for v in (inbox, audience.host_of(inbox), body, signer, now, now, verb, ref)
        ]
        db.execute_sql(head + ", ".join([row] * len(chunk)), params)
    trust.remember(signer, inboxes)  # a later Delete of the actor reaches them
    return len(inboxes)


class UnroutedChange(TypeError):
    """A change neither turned into activities nor declared local-only: a programming error."""


def record(node: Node, tx: Tx) -> None:
    """Turn tx.changes into deliveries inside the caller's transaction (transactional outbox)."""
    for change in tx.changes:
        build = BUILDERS.get(type(change))
        if build is None:
            if type(change) not in LOCAL_ONLY:
                raise UnroutedChange(f"{change.kind}: add a builder or declare it LOCAL_ONLY")
            continue
        for signer, activity, inboxes in build(node, change, tx.now):
            enqueue(node, signer, activity, inboxes)


# ---------------------------------------------------------------- builders


def _spread(
    node: Node, verb: str, obj: dict, author: str, quarter: Any, reach: str, stamp: Any
) -> Iterator[Outgoing]:
    """The author's activity to its followers (and twins); the quarter's Announces to its own."""
    urls = node.urls
    addressed = audience.addressing(urls, reach, author, quarter)
    if addressed is None:
        return
    to, cc, _handles = addressed
    actor = urls.actor(author)
    if verb == "Delete":
        activity = as_activities.wrap_delete(urls, actor, obj["id"], to, cc, stamp)
    elif verb == "Update":
        activity = as_activities.wrap_update(urls, actor, obj, to, cc, stamp)
    else:
        activity = as_activities.wrap_create(urls, actor, obj, to, cc, stamp)
    inboxes = audience.follower_inboxes([author])
    if reach == "twins":
        inboxes = audience.group_inboxes(audience.twin_inboxes(quarter))
    yield author, activity, inboxes
    if reach != "public" or quarter is None:
        return
    group = urls.quarter(quarter.slug)
    group_inboxes = audience.follower_inboxes([quarter.slug])
    followers = urls.followers(quarter.slug)
    trust.remember(author, group_inboxes)  # they saw the author's item: a Delete must reach them
    # FEP-1b12 for Lemmy & co, plus a plain Announce of the object that Mastodon shows.
    yield (
        quarter.slug,
        as_activities.announce(urls, group, activity, followers, stamp),
        group_inboxes,
    )
    if verb == "Create":
        plain = as_activities.announce(urls, group, obj["id"], followers, f"{stamp}-object")
        yield quarter.slug, plain, group_inboxes


def listing_document(node: Node, listing: Listing) -> dict[str, Any]:
    """A local listing's Note with its photos as Image attachments (Mastodon shows them too)."""
    author = Resident.get_by_id(listing.author_id)
    quarter = Quarter.get_or_none(Quarter.id == listing.quarter_id)
    photos = (
        ListingPhoto.select()
        .where(ListingPhoto.listing == listing.id)
        .order_by(ListingPhoto.position, ListingPhoto.id)
    )
    return as_objects.listing_to_note(node.urls, listing, author.username, quarter, photos)


def _listing_out(node: Node, listing_id: int, verb: str, stamp: str) -> Iterator[Outgoing]:
    listing = Listing.get_or_none(Listing.id == listing_id)
    if listing is None or listing.external_ref is not None:
        return
    if verb == "Update" and listing.state == "withdrawn":
        return  # withdrawal is final: its Delete is the last word
    author = Resident.get_by_id(listing.author_id)
    quarter = Quarter.get_or_none(Quarter.id == listing.quarter_id)
    note = listing_document(node, listing)
    yield from _spread(node, verb, note, author.username, quarter, listing.reach, stamp)


def _listing(verb: str) -> Builder:
    def build(node: Node, change: Change, now: dt.datetime) -> Iterator[Outgoing]:
        yield from _listing_out(node, change.listing_id, verb, f"{change.kind}-{now.isoformat()}")

    return build


def event_document(node: Node, event: Event) -> dict[str, Any]:
    organiser = Resident.get_by_id(event.organiser_id)
    quarter = Quarter.get_or_none(Quarter.id == event.quarter_id)
    going = Rsvp.select().where((Rsvp.event == event.id) & (Rsvp.status == "going")).count()
    waiting = Rsvp.select().where((Rsvp.event == event.id) & (Rsvp.status == "waiting")).count()
    return as_objects.event_to_as(node.urls, event, organiser.username, quarter, going, waiting)


def _event_out(node: Node, event_id: int, verb: str, stamp: str) -> Iterator[Outgoing]:
    event = Event.get_or_none(Event.id == event_id)
    if event is None or event.external_ref is not None:
        return
    doc = event_document(node, event)
    organiser = Resident.get_by_id(event.organiser_id).username
    quarter = Quarter.get_or_none(Quarter.id == event.quarter_id)
    # Mobilizon cancels by Update with status CANCELLED (FEDERATION-NOTES §11 item 32).
    yield from _spread(node, verb, doc, organiser, quarter, event.reach, stamp)


def _event(verb: str) -> Builder:
    def build(node: Node, change: Change, now: dt.datetime) -> Iterator[Outgoing]:
        yield from _event_out(node, change.event_id, verb, f"{change.kind}-{now.isoformat()}")

    return build


def _announcement(node: Node, change: Change, now: dt.datetime) -> Iterator[Outgoing]:
    item = Announcement.get_or_none(Announcement.id == change.announcement_id)
    if item is None or item.external_ref is not None:
        return
    author = Resident.get_by_id(item.author_id).username
    quarter = Quarter.get_or_none(Quarter.id == item.quarter_id)
    note = as_objects.announcement_to_note(node.urls, item, author)
    stamp = f"{change.kind}-{now.isoformat()}"
    yield from _spread(node, "Create", note, author, quarter, item.reach, stamp)


def comment_note(
    node: Node, comment: Comment, moderated: bool = False
) -> tuple[dict[str, Any], list[str]] | None:
    """A local comment as a reply Note and its inboxes: the item's author; public items also
    Public + the commenter's followers. None when it must stay on this node. `moderated`: the
    audience it had before a moderator hid the item (for the Delete)."""
    urls = node.urls
    author = Resident.get_by_id(comment.author_id)
    model = Listing if comment.target_type == "listing" else Event
    parent = model.get_or_none(model.id == comment.target_id)
    if parent is None or not author.is_local or comment.external_ref is not None:
        return None
    owner = Resident.get_by_id(parent.author_id if model is Listing else parent.organiser_id)
    public = parent.reach == "public" and (moderated or not parent.hidden)
    inboxes: list[str] = []
    if owner.is_local:
        if not public:
            return None  # a quarter-only item and its comments never leave the node
        owner_uri = urls.actor(owner.username)
        parent_id = urls.listing(parent.id) if model is Listing else urls.event(parent.id)
    else:
        owner_uri, parent_id = owner.external_ref, parent.external_ref
        remote = RemoteActor.get_or_none(RemoteActor.uri == owner_uri)
        if remote is not None:
            inboxes.append(remote.delivery_inbox)
    mention = (owner_uri, f"@{owner.username}@{owner.host or urls.host}")
    to = [owner_uri] + ([PUBLIC] if public else [])
    cc = [urls.followers(author.username)] if public else []
    if public:
        inboxes += audience.follower_inboxes([author.username])
    note = as_objects.comment_to_note(urls, comment, author.username, parent_id, mention, to, cc)
    return note, audience.group_inboxes(inboxes)


def _comment(node: Node, change: Change, now: dt.datetime) -> Iterator[Outgoing]:
    comment = Comment.get_or_none(Comment.id == change.comment_id)
    built = comment_note(node, comment) if comment is not None else None
    if built is None:
        return
    note, inboxes = built
    actor = note["attributedTo"]
    activity = as_activities.wrap_create(
        node.urls, actor, note, note["to"], note["cc"], f"{change.kind}-{comment.id}"
    )
    handle = Resident.get_by_id(comment.author_id).username
    yield handle, activity, inboxes


def _actor_update(node: Node, handle: str, stamp: str) -> Iterator[Outgoing]:
    doc = actors.local_document(node, handle)
    if doc is None:
        return
    to = [PUBLIC]
    activity = as_activities.wrap_update(node.urls, doc["id"], doc, to, [doc["followers"]], stamp)
    yield handle, activity, audience.follower_inboxes([handle])


def _quarter_updated(node: Node, change: Change, now: dt.datetime) -> Iterator[Outgoing]:
    quarter = Quarter.get_or_none(Quarter.id == change.quarter_id)
    if quarter is not None and quarter.is_local:
        yield from _actor_update(node, quarter.slug, f"{change.kind}-{now.isoformat()}")


def _resident_deleted(node: Node, change: Change, now: dt.datetime) -> Iterator[Outgoing]:
    """Delete of the actor itself (object = actor id, as Mastodon sends it)."""
    handle = change.username
    if not handle:
        return
    uri = node.urls.actor(handle)
    activity = {
        "@context": vocab.AS_CONTEXT,
        "id": as_activities.activity_id(node.urls, "Delete", uri, now.isoformat()),
        "type": "Delete",
        "actor": uri,
        "to": [PUBLIC],
        "object": uri,
    }
    # every host that received the actor's items (directly, to twins, or announced by its quarter)
    known = audience.group_inboxes(trust.known_inboxes(handle))
    yield handle, activity, trust.one_per_host(audience.follower_inboxes([handle]) + known)


def _comment_deleted(node: Node, comment_id: int, now: Any) -> Iterator[Outgoing]:
    comment = Comment.get_or_none(Comment.id == comment_id)
    built = comment_note(node, comment, moderated=True) if comment is not None else None
    if built is None:
        return
    note, inboxes = built
    actor = note["attributedTo"]
    activity = as_activities.wrap_delete(node.urls, actor, note["id"], note["to"], note["cc"], now)
    yield Resident.get_by_id(comment.author_id).username, activity, inboxes


def _moderated(verb: str) -> Builder:
    """A moderator hid or removed a local item: everyone who got it gets a Delete (a remote copy
    cannot show "hidden"); unhiding sends it again as a Create."""

    def build(node: Node, change: Change, now: dt.datetime) -> Iterator[Outgoing]:
        stamp = f"{change.kind}-{change.target_type}-{now.isoformat()}"
        if change.target_type == "listing":
            yield from _listing_out(node, change.target_id, verb, stamp)
        elif change.target_type == "event":
            yield from _event_out(node, change.target_id, verb, stamp)
        elif change.target_type == "comment" and verb == "Delete":
            yield from _comment_deleted(node, change.target_id, stamp)
        # messages stay between two residents; announcements and profiles are local pages

    return build


def _rsvp_and_counts(node: Node, change: Change, now: dt.datetime) -> Iterator[Outgoing]:
    """The answer to a participant, then (our events) an Update carrying the new counts, so the
    copies on other nodes show the origin's going / waiting numbers. One id per event and
    transaction: several RSVP changes committed together send one Update."""
    yield from direct_builders.rsvp_changed(node, change, now)
    yield from _event_out(node, change.event_id, "Update", f"counts-{now.isoformat()}")


BUILDERS: dict[type[Change], Builder] = {
    ListingPublished: _listing("Create"),
    ListingUpdated: _listing("Update"),
    ListingWithdrawn: _listing("Delete"),
    EventScheduled: _event("Create"),
    EventUpdated: _event("Update"),
    EventCancelled: _event("Update"),
    AnnouncementPublished: _announcement,
    ResidentUpdated: residence_out.resident_updated,  # attestation issued / withdrawn with it
    ResidentJoined: residence_out.resident_joined,  # created verified: attested, nothing sent
    ResidentDeleted: _resident_deleted,
    QuarterUpdated: _quarter_updated,
    CommentPosted: _comment,
    ContentHidden: _moderated("Delete"),
    ContentRemoved: _moderated("Delete"),
    ContentRestored: _moderated("Create"),
    # loans, RSVPs, messages and reports: addressed to the other party only
    LoanRequested: direct_builders.loan_step,
    LoanAccepted: direct_builders.loan_step,
    LoanDeclined: direct_builders.loan_step,
    LoanHandedOver: direct_builders.loan_step,
    LoanReturned: direct_builders.loan_step,
    LoanCancelled: direct_builders.loan_step,
    LoanExtensionAsked: direct_builders.loan_step,
    LoanExtended: direct_builders.loan_step,
    LoanExtensionDeclined: direct_builders.loan_step,
    LoanThanked: direct_builders.loan_step,
    Thanked: direct_builders.thanked,  # thanks for a service, gift or event to another node
    RsvpChanged: _rsvp_and_counts,  # the answer to the other party, and counts to followers
    MessageSent: direct_builders.message_sent,
    ReportFiled: direct_builders.report_filed,
    # twinning requests, answers and endings
    TwinRequested: twinning.build_requested,
    TwinAccepted: twinning.build_decided(True),
    TwinRefused: twinning.build_decided(False),
    TwinEnded: twinning.build_ended,
}

# Changes that never leave the node, and why.
LOCAL_ONLY: frozenset[type[Change]] = frozenset(
    {
        QuarterCreated,  # likewise for the quarter's Group
        ResidentSuspended,  # a moderation decision of this node; its items are hidden here
        ResidentBlocked,  # blocks are private (Mastodon's Block would tell the blocked side)
        ResidentUnblocked,
    }
)


# ---------------------------------------------------------------- our follows


async def resolve(node: Node, target: str) -> str:
    """An actor URI from a URI or a "@user@host" handle (WebFinger; http only if allowed)."""
    if target.startswith(("https://", "http://")):
        return target
    try:
        return await resolve_handle(node.http, target, "https")
    except WebfingerError:
        if not node.settings.allow_http:
            raise
        return await resolve_handle(node.http, target, "http")
