"""Tx: the context of one domain write, and the change records domain functions append to it.

Changes tell the rest of the node what happened (the outbox turns them into activities); the domain
never calls federation itself. Call them changes, not events: an event is a street party here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from node.local.models import utcnow


@dataclass(frozen=True)
class Change:
    """Base of every change record. `kind` names it; fields carry ids, never rows."""

    @property
    def kind(self) -> str:
        return type(self).__name__


@dataclass
class Tx:
    """One domain write: its clock, the acting resident id (if any) and the changes it made."""

    now: dt.datetime = field(default_factory=utcnow)
    actor_id: int | None = None
    changes: list[Change] = field(default_factory=list)
    settings: Any = None  # node.settings.Settings, for node-set rules (read-only)

    def record(self, change: Change) -> None:
        self.changes.append(change)


# Changes of the foundation; other concerns declare theirs beside their domain module.


@dataclass(frozen=True)
class ResidentJoined(Change):
    resident_id: int


@dataclass(frozen=True)
class ResidentUpdated(Change):
    resident_id: int


@dataclass(frozen=True)
class ResidentDeleted(Change):
    resident_id: int
    username: str = ""  # kept so the Delete of the actor can be addressed after removal


@dataclass(frozen=True)
class RsvpChanged(Change):
    """A resident's answer to an event changed (here, or through their node)."""

    rsvp_id: int
    event_id: int


@dataclass(frozen=True)
class QuarterCreated(Change):
    quarter_id: int


@dataclass(frozen=True)
class QuarterUpdated(Change):
    quarter_id: int
