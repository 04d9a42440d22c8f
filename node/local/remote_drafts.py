"""Drafts of items that arrive from other nodes (built by activitypub.from_as), and where they go.

Plain values only: node/local never sees an ActivityStreams payload.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Arrival:
    """Where a remote item belongs here: reach, quarter (a stub of its Group) and its history."""

    reach: str
    quarter_id: int | None
    origin: str  # the host the item lives on
    remote_updated: str  # its origin's `updated`, normalised (arrivals.updated_of)


@dataclass(frozen=True)
class RemoteListing:
    ref: str
    url: str
    kind: str
    type: str
    title: str
    description_html: str
    category: str
    price: Decimal | None
    currency: str
    lat: float | None
    lon: float | None
    language: str
    public: bool


@dataclass(frozen=True)
class RemoteEvent:
    ref: str
    url: str
    title: str
    description_html: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    place_name: str
    street: str
    postcode: str
    city: str
    country: str
    lat: float | None
    lon: float | None
    capacity: int
    join_mode: str
    status: str
    category: str
    participant_count: int
    public: bool
    waiting_count: int = 0  # ours (qr:waitingCount): the origin's waiting list
    language: str = ""
    group_ref: str = ""  # Mobilizon: the Group that organises it (its attributedTo)


@dataclass(frozen=True)
class RemoteReply:
    ref: str
    in_reply_to: str
    content_html: str
