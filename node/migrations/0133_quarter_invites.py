"""Invitations to a quarter (node/local/invites.py), and the invitation a pending sign-up came with."""

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


class Resident(_M):
    class Meta:
        table_name = "resident"


class QuarterInvite(_M):
    code = pw.CharField(max_length=64, unique=True)
    quarter = pw.ForeignKeyField(Quarter, on_delete="CASCADE")
    made_by = pw.ForeignKeyField(Resident, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=_now)
    expires_at = pw.DateTimeField()
    revoked_at = pw.DateTimeField(null=True)
    uses = pw.IntegerField(default=0)


def up(db: pw.Database) -> None:
    create(db, [QuarterInvite])
    # A plain ADD COLUMN (NULL for the sign-ups already waiting): SQLite keeps the table as is.
    db.execute_sql(
        "ALTER TABLE pending_signup ADD COLUMN invite_id INTEGER NULL "
        "REFERENCES quarter_invite (id) ON DELETE SET NULL"
    )
