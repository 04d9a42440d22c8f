"""Glue for actions that first reach another server, then commit: follows and twinning requests.

Like commit.py this module imports downwards and nothing below imports it (no cycle between the
protocol layer and commit()).
"""

from __future__ import annotations

from node.activitypub import actors, as_activities, outbox, twinning
from node.activitypub.models import Following
from node.commit import commit
from node.i18n import _
from node.local import twins
from node.local.errors import Invalid
from node.local.tx import Tx
from node.runtime import Node


async def follow(node: Node, handle: str, target: str) -> Following:
    """Our actor `handle` follows a remote actor (URI or handle); Accept arrives in the inbox."""
    uri = await outbox.resolve(node, target)
    remote = await actors.fetch_actor(node, uri)

    def work(tx: Tx) -> Following:
        existing = Following.get_or_none(
            (Following.handle == handle) & (Following.actor_uri == remote.uri)
        )
        if existing is not None:
            return existing
        activity = as_activities.follow(
            node.urls, actors.actor_uri(node, handle), remote.uri, tx.now
        )
        row = Following.create(handle=handle, actor_uri=remote.uri, activity_id=activity["id"])
        outbox.enqueue(node, handle, activity, [remote.inbox])
        return row

    return await commit(node, work)


async def unfollow(node: Node, handle: str, uri: str) -> None:
    """Undo our Follow of a remote actor."""
    remote = await actors.fetch_actor(node, uri)

    def work(tx: Tx) -> None:
        row = Following.get_or_none((Following.handle == handle) & (Following.actor_uri == uri))
        if row is None:
            return
        me = actors.actor_uri(node, handle)
        inner = {"id": row.activity_id, "type": "Follow", "actor": me, "object": uri}
        outbox.enqueue(
            node, handle, as_activities.undo(node.urls, me, inner, tx.now), [remote.inbox]
        )
        row.delete_instance()

    await commit(node, work)


async def request_twin(node: Node, resident_id: int, quarter_slug: str, handle: str) -> twins.Twin:
    """Resolve `@slug@host`, check it is a Group, then record the request (Follow in the outbox)."""
    try:
        uri = await outbox.resolve(node, handle)
        doc = await actors.fetch_document(node, uri)
    except Exception as exc:  # noqa: BLE001 - WebFinger, fetch, allow-list: all "cannot find it"
        raise Invalid(
            _("This quarter could not be found: %(reason)s", reason=str(exc)[:200]),
            {"handle": "unknown"},
        ) from None
    if doc.get("type") != "Group" or not isinstance(doc.get("inbox"), str):
        raise Invalid(_("This handle is not a quarter."), {"handle": "not_a_quarter"})
    await node.db.atomic(actors.store_actor, doc)
    quarter = twinning.remote_quarter(doc)
    return await commit(node, twins.request, resident_id, quarter_slug, quarter)
