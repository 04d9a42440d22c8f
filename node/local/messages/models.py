"""Tables of private messages: conversations between two residents and their messages."""

from __future__ import annotations

import peewee as pw

from node.db import BaseModel
from node.local.listings.models import Listing
from node.local.loans.models import Loan
from node.local.models import Resident, fk, utcnow


class Conversation(BaseModel):
    """A private conversation between two residents (one row per pair)."""

    first = fk(Resident, "conversations_a")
    second = fk(Resident, "conversations_b")
    listing = fk(Listing, "conversations", null=True, on_delete="SET NULL")
    loan = fk(Loan, "conversations", null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("first", "second"), True),)


class Message(BaseModel):
    conversation = fk(Conversation, "messages")
    sender = fk(Resident, "messages_sent")
    text = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow, index=True)
    read_at = pw.DateTimeField(null=True)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)


MESSAGE_MODELS = [Conversation, Message]
