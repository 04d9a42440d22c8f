"""Initial schema: quarters, residents, API tokens, rate-limit attempts (frozen copies of the models of that time)."""

import datetime as dt

import peewee as pw

from node.migrations import create


def _now():
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class _M(pw.Model):
    class Meta:
        legacy_table_names = False


class Quarter(_M):
    slug = pw.CharField(max_length=64, unique=True)
    name = pw.CharField(max_length=200)
    description = pw.TextField(default="")
    postcodes = pw.TextField(default="")
    boundary = pw.TextField(null=True)
    rural = pw.BooleanField(default=False)
    country = pw.CharField(max_length=2, default="")
    language = pw.CharField(max_length=8, default="")
    center_lat = pw.FloatField(null=True)
    center_lon = pw.FloatField(null=True)
    approve_follows = pw.BooleanField(default=False)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)
    created_at = pw.DateTimeField(default=_now)


class Resident(_M):
    username = pw.CharField(max_length=64)
    host = pw.CharField(max_length=255, default="")
    display_name = pw.CharField(max_length=120, default="")
    email = pw.CharField(max_length=254, null=True, unique=True)
    password_hash = pw.CharField(max_length=255, default="")
    language = pw.CharField(max_length=8, default="")
    role = pw.CharField(max_length=16, default="resident")
    quarter = pw.ForeignKeyField(Quarter, null=True, on_delete="SET NULL")
    address = pw.TextField(default="")
    postcode = pw.CharField(max_length=16, default="")
    city = pw.CharField(max_length=120, default="")
    lat = pw.FloatField(null=True)
    lon = pw.FloatField(null=True)
    verification = pw.CharField(max_length=16, default="none")
    verified_at = pw.DateTimeField(null=True)
    bio = pw.TextField(default="")
    skills = pw.TextField(default="")
    languages_spoken = pw.CharField(max_length=120, default="")
    avatar = pw.CharField(max_length=255, default="")
    suspended_until = pw.DateTimeField(null=True)
    session_version = pw.IntegerField(default=1)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)
    profile_url = pw.CharField(max_length=500, default="")
    created_at = pw.DateTimeField(default=_now)
    deleted_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("username", "host"), True),)


class ApiToken(_M):
    resident = pw.ForeignKeyField(Resident, on_delete="CASCADE")
    token_hash = pw.CharField(max_length=64, unique=True)
    name = pw.CharField(max_length=100, default="")
    created_at = pw.DateTimeField(default=_now)
    last_used_at = pw.DateTimeField(null=True)


class Attempt(_M):
    key = pw.CharField(max_length=300, index=True)
    at = pw.DateTimeField(default=_now, index=True)


class Organisation(_M):
    handle = pw.CharField(max_length=64, unique=True)
    name = pw.CharField(max_length=200)
    kind = pw.CharField(max_length=32, default="association")
    quarter = pw.ForeignKeyField(Quarter, null=True, on_delete="SET NULL")
    description = pw.TextField(default="")
    website = pw.CharField(max_length=500, default="")
    verified = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=_now)


class OrganisationMember(_M):
    organisation = pw.ForeignKeyField(Organisation, on_delete="CASCADE")
    resident = pw.ForeignKeyField(Resident, on_delete="CASCADE")
    role = pw.CharField(max_length=16, default="manager")
    created_at = pw.DateTimeField(default=_now)

    class Meta:
        indexes = ((("organisation", "resident"), True),)


class OutgoingMail(_M):
    to = pw.CharField(max_length=254)
    subject = pw.CharField(max_length=300)
    text = pw.TextField()
    html = pw.TextField(default="")
    state = pw.CharField(max_length=12, default="pending", index=True)
    attempts = pw.IntegerField(default=0)
    next_attempt_at = pw.DateTimeField(default=_now, index=True)
    last_error = pw.TextField(default="")
    created_at = pw.DateTimeField(default=_now)
    sent_at = pw.DateTimeField(null=True)


def up(db):
    create(
        db, [Quarter, Resident, ApiToken, Attempt, Organisation, OrganisationMember, OutgoingMail]
    )
