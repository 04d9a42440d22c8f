"""Residence attestations: the resident's standing, the Groups' Ed25519 keys, what other nodes'
actors carry, and the nodes whose verifications admins trust (frozen copies)."""

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


class ResidenceAttestation(_M):
    resident = pw.ForeignKeyField(Resident, unique=True, on_delete="CASCADE")
    quarter = pw.ForeignKeyField(Quarter, null=True, on_delete="SET NULL")
    since = pw.DateTimeField()
    issued_at = pw.DateTimeField(default=_now)
    withdrawn_at = pw.DateTimeField(null=True)
    withdrawn_why = pw.CharField(max_length=16, default="")


class AssertionKey(_M):
    handle = pw.CharField(max_length=80, unique=True)
    private_pem = pw.TextField()
    public_multibase = pw.CharField(max_length=100)
    created_at = pw.DateTimeField(default=_now)


class RemoteAssertionKey(_M):
    key_id = pw.CharField(max_length=500, unique=True)
    controller = pw.CharField(max_length=500, index=True)
    public_multibase = pw.CharField(max_length=100)
    fetched_at = pw.DateTimeField(default=_now)


class RemoteAttestation(_M):
    actor_uri = pw.CharField(max_length=500, unique=True)
    body = pw.TextField()
    received_at = pw.DateTimeField(default=_now)


class TrustedVerifier(_M):
    host = pw.CharField(max_length=255, unique=True)
    note = pw.TextField(default="")
    created_at = pw.DateTimeField(default=_now)


def up(db: pw.Database) -> None:
    create(
        db,
        [
            ResidenceAttestation,
            AssertionKey,
            RemoteAssertionKey,
            RemoteAttestation,
            TrustedVerifier,
        ],
    )
    # Residents verified before this migration hold an attestation of their current (local)
    # quarter, dated from their verification; issued now.
    p = db.param
    db.execute_sql(
        "INSERT INTO residence_attestation (resident_id, quarter_id, since, issued_at, "
        f"withdrawn_why) SELECT r.id, r.quarter_id, r.verified_at, {p}, '' FROM resident r "
        "JOIN quarter q ON q.id = r.quarter_id WHERE r.verified_at IS NOT NULL "
        "AND r.host = '' AND r.deleted_at IS NULL AND q.external_ref IS NULL",
        (_now(),),
    )
