"""Pages of private conversations, and blocking a neighbour."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import inputs, reach, residents
from node.local.errors import Invalid, NotFound
from node.local.listings.models import Listing
from node.local.loans.models import Loan
from node.local.messages import conversations as messages
from node.local.models import Resident
from node.local.moderation import actions as moderation
from node.web.api.messages import recipient
from node.web.guards import require_resident, require_verified
from node.web.nexturl import safe_next
from node.web.render import redirect, render


def _int(value: Any) -> int | None:
    return inputs.id_or_none(value if isinstance(value, str) else None)


def _index_data(resident_id: int) -> dict[str, Any]:
    return {
        "conversations": messages.conversations(resident_id),
        "blocked": moderation.blocked_by(resident_id),
    }


async def index(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_resident(request)
    data = await node.db.run(_index_data, me.id)
    return render(request, "messages/index.html", **data)


def _seen_listing(listing_id: int | None, viewer: Any) -> Listing | None:
    """The listing a conversation refers to, only if this viewer may read it."""
    listing = Listing.get_or_none(Listing.id == listing_id) if listing_id else None
    return listing if listing is not None and reach.may_see(listing, viewer) else None


def recipients_for(me: Any, limit: int = 300) -> list[Resident]:
    """People this resident may write to, to choose from: the people they already talk with and
    the verified neighbours of their quarter (never themselves, anyone deleted or blocked)."""
    partners = [c.other for c in messages.conversations(me.id, limit)]
    neighbours = []
    if me.quarter_id is not None:
        neighbours = list(
            Resident.select()
            .where(
                (Resident.quarter == me.quarter_id)
                & (Resident.host == "")
                & Resident.verified_at.is_null(False)
                & Resident.deleted_at.is_null()
                & (Resident.id != me.id)
            )
            .order_by(Resident.display_name, Resident.username)
            .limit(limit)
        )
    chosen = {}
    for person in [*partners, *neighbours]:
        if person.id == me.id or person.deleted_at is not None or person.id in chosen:
            continue
        if not moderation.blocked_between(me.id, person.id):  # either way: sending is refused
            chosen[person.id] = person
    return sorted(chosen.values(), key=lambda r: (r.name.lower(), r.handle))


def _new_data(
    username: str, listing_id: int | None, loan_id: int | None, me: Any
) -> dict[str, Any]:
    try:
        to = residents.known(username) if username else None
    except NotFound:
        to = None
    loan = Loan.get_or_none(Loan.id == loan_id) if loan_id else None
    if loan is not None and me.id not in (loan.lender_id, loan.borrower_id):
        loan = None  # someone else's loan
    return {
        "to": to,
        "listing": _seen_listing(listing_id, me),
        "loan": loan,
        "recipients": [] if to else recipients_for(me),
    }


async def new(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_verified(request)
    data = await node.db.run(
        _new_data,
        request.query.get("to", "").strip(),
        _int(request.query.get("listing")),
        _int(request.query.get("loan")),
        me,
    )
    return render(request, "messages/new.html", errors={}, text="", **data)


async def send(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_verified(request)
    form = await request.post()
    # a neighbour chosen from the list, or a user name / @name@host typed in
    username = str(form.get("to_other", "") or form.get("to", "")).strip()
    listing_id, loan_id = _int(form.get("listing")), _int(form.get("loan"))
    text = str(form.get("text", ""))
    try:
        to = await recipient(node, username)  # a local username or @name@host across the border
        message = await commit(
            node, messages.send, me.id, to.id, text, listing_id, loan_id, actor_id=me.id
        )
    except (Invalid, NotFound) as exc:
        data = await node.db.run(_new_data, "", listing_id, loan_id, me)
        data["to"] = None
        return render(
            request,
            "messages/new.html",
            status=400,
            errors={**exc.fields, "_": exc.message},
            text=text,
            username=username,
            **data,
        )
    raise redirect(f"/messages/{message.conversation_id}")


def _thread(tx_now, conversation_id: int, viewer_id: int) -> dict[str, Any]:
    from node.local.tx import Tx

    conversation = messages.get_conversation(conversation_id, viewer_id)
    rows = messages.read(Tx(now=tx_now), conversation_id, viewer_id)
    other = messages.other_party(conversation, viewer_id)
    return {
        "conversation": conversation,
        "messages": rows,
        "other": other,
        "blocked": moderation.blocked_between(viewer_id, other.id),
        "i_blocked": other.id in {r.id for r in moderation.blocked_by(viewer_id)},
        "listing": _seen_listing(conversation.listing_id, Resident.get_by_id(viewer_id)),
    }


async def thread(request: web.Request) -> web.Response:
    from node.local.models import utcnow

    node = request.app[node_key]
    me = require_resident(request)
    conversation_id = _int(request.match_info["id"])
    if conversation_id is None:
        raise NotFound(_("No such conversation."))
    data = await node.db.atomic(_thread, utcnow(), conversation_id, me.id)
    return render(request, "messages/thread.html", errors={}, **data)


async def reply(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_verified(request)
    conversation_id = _int(request.match_info["id"]) or 0
    form = await request.post()
    conversation = await node.db.run(messages.get_conversation, conversation_id, me.id)
    other = await node.db.run(messages.other_party, conversation, me.id)
    await commit(node, messages.send, me.id, other.id, str(form.get("text", "")), actor_id=me.id)
    raise redirect(f"/messages/{conversation_id}")


async def block(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_resident(request)
    form = await request.post()
    if str(form.get("resident", "")).isdigit():  # from a profile page: remote residents too
        resident_id = inputs.record_id(str(form["resident"]), _("No such resident."))
        other = await node.db.run(residents.get_by_id, resident_id)
        if other is None:
            raise NotFound(_("No such resident."))
    else:
        other = await node.db.run(residents.get_local, str(form.get("username", "")))
    if form.get("action") == "unblock":
        await commit(node, moderation.unblock, me.id, other.id, actor_id=me.id)
        message = _("%(name)s is no longer blocked.", name=other.name)
    else:
        await commit(node, moderation.block, me.id, other.id, actor_id=me.id)
        message = _("%(name)s is blocked: you will not hear from them.", name=other.name)
    raise redirect(safe_next(form.get("next"), "/messages"), message)


ROUTES = [
    ("GET", "/messages", index, "messages"),
    ("GET", "/messages/new", new, "message_new"),
    ("POST", "/messages", send, "message_send"),
    ("GET", r"/messages/{id:\d+}", thread, "conversation"),
    ("POST", r"/messages/{id:\d+}", reply, "conversation_reply"),
    ("POST", "/blocks", block, "block"),
]
