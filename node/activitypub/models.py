"""Federation tables: keys, remote actors, follows, the inbox and the delivery queue."""

from __future__ import annotations

import peewee as pw

from node.db import BaseModel
from node.local.models import Resident, utcnow

INSTANCE = "~instance"  # ActorKey handle of the instance actor; "~" never occurs in a handle


class ActorKey(BaseModel):
    """The RSA-2048 key pair of one local actor, generated on first use."""

    handle = pw.CharField(max_length=80, unique=True)
    private_pem = pw.TextField()
    public_pem = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow)


class RemoteActor(BaseModel):
    """A cached actor of another server (its inboxes and public key)."""

    uri = pw.CharField(max_length=500, unique=True)
    type = pw.CharField(max_length=32, default="Person")
    preferred_username = pw.CharField(max_length=120, default="")
    name = pw.CharField(max_length=200, default="")
    host = pw.CharField(max_length=255, index=True)
    url = pw.CharField(max_length=500, default="")
    inbox = pw.CharField(max_length=500, default="")
    shared_inbox = pw.CharField(max_length=500, default="")
    followers = pw.CharField(max_length=500, default="")
    key_id = pw.CharField(max_length=500, default="", index=True)
    public_key_pem = pw.TextField(default="")
    fetched_at = pw.DateTimeField(default=utcnow)
    gone = pw.BooleanField(default=False)
    resident = pw.ForeignKeyField(Resident, null=True, lazy_load=False, on_delete="SET NULL")

    @property
    def delivery_inbox(self) -> str:
        return self.shared_inbox or self.inbox


class Follower(BaseModel):
    """A remote actor following one of our actors (resident, quarter, organisation)."""

    handle = pw.CharField(max_length=80, index=True)
    actor_uri = pw.CharField(max_length=500)
    inbox = pw.CharField(max_length=500)
    shared_inbox = pw.CharField(max_length=500, default="")
    state = pw.CharField(max_length=10, default="pending")  # pending | accepted
    follow_id = pw.CharField(max_length=500, default="")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("handle", "actor_uri"), True),)


class Following(BaseModel):
    """One of our actors following a remote actor (often another node's quarter)."""

    handle = pw.CharField(max_length=80, index=True)
    actor_uri = pw.CharField(max_length=500)
    state = pw.CharField(max_length=10, default="pending")  # pending | accepted | rejected
    activity_id = pw.CharField(max_length=500, unique=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("handle", "actor_uri"), True),)


class InboxItem(BaseModel):
    """A verified incoming activity, stored before the 202 and processed by the worker."""

    activity_id = pw.CharField(max_length=500, unique=True)
    body = pw.TextField()
    sender = pw.CharField(max_length=500)
    state = pw.CharField(max_length=10, default="received", index=True)
    attempts = pw.IntegerField(default=0)
    error = pw.TextField(default="")
    received_at = pw.DateTimeField(default=utcnow, index=True)
    processed_at = pw.DateTimeField(null=True)
    claimed_until = pw.DateTimeField(null=True)  # lease of the worker processing it (node.queue)
    claimed_by = pw.CharField(max_length=100, default="")


class Delivery(BaseModel):
    """One POST of a frozen activity body to one (shared) inbox, retried until sent or given up."""

    inbox = pw.CharField(max_length=500)
    host = pw.CharField(max_length=255, index=True)
    body = pw.BlobField()
    signer = pw.CharField(max_length=80)
    attempts = pw.IntegerField(default=0)
    next_attempt_at = pw.DateTimeField(default=utcnow, index=True)
    state = pw.CharField(max_length=10, default="pending", index=True)
    last_status = pw.IntegerField(null=True)
    last_error = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    claimed_at = pw.DateTimeField(null=True)
    claimed_until = pw.DateTimeField(null=True)  # lease of the worker sending it (node.queue)
    claimed_by = pw.CharField(max_length=100, default="")
    # what the activity does to which object (an Announce of an activity: the inner one), so an
    # Update queued before the object's Delete can be dropped (outbox.record, migration 0083)
    verb = pw.CharField(max_length=20, default="")
    object_ref = pw.CharField(max_length=500, default="", index=True)


class HostState(BaseModel):
    """What we learnt about a remote host: failing days, availability, signature scheme."""

    host = pw.CharField(max_length=255, unique=True)
    failure_days = pw.TextField(default="")  # comma-separated ISO dates
    unavailable_since = pw.DateTimeField(null=True)
    scheme = pw.CharField(max_length=10, default="cavage")  # cavage | rfc9421


class DomainBlock(BaseModel):
    """A host whose activities are accepted and dropped, and to which nothing is sent."""

    host = pw.CharField(max_length=255, unique=True)
    reason = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)


FEDERATION_MODELS = [
    ActorKey,
    RemoteActor,
    Follower,
    Following,
    InboxItem,
    Delivery,
    HostState,
    DomainBlock,
]
