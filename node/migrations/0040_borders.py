"""Across borders: twinned quarters, the allow-list, hosts an actor reached, tombstones, languages."""

import datetime as dt

import peewee as pw

from node.migrations import create


def _now():
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class _M(pw.Model):
    class Meta:
        legacy_table_names = False


class Quarter(_M):
    class Meta:
        table_name = "quarter"


class Twin(_M):
    quarter = pw.ForeignKeyField(Quarter, on_delete="CASCADE")
    remote_quarter = pw.ForeignKeyField(Quarter, null=True, on_delete="SET NULL")
    actor_uri = pw.CharField(max_length=500)
    handle = pw.CharField(max_length=300, default="")
    name = pw.CharField(max_length=200, default="")
    host = pw.CharField(max_length=255, default="")
    country = pw.CharField(max_length=2, default="")
    state = pw.CharField(max_length=10, default="requested")
    direction = pw.CharField(max_length=10)
    follow_id = pw.CharField(max_length=500, default="")
    back_follow_id = pw.CharField(max_length=500, default="")
    requested_by = pw.IntegerField(null=True)
    decided_by = pw.IntegerField(null=True)
    decided_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(default=_now)

    class Meta:
        indexes = ((("quarter", "actor_uri"), True),)


class AllowedHost(_M):
    host = pw.CharField(max_length=255, unique=True)
    note = pw.TextField(default="")
    created_at = pw.DateTimeField(default=_now)


class FederationMode(_M):
    name = pw.CharField(max_length=40, unique=True)
    value = pw.CharField(max_length=200, default="")


class ActorHost(_M):
    handle = pw.CharField(max_length=80)
    host = pw.CharField(max_length=255)
    inbox = pw.CharField(max_length=500)

    class Meta:
        indexes = ((("handle", "host"), True),)


class RemoteTombstone(_M):
    ref = pw.CharField(max_length=500, unique=True)
    deleted_at = pw.DateTimeField(default=_now)


def up(db: pw.Database) -> None:
    create(db, [Twin, AllowedHost, FederationMode, ActorHost, RemoteTombstone])
    # Plain ADD COLUMN with a default: playhouse's SQLite migrator would rebuild the table, and
    # dropping `resident` cascades to every row that references it.
    for table, column in (
        ("resident", "languages_seen VARCHAR(120)"),
        ("listing", "remote_updated VARCHAR(40)"),
        ("event", "remote_updated VARCHAR(40)"),
    ):
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN {column} NOT NULL DEFAULT ''")
