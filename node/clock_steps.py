"""Glue: background steps of listings and loans (expiry, loan reminders).

The clock is `node.clock` when set (a callable returning naive UTC), so tests move time
by handing the node a clock instead of patching the standard library."""

from __future__ import annotations

import datetime as dt

from node.commit import commit
from node.local.listings import write as listings
from node.local.loans.reminders import remind_due
from node.local.models import utcnow
from node.runtime import Node


def now(node: Node) -> dt.datetime:
    clock = node.clock or utcnow
    return clock()


async def listing_expiry(node: Node) -> int:
    """Mark listings past their date as expired (a batch at a time)."""
    # no kick: a step that did work returns > 0 and the worker loop runs again at once
    return await commit(node, listings.expire_due, now(node), kick=False)


async def loan_reminders(node: Node) -> int:
    """Remind lender and borrower the day before the return date, and once when overdue."""
    return await commit(node, remind_due, now(node).date(), kick=False)


def register(node: Node) -> None:
    node.steps["listing_expiry"] = listing_expiry
    node.steps["loan_reminders"] = loan_reminders
