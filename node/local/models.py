"""Core neighbourhood tables: quarters, residents, their API tokens, organisations, outgoing mail.

Also the tables of the small concerns (announcements, comments); the larger ones keep theirs in
their package (node/local/listings/models.py, loans/, events/, messages/, notifications/, moderation/)."""

from __future__ import annotations

import datetime as dt

import peewee as pw

from node.db import BaseModel

ROLES = ("resident", "ambassador", "moderator", "admin")
REACHES = ("quarter", "nearby", "twins", "public")


def utcnow() -> dt.datetime:
    """Naive UTC now: every timestamp in the database is naive UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def fk(model, backref, null=False, on_delete="CASCADE"):
    """A foreign key as every domain table declares it: never lazily loaded, cascading by default."""
    return pw.ForeignKeyField(
        model, backref=backref, null=null, lazy_load=False, on_delete=on_delete
    )


class Quarter(BaseModel):
    """A neighbourhood (or a wider rural zone) hosted by this node, or known from another node."""

    slug = pw.CharField(max_length=64, unique=True)
    name = pw.CharField(max_length=200)
    description = pw.TextField(default="")
    postcodes = pw.TextField(default="")  # comma-separated list
    boundary = pw.TextField(null=True)  # GeoJSON Polygon / MultiPolygon geometry
    rural = pw.BooleanField(default=False)
    country = pw.CharField(max_length=2, default="")
    language = pw.CharField(max_length=8, default="")
    center_lat = pw.FloatField(null=True)
    center_lon = pw.FloatField(null=True)
    approve_follows = pw.BooleanField(default=False)
    # remote quarters (twins) live here too: external_ref is their ActivityPub id
    external_ref = pw.CharField(max_length=500, null=True, unique=True)
    created_at = pw.DateTimeField(default=utcnow)

    @property
    def is_local(self) -> bool:
        return self.external_ref is None

    def postcode_list(self) -> list[str]:
        return [p.strip() for p in self.postcodes.split(",") if p.strip()]


class Resident(BaseModel):
    """A person: a local resident, or a remote one known by external_ref (an ActivityPub id)."""

    username = pw.CharField(max_length=64)
    host = pw.CharField(max_length=255, default="")  # "" for local residents
    display_name = pw.CharField(max_length=120, default="")
    email = pw.CharField(max_length=254, null=True, unique=True)
    password_hash = pw.CharField(max_length=255, default="")
    language = pw.CharField(max_length=8, default="")
    role = pw.CharField(max_length=16, default="resident")
    quarter = pw.ForeignKeyField(
        Quarter, null=True, backref="residents", lazy_load=False, on_delete="SET NULL"
    )
    # private address: never shown to other residents, never federated
    address = pw.TextField(default="")
    postcode = pw.CharField(max_length=16, default="")
    city = pw.CharField(max_length=120, default="")
    lat = pw.FloatField(null=True)
    lon = pw.FloatField(null=True)
    verification = pw.CharField(max_length=16, default="none")  # none|pending|approved|rejected
    verified_at = pw.DateTimeField(null=True)
    bio = pw.TextField(default="")
    skills = pw.TextField(default="")
    languages_spoken = pw.CharField(max_length=120, default="")
    languages_seen = pw.CharField(max_length=120, default="")  # comma list; "" = every language
    avatar = pw.CharField(max_length=255, default="")
    suspended_until = pw.DateTimeField(null=True)
    session_version = pw.IntegerField(default=1)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)
    profile_url = pw.CharField(max_length=500, default="")
    created_at = pw.DateTimeField(default=utcnow)
    deleted_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("username", "host"), True),)

    @property
    def is_local(self) -> bool:
        return self.external_ref is None

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def handle(self) -> str:
        return f"@{self.username}@{self.host}" if self.host else f"@{self.username}"

    @property
    def name(self) -> str:
        return self.display_name or self.username


class ApiToken(BaseModel):
    """A personal bearer token; only its SHA-256 is stored."""

    resident = pw.ForeignKeyField(Resident, backref="tokens", lazy_load=False, on_delete="CASCADE")
    token_hash = pw.CharField(max_length=64, unique=True)
    name = pw.CharField(max_length=100, default="")
    created_at = pw.DateTimeField(default=utcnow)
    last_used_at = pw.DateTimeField(null=True)


CORE_MODELS = [Quarter, Resident, ApiToken]


class Organisation(BaseModel):
    """An association, shop, town hall, social landlord or partner service, managed by residents."""

    KINDS = ("association", "shop", "town_hall", "social_landlord", "partner")

    handle = pw.CharField(max_length=64, unique=True)
    name = pw.CharField(max_length=200)
    kind = pw.CharField(max_length=32, default="association")
    quarter = pw.ForeignKeyField(
        Quarter, null=True, backref="organisations", lazy_load=False, on_delete="SET NULL"
    )
    description = pw.TextField(default="")
    website = pw.CharField(max_length=500, default="")
    verified = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)


class OrganisationMember(BaseModel):
    """A resident who manages an organisation's account (no shared password)."""

    organisation = pw.ForeignKeyField(
        Organisation, backref="members", lazy_load=False, on_delete="CASCADE"
    )
    resident = pw.ForeignKeyField(
        Resident, backref="memberships", lazy_load=False, on_delete="CASCADE"
    )
    role = pw.CharField(max_length=16, default="manager")  # manager | owner
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("organisation", "resident"), True),)


class OutgoingMail(BaseModel):
    """A durable outbox of e-mail: a mail server that is down delays mail and loses none."""

    to = pw.CharField(max_length=254)
    subject = pw.CharField(max_length=300)
    text = pw.TextField()
    html = pw.TextField(default="")
    state = pw.CharField(max_length=12, default="pending", index=True)  # pending | sent | failed
    attempts = pw.IntegerField(default=0)
    next_attempt_at = pw.DateTimeField(default=utcnow, index=True)
    last_error = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    sent_at = pw.DateTimeField(null=True)
    claimed_until = pw.DateTimeField(null=True)  # lease of the worker sending it
    claimed_by = pw.CharField(max_length=100, default="")


CORE_MODELS += [Organisation, OrganisationMember, OutgoingMail]


class Announcement(BaseModel):
    """News for a quarter from an organisation or a moderator."""

    author = fk(Resident, "announcements")
    organisation = fk(Organisation, "announcements", null=True, on_delete="SET NULL")
    quarter = fk(Quarter, "announcements", null=True, on_delete="SET NULL")
    title = pw.CharField(max_length=200)
    body = pw.TextField(default="")
    body_html = pw.TextField(default="")
    reach = pw.CharField(max_length=8, default="quarter")
    language = pw.CharField(max_length=8, default="")
    hidden = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow, index=True)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)
    origin = pw.CharField(max_length=255, default="")


class Comment(BaseModel):
    """A reply under a listing or an event (from here or from any fediverse software)."""

    target_type = pw.CharField(max_length=10)  # listing | event
    target_id = pw.IntegerField(index=True)
    author = fk(Resident, "comments")
    content_html = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow)
    hidden = pw.BooleanField(default=False)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)


CORE_MODELS += [Announcement, Comment]
