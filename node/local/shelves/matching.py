"""Shelves that answer requests: index shelf items, match each request, tell the owners.

A request (local, or a remote one that arrived from a twin) is matched against the shelf items of
the residents who may read it: its own quarter, the quarters next to it (reach nearby, twins,
public) and, for a remote request, the local quarters twinned with its origin. The owner of a
matching item gets a `shelf_match` notification; the requester learns who has one only when the
owner answers ("I have one" sends them a message).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import peewee as pw

from node.i18n import _, using
from node.local import adjacency, reach, twins
from node.local.errors import InvalidTransition, NotFound
from node.local.listings.models import Listing
from node.local.models import Quarter, Resident
from node.local.moderation.models import Block
from node.local.notifications.models import Notification
from node.local.notifications.send import N_, notify
from node.local.shelves.models import LearnedWord, ShelfMatch, ShelfTerm
from node.local.text import html_to_text
from node.local.tx import Tx

if TYPE_CHECKING:
    from node.local.shelves import words

KIND = "shelf_match"
MAX_OWNERS = 30  # owners told about one request (the best matches first)
MAX_CANDIDATES = 2000  # index rows read for one request
LEARN_MIN_USES = 2  # a resident's word names a concept once two shelf items used it so
GENERIC = "other"
FRESH = dt.timedelta(days=30)  # an older request from a twin (its past, sent on twinning) is not
# worth a notification: the owners would be told about requests long answered


# ---------------------------------------------------------------- the shelf index


def _description(listing: Listing) -> str:
    return listing.description or html_to_text(listing.description_html or "")


def index_item(listing: Listing) -> int:
    """(Re)write the index terms of a local shelf item; returns how many. Words of its title that
    name no concept become residents' own words for the title's single concept."""
    ShelfTerm.delete().where(ShelfTerm.listing == listing.id).execute()
    if (
        not listing.shelf
        or listing.external_ref is not None
        or listing.kind != "offer"
        or listing.state == "withdrawn"  # gone for good: its terms would only crowd the index
    ):
        return 0
    from node.local.shelves import words  # and its vocabulary: with the first text analysed

    found = words.analyse(listing.title, _description(listing), listing.language)
    terms = found.terms() | {INDEXED}
    taught: set[tuple[str, str]] = set()
    if len(found.title_concepts) == 1:
        (concept,) = found.title_concepts
        taught = {(w, concept) for pair in found.spare for w in pair if len(w) >= 4}
    terms |= {_learned_term(w, c) for w, c in taught}
    rows = [{"listing": listing.id, "quarter": listing.quarter_id, "term": t[:100]} for t in terms]
    if rows:
        ShelfTerm.insert_many(rows).on_conflict_ignore().execute()
    for word, concept in taught:
        _count_learned(word, concept)
    return len(rows)


def _learned_term(word: str, concept: str) -> str:
    return f"l:{concept}:{word}"


def _count_learned(word: str, concept: str) -> None:
    uses = (
        ShelfTerm.select(pw.fn.COUNT(ShelfTerm.listing.distinct()))
        .where(ShelfTerm.term == _learned_term(word, concept)[:100])
        .scalar()
    ) or 0
    row = LearnedWord.get_or_none((LearnedWord.word == word) & (LearnedWord.concept == concept))
    if row is None:
        LearnedWord.create(word=word, concept=concept, uses=uses)
    elif row.uses != uses:
        LearnedWord.update(uses=uses).where(LearnedWord.id == row.id).execute()


def learned_concepts(spare: list[tuple[str, str]]) -> set[str]:
    """Concepts that residents' own words name (taught by at least LEARN_MIN_USES shelf items)."""
    candidates = sorted({w for pair in spare for w in pair})
    if not candidates:
        return set()
    rows = LearnedWord.select(LearnedWord.concept).where(
        LearnedWord.word.in_(candidates) & (LearnedWord.uses >= LEARN_MIN_USES)
    )
    return {r.concept for r in rows}


def request_terms(listing: Listing) -> tuple[set[str], words.Analysis]:
    from node.local.shelves import words

    found = words.analyse(listing.title, _description(listing), listing.language)
    found.concepts |= learned_concepts(found.spare)
    return found.terms(), found


# ---------------------------------------------------------------- matching a request


def owner_quarters(request: Listing) -> list[int]:
    """Local quarters whose residents may have what this request asks for (and may read it)."""
    if request.quarter_id is None:
        return []
    if request.external_ref is None:
        quarters = [request.quarter_id]
        if request.reach in ("nearby", "twins", "public"):
            quarters += adjacency.adjacent_ids(request.quarter_id)
        return quarters
    # from another node: the local quarters twinned with its origin quarter
    if request.reach not in ("twins", "public"):
        return []
    origin = Quarter.get_or_none(Quarter.id == request.quarter_id)
    if origin is None or origin.external_ref is None:
        return []
    return twins.local_twins_of(origin.external_ref)


@dataclass
class Candidate:
    item: Listing
    score: int


def _compatible(a: str, b: str) -> bool:
    return a == b or GENERIC in (a, b) or not a or not b


def candidates(request: Listing, terms: set[str], quarters: list[int]) -> list[Candidate]:
    """Shelf items sharing a concept, or a title word within a compatible category, best first."""
    if not terms or not quarters:
        return []
    # two indexed lookups, the index first: (term, quarter) → items, then those items' rows
    # (a join lets a planner without statistics walk every open listing instead)
    hits = list(
        ShelfTerm.select(ShelfTerm.listing, ShelfTerm.term)
        .where(ShelfTerm.term.in_(sorted(terms)) & ShelfTerm.quarter.in_(quarters))
        .limit(MAX_CANDIDATES)
    )
    by_item: dict[int, list[str]] = {}
    for hit in hits:
        by_item.setdefault(hit.listing_id, []).append(hit.term)
    if not by_item:
        return []
    items = {
        row.id: row
        for row in Listing.select(
            Listing.id, Listing.author, Listing.title, Listing.category, Listing.quarter
        ).where(
            Listing.id.in_(list(by_item))
            & (Listing.state == "open")
            & (Listing.hidden == False)  # noqa: E712 - peewee expression
            & (Listing.shelf == True)  # noqa: E712
            & (Listing.author != request.author_id)
        )
    }
    found = []
    for item_id, matched in by_item.items():
        item = items.get(item_id)
        if item is None:  # withdrawn, hidden, lent for good, or the requester's own
            continue
        concepts = sum(1 for t in matched if t.startswith("c:"))
        plain = sum(1 for t in matched if t.startswith("w:"))
        if not concepts and not _compatible(request.category, item.category):
            continue  # a shared word alone, in unrelated categories
        score = 10 * concepts + plain + (1 if request.category == item.category else 0)
        found.append(Candidate(item, score))
    found.sort(key=lambda c: (-c.score, c.item.id))
    return found


def match_request(tx: Tx, request_id: int) -> list[ShelfMatch]:
    """Tell the owners of matching shelf items about this request (each owner once per request)."""
    request = Listing.get_or_none(Listing.id == request_id)
    if (
        request is None
        or request.kind != "request"
        or request.hidden
        or request.state != "open"
        or request.shelf
    ):
        return []
    if request.external_ref is not None and _stale(request.remote_updated, tx.now):
        return []
    quarters = owner_quarters(request)
    terms, _found = request_terms(request)
    told = {
        r.owner_id
        for r in ShelfMatch.select(ShelfMatch.owner).where(ShelfMatch.request == request.id)
    }
    best: dict[int, Listing] = {}  # owner → their best matching item, best owners first
    for candidate in candidates(request, terms, quarters):
        owner_id = candidate.item.author_id
        if owner_id not in told and owner_id not in best:
            best[owner_id] = candidate.item
    if not best:
        return []
    owners = {
        r.id: r
        for r in Resident.select().where(
            Resident.id.in_(list(best))
            & Resident.external_ref.is_null()
            & Resident.deleted_at.is_null()
        )
    }
    blocked = _blocked_with(request.author_id)
    made: list[ShelfMatch] = []
    for owner_id, item in best.items():
        if len(told) >= MAX_OWNERS:
            break
        owner = owners.get(owner_id)
        if owner is None or owner_id in blocked or not reach.may_see(request, owner):
            continue
        match = _tell(tx, request, item, owner)
        if match is not None:
            told.add(owner_id)
            made.append(match)
    return made


def _blocked_with(resident_id: int) -> set[int]:
    """Everyone who blocked this resident or whom they blocked (one query for all owners)."""
    rows = Block.select(Block.blocker, Block.blocked).where(
        (Block.blocker == resident_id) | (Block.blocked == resident_id)
    )
    return {r.blocked_id if r.blocker_id == resident_id else r.blocker_id for r in rows}


def _stale(stamp: str, now: dt.datetime) -> bool:
    """Whether a remote request's origin stamp (arrivals.updated_of) is older than FRESH."""
    try:
        moment = dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    except (TypeError, ValueError):
        return False  # no stamp: judged by its arrival, which is now
    return moment < now - FRESH


def _tell(tx: Tx, request: Listing, item: Listing, owner: Resident) -> ShelfMatch | None:
    """Record the match and notify its owner; None when another writer recorded it meanwhile."""
    try:
        with ShelfMatch._meta.database.atomic():  # a savepoint: a lost race is no failure
            match = ShelfMatch.create(
                request=request.id, item=item.id, owner=owner.id, created_at=tx.now
            )
    except pw.IntegrityError:
        return None
    base = tx.settings.public_url.rstrip("/") if tx.settings is not None else ""
    note = notify(
        owner,
        KIND,
        N_("A neighbour is looking for “%(title)s”: you have “%(item)s” on your shelf."),
        f"{base}/listings/{request.id}",
        title=request.title[:120],
        item=item.title[:120],
    )
    if note is not None:
        ShelfMatch.update(notification=note.id).where(ShelfMatch.id == match.id).execute()
        match.notification = note.id
    return match


# ---------------------------------------------------------------- "I have one"


def match_of(owner_id: int, match_id: int) -> ShelfMatch:
    match = ShelfMatch.get_or_none((ShelfMatch.id == match_id) & (ShelfMatch.owner == owner_id))
    if match is None:
        raise NotFound(_("No such match."))
    return match


def answer(tx: Tx, owner_id: int, match_id: int, text: str = "") -> int:
    """The owner says "I have one": a message to the requester (who learns only now who has one).
    Returns the conversation id; a second tap sends nothing more."""
    from node.local.messages import conversations as messages

    match = match_of(owner_id, match_id)
    request = Listing.get_or_none(Listing.id == match.request_id)
    owner = Resident.get_by_id(owner_id)
    if request is None or not reach.may_see(request, owner):
        raise NotFound(_("No such match."))
    if match.answered_at is not None:
        conversation = messages.conversation_between(owner_id, request.author_id)
        if conversation is not None:
            return conversation.id
    if request.state != "open" or request.hidden:
        raise InvalidTransition(_("This request is no longer open."))
    item = Listing.get_or_none(Listing.id == match.item_id)
    requester = Resident.get_by_id(request.author_id)
    body = (text or "").strip()
    if not body:
        with using(requester.language or request.language or owner.language or "en"):
            body = _(
                "I have one: “%(item)s”, on my shelf. Write to me to arrange it.",
                item=item.title if item is not None else request.title,
            )
    message = messages.send(tx, owner_id, requester.id, body, listing_id=request.id)
    ShelfMatch.update(answered_at=tx.now).where(ShelfMatch.id == match.id).execute()
    if match.notification_id is not None:
        Notification.update(read_at=tx.now).where(
            (Notification.id == match.notification_id) & Notification.read_at.is_null()
        ).execute()
    return message.conversation_id


def pending_for(viewer: Resident | None, request: Listing) -> dict:
    """For the request's page: the viewer's match with it ({} when none), and the item's title."""
    if viewer is None or request.kind != "request":
        return {}
    match = ShelfMatch.get_or_none(
        (ShelfMatch.request == request.id) & (ShelfMatch.owner == viewer.id)
    )
    if match is None:
        return {}
    item = Listing.get_or_none(Listing.id == match.item_id)
    return {"shelf_match": match, "shelf_match_item": item.title if item is not None else ""}


@dataclass
class Asked:
    match_id: int
    request_id: int
    request_title: str
    item_title: str


def asked_of(owner_id: int, limit: int = 20) -> list[Asked]:
    """Open requests that the owner's shelf may answer and that they have not answered yet."""
    item = Listing.alias()
    rows = (
        ShelfMatch.select(ShelfMatch.id, Listing.id, Listing.title, item.title)
        .join(Listing, on=(ShelfMatch.request == Listing.id))
        .switch(ShelfMatch)
        .join(item, on=(ShelfMatch.item == item.id))
        .where(
            (ShelfMatch.owner == owner_id)
            & ShelfMatch.answered_at.is_null()
            & (Listing.state == "open")
            & (Listing.hidden == False)  # noqa: E712
        )
        .order_by(ShelfMatch.id.desc())
        .limit(limit)
        .tuples()
    )
    return [Asked(*row) for row in rows]


def matches_for_notifications(owner_id: int, notification_ids: list[int]) -> dict[int, ShelfMatch]:
    """{notification id: its match} for the owner's shelf_match notifications (actions)."""
    if not notification_ids:
        return {}
    rows = ShelfMatch.select().where(
        (ShelfMatch.owner == owner_id) & ShelfMatch.notification.in_(notification_ids)
    )
    return {row.notification_id: row for row in rows}


def after_write(tx: Tx, listing: Listing) -> None:
    """Keep a shelf item's index up to date; match a request that is (again) open."""
    if listing.shelf or ShelfTerm.select().where(ShelfTerm.listing == listing.id).exists():
        index_item(listing)
    if listing.kind == "request" and listing.state == "open":
        match_request(tx, listing.id)


INDEXED = "x:indexed"  # every indexed shelf item carries it (the backfill step looks for none)


def index_missing(batch: int = 200) -> int:
    """Index local open shelf items that have no terms yet (items of an older node)."""
    has_terms = ShelfTerm.select(ShelfTerm.id).where(ShelfTerm.listing == Listing.id)
    rows = list(
        Listing.select()
        .where(
            (Listing.shelf == True)  # noqa: E712
            & Listing.external_ref.is_null()
            & (Listing.state == "open")
            & ~pw.fn.EXISTS(has_terms)
        )
        .limit(batch)
    )
    for row in rows:
        index_item(row)
    return len(rows)


async def index_step(node) -> int:
    """Background step (node/background.py): index the shelf items that are not indexed yet."""
    return await node.db.atomic(index_missing)
