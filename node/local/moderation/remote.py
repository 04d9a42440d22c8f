"""Moderation news from other nodes: reports (Flag) about what we host, blocks by their people."""

from __future__ import annotations

from node.local.models import Resident
from node.local.moderation.models import Block, Report


def receive_report(
    quarter_id: int | None, target_type: str, target_id: int, reason: str, ref: str, origin: str
) -> None:
    """A Flag from another node about something we host; a second copy of it is ignored."""
    Report.insert(
        quarter=quarter_id,
        target_type=target_type,
        target_id=target_id,
        reason=reason[:5000] or "(no reason given)",
        external_ref=ref[:500],
        origin=origin,
    ).on_conflict_ignore().execute()


def receive_block(blocker_id: int, blocked_id: int) -> None:
    """A person of another node (their stub `blocker_id`) blocks one of our residents."""
    Block.insert(blocker=blocker_id, blocked=blocked_id).on_conflict_ignore().execute()


def receive_unblock(blocker_ref: str) -> None:
    """A person of another node undid their blocks (Undo Block)."""
    stub = Resident.get_or_none(Resident.external_ref == blocker_ref)
    if stub is not None:
        Block.delete().where(Block.blocker == stub.id).execute()
