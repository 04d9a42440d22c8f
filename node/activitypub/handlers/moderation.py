"""Flag (reports reach the target's quarter moderators) and Like (acknowledged, not counted)."""

from __future__ import annotations

from node.activitypub import actors
from node.activitypub.audience import host_of
from node.activitypub.resolve import local_target
from node.local.events.models import Event
from node.local.listings.models import Listing
from node.local.models import Resident
from node.local.moderation import remote as moderation_remote
from node.local.tx import Tx
from node.runtime import Node


def on_flag(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """One Report per local thing flagged (Mastodon lists the account, then the statuses)."""
    from node.activitypub.from_as import object_ids

    # Mastodon gives the reason in `content`, Lemmy in `summary`.
    reason = next(
        (activity[k] for k in ("content", "summary") if isinstance(activity.get(k), str)), ""
    )
    targets: list[tuple[str, int, int | None]] = []
    for ref in object_ids(activity):
        local = local_target(node, ref)
        if local is not None:
            model = Listing if local[0] == "listing" else Event
            row = model.get_or_none(model.id == local[1])
            if row is not None:
                targets.append((local[0], row.id, row.quarter_id))
            continue
        handle = actors.local_handle(node, ref)
        found = actors.find_local(handle) if handle else None
        if found is not None and found[0] == "resident":
            resident: Resident = found[1]
            targets.append(("resident", resident.id, resident.quarter_id))
    if not targets:
        return "flag of nothing we host"
    # Prefer the content over the account: moderators act on the listing or event.
    things = [t for t in targets if t[0] != "resident"] or targets
    for index, (kind, target_id, quarter_id) in enumerate(things):
        ref = activity["id"] if index == 0 else f"{activity['id']}#{index}"
        moderation_remote.receive_report(quarter_id, kind, target_id, reason, ref, host_of(sender))
    return None


def on_like(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """Likes are acknowledged and not counted: neighbours share, they do not score."""
    return "likes are not counted"
