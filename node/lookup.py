"""Glue: look up a listing, event, resident or quarter by URL or `@name@host`, and keep it here.

Like following.py it first reaches another server, then commits; nothing below imports it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from node.activitypub import actors, arrivals, outbox, twinning
from node.activitypub.handlers import objects
from node.activitypub.vocab import get_id, same_origin
from node.commit import commit
from node.i18n import _
from node.local import twins
from node.local.errors import DomainError, Invalid, NotFound
from node.local.events.models import Event
from node.local.listings.models import Listing
from node.runtime import Node


def _found(kind: str, row: Any, ap_id: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "type": kind,
        "origin": getattr(row, "origin", "") or urlsplit(ap_id).netloc.lower(),
        "ap_id": ap_id,
    }


def _actor_row(remote: Any) -> tuple[str, Any]:
    if remote.type == "Group":
        return "quarter", twins.quarter_stub(twinning.remote_quarter(remote))
    return "resident", actors.remote_resident(remote)


def _local(node: Node, uri: str) -> dict[str, Any] | None:
    """Our own listing, event, resident or quarter from one of our URLs."""
    for kind, model, path in (("listing", Listing, "/listings/"), ("event", Event, "/events/")):
        prefix = node.urls.base + path
        if uri.startswith(prefix) and uri[len(prefix) :].isdigit():
            row = model.get_or_none(model.id == int(uri[len(prefix) :]))
            if row is not None:
                return {"id": row.id, "type": kind, "origin": "local", "ap_id": uri}
    handle = actors.local_handle(node, uri)
    found = actors.find_local(handle) if handle else None
    if found is not None:
        kind = "resident" if found[0] == "resident" else found[0]
        return {"id": found[1].id, "type": kind, "origin": "local", "ap_id": uri}
    return None


async def resolve(node: Node, uri: str) -> dict[str, Any]:
    """The local id of what `uri` names, fetching and keeping it first when it is remote.

    Raises NotFound (nothing there, or it could not be fetched) or Invalid (refused)."""
    if node.urls.is_local(uri):
        found = await node.db.run(_local, node, uri)
        if found is None:
            raise NotFound(_("Nothing here has this address."))
        return found
    try:
        if not uri.startswith(("http://", "https://")):
            uri = await outbox.resolve(node, uri)
        doc = await actors.fetch_document(node, uri)
    except Exception as exc:  # noqa: BLE001 - WebFinger or fetch failures: "not found" for the caller
        raise NotFound(_("This could not be fetched: %(reason)s", reason=str(exc)[:200])) from None
    if doc.get("type") in actors.ACTOR_TYPES:
        remote = await actors.fetch_actor(node, doc["id"])
        kind, row = await node.db.atomic(_actor_row, remote)
        return _found(kind, row, doc["id"])
    author = get_id(doc.get("attributedTo")) or get_id(doc.get("actor")) or ""
    if not author or not same_origin(doc["id"], author):
        raise Invalid(_("This object is not on its author's server."), {"uri": "origin"})
    try:
        await actors.fetch_actor(node, author)
    except actors.FetchFailed as exc:
        raise NotFound(
            _("Its author could not be fetched: %(reason)s", reason=exc.reason)
        ) from None
    if doc.get("type") == "Event":
        kind, model = "event", Event
    elif doc.get("type") == "Note" and objects.from_as.is_listing(doc):
        kind, model = "listing", Listing
    else:
        raise Invalid(
            _("Only listings, events, residents and quarters can be resolved."), {"uri": "type"}
        )
    try:
        refused = await commit(node, objects.keep_fetched, node, author, doc)
    except (objects.Unacceptable, arrivals.Dropped, DomainError) as exc:
        raise Invalid(str(exc), {"uri": "refused"}) from None
    row = await node.db.run(model.get_or_none, model.external_ref == doc["id"])
    if row is None:
        raise Invalid(refused or _("This item cannot be kept here."), {"uri": "refused"})
    return _found(kind, row, doc["id"])
