"""Tables of events and their RSVPs (remote ones carry external_ref and origin)."""

from __future__ import annotations

import peewee as pw

from node.db import BaseModel
from node.local.models import Organisation, Quarter, Resident, fk, utcnow

RSVP_STATES = ("going", "waiting", "pending", "not_going")


class Event(BaseModel):
    organiser = fk(Resident, "events")
    organisation = fk(Organisation, "events", null=True, on_delete="SET NULL")
    quarter = fk(Quarter, "events", null=True, on_delete="SET NULL")
    title = pw.CharField(max_length=200)
    description = pw.TextField(default="")
    description_html = pw.TextField(default="")
    starts_at = pw.DateTimeField(index=True)  # naive UTC
    ends_at = pw.DateTimeField()
    timezone = pw.CharField(max_length=64, default="Europe/Paris")
    place_name = pw.CharField(max_length=200, default="")
    street = pw.CharField(max_length=200, default="")
    postcode = pw.CharField(max_length=16, default="")
    city = pw.CharField(max_length=120, default="")
    country = pw.CharField(max_length=2, default="")
    lat = pw.FloatField(null=True)  # venues are public: exact
    lon = pw.FloatField(null=True)
    capacity = pw.IntegerField(default=0)  # 0: unlimited
    join_mode = pw.CharField(max_length=10, default="free")  # free | approval
    status = pw.CharField(max_length=12, default="confirmed")  # confirmed | tentative | cancelled
    category = pw.CharField(max_length=40, default="COMMUNITY")
    language = pw.CharField(max_length=8, default="")
    reach = pw.CharField(max_length=8, default="quarter")
    hidden = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow, index=True)  # migration 0130
    updated_at = pw.DateTimeField(default=utcnow)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)
    origin = pw.CharField(max_length=255, default="", index=True)
    url = pw.CharField(max_length=500, default="")
    participant_count = pw.IntegerField(default=0)  # as announced by a remote organiser
    waiting_count = pw.IntegerField(default=0)  # likewise (qr:waitingCount)
    group_ref = pw.CharField(max_length=500, default="")  # a remote event's attributedTo Group
    remote_updated = pw.CharField(max_length=40, default="")  # origin's `updated` (ordering)
    version = pw.IntegerField(default=1)  # +1 on every local edit: the edit form's version


# RSVP answers that hold (or wait for) a place
ATTENDING = ("going", "waiting", "pending")


class Rsvp(BaseModel):
    event = fk(Event, "rsvps")
    resident = fk(Resident, "rsvps")
    status = pw.CharField(max_length=10)  # going | waiting | pending | not_going
    message = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)  # the Join's id

    class Meta:
        indexes = ((("event", "resident"), True),)


EVENT_MODELS = [Event, Rsvp]
