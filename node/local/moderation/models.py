"""Tables of moderation: reports, blocks between residents, and the log of moderators' actions."""

from __future__ import annotations

import peewee as pw

from node.db import BaseModel
from node.local.models import Quarter, Resident, fk, utcnow


class Report(BaseModel):
    reporter = fk(Resident, "reports_made", null=True, on_delete="SET NULL")
    quarter = fk(Quarter, "reports", null=True, on_delete="SET NULL")
    target_type = pw.CharField(max_length=12)  # listing | event | message | resident | comment
    target_id = pw.IntegerField()
    reason = pw.TextField()
    state = pw.CharField(max_length=10, default="open", index=True)  # open | resolved | dismissed
    created_at = pw.DateTimeField(default=utcnow)
    decided_by = fk(Resident, "reports_decided", null=True, on_delete="SET NULL")
    decided_at = pw.DateTimeField(null=True)
    outcome = pw.TextField(default="")
    external_ref = pw.CharField(max_length=500, null=True, unique=True)  # a Flag's id
    origin = pw.CharField(max_length=255, default="")


class Block(BaseModel):
    blocker = fk(Resident, "blocks_made")
    blocked = fk(Resident, "blocks_received")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("blocker", "blocked"), True),)


class ModerationAction(BaseModel):
    """The moderation log, visible to the quarter's residents."""

    quarter = fk(Quarter, "moderation_actions", null=True, on_delete="SET NULL")
    moderator = fk(Resident, "moderation_actions", null=True, on_delete="SET NULL")
    action = pw.CharField(max_length=20)  # hide | remove | warn | suspend | unsuspend | dismiss
    target_type = pw.CharField(max_length=12)
    target_id = pw.IntegerField()
    reason = pw.TextField(default="")
    # the public log shows this, never the reason's text (node/local/moderation_log.py)
    category = pw.CharField(max_length=20, default="other")
    created_at = pw.DateTimeField(default=utcnow, index=True)


MODERATION_MODELS = [Report, Block, ModerationAction]
