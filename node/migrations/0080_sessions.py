"""Server-side log-in sessions, sign-ups waiting for e-mail confirmation, and the quarter a proof
of address was filed in (frozen copies)."""

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


class LoginSession(_M):
    resident = pw.ForeignKeyField(Resident, on_delete="CASCADE")
    key_hash = pw.CharField(max_length=64, unique=True)
    address = pw.CharField(max_length=64, default="", index=True)
    created_at = pw.DateTimeField(default=_now)
    last_seen_at = pw.DateTimeField(default=_now)
    expires_at = pw.DateTimeField(index=True)
    ended_at = pw.DateTimeField(null=True)


class PendingSignup(_M):
    token_hash = pw.CharField(max_length=64, unique=True)
    username = pw.CharField(max_length=64)
    display_name = pw.CharField(max_length=120, default="")
    email = pw.CharField(max_length=254, index=True)
    password_hash = pw.CharField(max_length=255)
    language = pw.CharField(max_length=8, default="")
    created_at = pw.DateTimeField(default=_now)
    expires_at = pw.DateTimeField(index=True)
    used_at = pw.DateTimeField(null=True)


def up(db: pw.Database) -> None:
    create(db, [LoginSession, PendingSignup])
    # Documents stay with the quarter the proof was filed in, even if the resident moves.
    # A plain ALTER: SQLite's migrator would rebuild the table.
    db.execute_sql("ALTER TABLE address_proof ADD COLUMN quarter_id INTEGER NULL")
    db.execute_sql(
        "UPDATE address_proof SET quarter_id = "
        "(SELECT quarter_id FROM resident WHERE resident.id = address_proof.resident_id)"
    )
