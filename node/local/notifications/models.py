"""Tables of notifications and of each resident's choice of how each kind arrives."""

from __future__ import annotations

import peewee as pw

from node.db import BaseModel
from node.local import notice_text
from node.local.models import Resident, fk, utcnow


class Notification(BaseModel):
    resident = fk(Resident, "notifications")
    kind = pw.CharField(max_length=32)
    text = pw.TextField()  # as first told (e-mail); pages render `message` + `params` when read
    url = pw.CharField(max_length=500, default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)
    read_at = pw.DateTimeField(null=True)
    mailed = pw.BooleanField(default=False)  # sent immediately or in a digest
    # the English message and its variables (JSON, node/local/notice_text.py), to show it in the
    # reader's current language; "" for rows whose message is unknown (`text` is shown as written)
    message = pw.TextField(default="")
    params = pw.TextField(default="")

    @property
    def shown(self) -> str:
        """The text in the reader's current language."""
        return notice_text.render(self.message, self.params, self.text)


class NotificationPreference(BaseModel):
    resident = fk(Resident, "notification_preferences")
    kind = pw.CharField(max_length=32)
    mode = pw.CharField(max_length=10, default="immediate")  # immediate | digest | none

    class Meta:
        indexes = ((("resident", "kind"), True),)


NOTIFICATION_MODELS = [Notification, NotificationPreference]
