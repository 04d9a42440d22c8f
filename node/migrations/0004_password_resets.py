"""Password reset links, stored hashed (frozen copy)."""

import datetime as dt

import peewee as pw

from node.migrations import create


def _now():
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class _M(pw.Model):
    class Meta:
        legacy_table_names = False


class Resident(_M):
    class Meta:
        table_name = "resident"


class PasswordReset(_M):
    resident = pw.ForeignKeyField(Resident, on_delete="CASCADE")
    token_hash = pw.CharField(max_length=64, unique=True)
    created_at = pw.DateTimeField(default=_now)
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)


def up(db):
    create(db, [PasswordReset])
