"""The public moderation log of a quarter: what was done and why, by category — never who, never
the item's text, never the moderator's own words (those stay in the residents' log)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from node.local.moderation.models import ModerationAction
from node.local.quarters import get_quarter

MAX_ROWS = 200


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    action: str  # hide | unhide | remove | warn | suspend | unsuspend | dismiss
    kind: str  # listing | event | message | comment | resident | announcement
    category: str  # moderation.REASON_CATEGORIES


def public_log(slug: str, limit: int = MAX_ROWS, before: int | None = None) -> tuple[object, list]:
    """(quarter, entries newest first) of a local quarter; NotFound for others."""
    quarter = get_quarter(slug)
    query = ModerationAction.select(
        ModerationAction.id,
        ModerationAction.created_at,
        ModerationAction.action,
        ModerationAction.target_type,
        ModerationAction.category,
    ).where(ModerationAction.quarter == quarter.id)
    if before is not None:
        query = query.where(ModerationAction.id < before)
    rows = query.order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc()).limit(
        limit
    )
    return quarter, [(r.id, Entry(r.created_at, r.action, r.target_type, r.category)) for r in rows]
