"""Proofs of address and the log of who opened them (frozen copies)."""

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


class AddressProof(_M):
    resident = pw.ForeignKeyField(Resident, on_delete="CASCADE")
    stored_name = pw.CharField(max_length=120, default="")
    mime = pw.CharField(max_length=40)
    size = pw.IntegerField()
    uploaded_at = pw.DateTimeField(default=_now)
    state = pw.CharField(max_length=12, default="pending", index=True)
    decided_by = pw.ForeignKeyField(
        Resident, null=True, on_delete="SET NULL", backref="proofs_decided"
    )
    decided_at = pw.DateTimeField(null=True)
    reason = pw.TextField(default="")


class DocumentAccess(_M):
    proof = pw.ForeignKeyField(AddressProof, on_delete="CASCADE")
    opener = pw.ForeignKeyField(Resident, null=True, on_delete="SET NULL")
    at = pw.DateTimeField(default=_now)


def up(db):
    create(db, [AddressProof, DocumentAccess])
