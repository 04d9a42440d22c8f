"""Outbox: turns recorded domain changes into activities and frozen Delivery rows."""

from __future__ import annotations

from typing import Any


def record(node: Any, tx: Any) -> None:
    """Turn tx.changes into deliveries inside the caller's transaction.

    The protocol layer fills this in (issue #4); until then no change federates.
    """
    return None
