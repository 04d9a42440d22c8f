"""Verification that travels: our Groups sign residence attestations; others' are checked here.

Ours: each local quarter's Group holds an Ed25519 key (beside its RSA key), published as a
FEP-521a Multikey in `assertionMethod`; a resident's actor carries `residenceAttestation`, an
object signed by that key with a FEP-8b32 `eddsa-jcs-2022` proof (integrity.py).
Theirs: the attestation on a remote actor is stored as it came (store_remote, from every actor
document we cache) and judged when read (verdict): it counts only when its proof checks out
against a key the issuing Group itself publishes, it names this very actor, and the issuer is
one of our twins (or its node is trusted by our admins).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urlsplit

import peewee as pw

from node.activitypub import integrity
from node.activitypub.as_activities import iso
from node.activitypub.contexts import ATTESTATION_CONTEXT, ATTESTED_ACTOR_CONTEXT
from node.activitypub.vocab import as_list, same_origin
from node.db import BaseModel
from node.local import attestations, twins
from node.local.models import Quarter, Resident, utcnow
from node.runtime import Node

KEY_FRAGMENT = "#ed25519-key"
MAX_ATTESTATION_BYTES = 4000


class AssertionKey(BaseModel):
    """The Ed25519 key a local Group signs attestations with (generated on first use)."""

    handle = pw.CharField(max_length=80, unique=True)
    private_pem = pw.TextField()
    public_multibase = pw.CharField(max_length=100)
    created_at = pw.DateTimeField(default=utcnow)


class RemoteAssertionKey(BaseModel):
    """A Multikey a remote actor lists in its own `assertionMethod` (replaced on each refresh)."""

    key_id = pw.CharField(max_length=500, unique=True)
    controller = pw.CharField(max_length=500, index=True)
    public_multibase = pw.CharField(max_length=100)
    fetched_at = pw.DateTimeField(default=utcnow)


class RemoteAttestation(BaseModel):
    """The `residenceAttestation` a remote actor document carried, as received (judged on read)."""

    actor_uri = pw.CharField(max_length=500, unique=True)
    body = pw.TextField()
    received_at = pw.DateTimeField(default=utcnow)


class TrustedVerifier(BaseModel):
    """A node whose quarters' attestations our admins accept without a twinning."""

    host = pw.CharField(max_length=255, unique=True)
    note = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    added_by = pw.CharField(max_length=80, default="")  # a username; empty: the command line


RESIDENCE_MODELS = [AssertionKey, RemoteAssertionKey, RemoteAttestation, TrustedVerifier]


# ---------------------------------------------------------------- our keys and documents


def ensure_key(handle: str) -> AssertionKey:
    row = AssertionKey.get_or_none(AssertionKey.handle == handle)
    if row is None:
        private = integrity.generate_key()
        AssertionKey.insert(
            handle=handle,
            private_pem=integrity.private_to_pem(private),
            public_multibase=integrity.public_multikey(private.public_key()),
        ).on_conflict_ignore().execute()
        row = AssertionKey.get(AssertionKey.handle == handle)
    return row


def rotate_key(handle: str) -> None:
    """A new Ed25519 key: attestations signed with the old one stop verifying once re-issued."""
    private = integrity.generate_key()
    values = {
        "private_pem": integrity.private_to_pem(private),
        "public_multibase": integrity.public_multikey(private.public_key()),
        "created_at": utcnow(),
    }
    if AssertionKey.update(**values).where(AssertionKey.handle == handle).execute() == 0:
        AssertionKey.create(handle=handle, **values)


def assertion_method(group_uri: str, key: AssertionKey) -> list[dict[str, Any]]:
    return [
        {
            "id": group_uri + KEY_FRAGMENT,
            "type": "Multikey",
            "controller": group_uri,
            "publicKeyMultibase": key.public_multibase,
        }
    ]


def statement(quarter_name: str, since: dt.datetime) -> str:
    """The plain-language summary carried by the attestation (English; pages translate)."""
    return f"verified resident of {quarter_name} since {since.date().isoformat()}"


def attestation(node: Node, resident: Resident) -> dict[str, Any] | None:
    """The signed attestation of a local resident, or None when none stands (runs on a DB thread).

    Ed25519 is deterministic and every field comes from the row, so the same row always gives the
    same bytes; a rotated key gives a new signature at once.
    """
    row = attestations.active(resident.id)
    if row is None or row.quarter_id is None:
        return None
    quarter = Quarter.get_or_none(Quarter.id == row.quarter_id)
    if quarter is None or not quarter.is_local:
        return None
    group = node.urls.quarter(quarter.slug)
    me = node.urls.resident(resident.username)
    document = {
        "@context": ATTESTATION_CONTEXT,
        "id": me + "#residence",
        "type": "ResidenceAttestation",
        "attributedTo": group,
        "resident": me,
        "quarterName": quarter.name,
        "country": quarter.country,
        "verifiedSince": row.since.date().isoformat(),
        "published": iso(row.issued_at),
        "summary": statement(quarter.name, row.since),
    }
    key = integrity.load_private(ensure_key(quarter.slug).private_pem)
    return integrity.sign(document, key, group + KEY_FRAGMENT, iso(row.issued_at))


def decorate(node: Node, kind: str, row: Any, doc: dict[str, Any]) -> dict[str, Any]:
    """Add the Group's assertion key, or the resident's attestation, to a local actor document."""
    if kind == "quarter":
        doc["@context"] = ATTESTED_ACTOR_CONTEXT
        doc["assertionMethod"] = assertion_method(doc["id"], ensure_key(row.slug))
    elif kind == "resident":
        signed = attestation(node, row)
        if signed is not None:
            doc["@context"] = ATTESTED_ACTOR_CONTEXT
            doc["residenceAttestation"] = signed
    return doc


# ---------------------------------------------------------------- remote documents


def store_remote(doc: dict[str, Any]) -> None:
    """Keep what a remote actor document says: its assertion keys, its attestation (or none).

    Called for every actor document cached (fetch or Update), so an Update without the
    attestation withdraws it here, and a Group's new key replaces the old one.
    """
    uri = doc["id"]
    keys = {}
    for entry in as_list(doc.get("assertionMethod")):
        if not isinstance(entry, dict) or entry.get("type") != "Multikey":
            continue
        kid, controller = entry.get("id"), entry.get("controller")
        value = entry.get("publicKeyMultibase")
        if not (isinstance(kid, str) and len(kid) <= 500 and controller == uri):
            continue
        if urldefrag(kid)[0] != uri:  # a key of this actor's own document only
            continue
        try:
            integrity.load_multikey(value)
        except (integrity.ProofError, ValueError):
            continue
        keys[kid] = value
    RemoteAssertionKey.delete().where(
        (RemoteAssertionKey.controller == uri)
        & RemoteAssertionKey.key_id.not_in(list(keys) or [""])
    ).execute()
    now = utcnow()
    for kid, value in keys.items():
        RemoteAssertionKey.insert(
            key_id=kid, controller=uri, public_multibase=value, fetched_at=now
        ).on_conflict(
            conflict_target=[RemoteAssertionKey.key_id],
            update={
                RemoteAssertionKey.controller: uri,
                RemoteAssertionKey.public_multibase: value,
                RemoteAssertionKey.fetched_at: now,
            },
        ).execute()
    claim = doc.get("residenceAttestation")
    body = json.dumps(claim, ensure_ascii=False) if isinstance(claim, dict) else ""
    if not body or len(body) > MAX_ATTESTATION_BYTES:
        RemoteAttestation.delete().where(RemoteAttestation.actor_uri == uri).execute()
        return
    RemoteAttestation.insert(actor_uri=uri, body=body, received_at=now).on_conflict(
        conflict_target=[RemoteAttestation.actor_uri],
        update={RemoteAttestation.body: body, RemoteAttestation.received_at: now},
    ).execute()


def issuer_needing_key(actor_uri: str, claim: Any = None) -> str | None:
    """The issuing Group of an attestation (given, else the stored one) whose key we lack, or
    that fails with the key we hold (not refreshed for a minute), when that issuer could count."""
    if claim is None:
        row = RemoteAttestation.get_or_none(RemoteAttestation.actor_uri == actor_uri)
        claim = json.loads(row.body) if row is not None else None
    verdict_now = judge(claim, actor_uri)
    issuer = claim.get("attributedTo") if isinstance(claim, dict) else None
    if verdict_now.reason not in ("no_key", "bad_signature") or not isinstance(issuer, str):
        return None
    fresh = utcnow() - dt.timedelta(minutes=1)
    recently = RemoteAssertionKey.select().where(
        (RemoteAssertionKey.controller == issuer) & (RemoteAssertionKey.fetched_at > fresh)
    )
    return None if verdict_now.reason == "bad_signature" and recently.exists() else issuer


# ---------------------------------------------------------------- judging


@dataclass(frozen=True)
class Verdict:
    """Whether a resident counts as verified here, by whom, for which quarter, and why not."""

    verified: bool
    reason: str = ""  # none | malformed | not_twin | no_key | bad_signature | other_subject
    verified_by: str = ""  # the issuing Group's actor id
    quarter: str = ""
    country: str = ""
    since: str = ""


def trusted_node(host: str) -> bool:
    """Our admins trust this node's verifications (host[:port], as in its actor ids)."""
    return bool(host) and TrustedVerifier.select().where(TrustedVerifier.host == host).exists()


def twin_issuer(issuer: str) -> bool:
    """The issuer is the Group of one of our accepted twins, or on a node our admins trust."""
    twinned = (
        twins.Twin.select()
        .where((twins.Twin.actor_uri == issuer) & (twins.Twin.state == "accepted"))
        .exists()
    )
    if twinned:
        return True
    return trusted_node(urlsplit(issuer).netloc.lower())


def judge(claim: Any, subject: str) -> Verdict:
    """The verdict on one attestation found on `subject`'s actor (runs on a DB thread)."""
    if not isinstance(claim, dict):
        return Verdict(False, "none")
    issuer = claim.get("attributedTo")
    try:
        proof = integrity.proof_of(claim)
    except integrity.ProofError:
        return Verdict(False, "malformed")
    method = proof["verificationMethod"]
    fields = (claim.get("quarterName"), claim.get("country", ""), claim.get("verifiedSince"))
    if (
        claim.get("type") != "ResidenceAttestation"
        or not isinstance(issuer, str)
        or not all(isinstance(f, str) for f in fields)
        or urldefrag(method)[0] != issuer
    ):
        return Verdict(False, "malformed")
    if claim.get("resident") != subject:
        return Verdict(False, "other_subject")  # copied from someone else's actor
    if not same_origin(issuer, subject):
        return Verdict(False, "not_twin")  # a Group attests the residents of its own node only
    if not twin_issuer(issuer):
        return Verdict(False, "not_twin")
    key = RemoteAssertionKey.get_or_none(
        (RemoteAssertionKey.key_id == method) & (RemoteAssertionKey.controller == issuer)
    )
    if key is None:
        return Verdict(False, "no_key")
    try:
        integrity.verify(claim, integrity.load_multikey(key.public_multibase))
    except (integrity.ProofError, ValueError):
        return Verdict(False, "bad_signature")
    name, country, since = fields
    return Verdict(True, "", issuer, name[:200], country[:2].upper(), since[:10])


def verdict(node: Node, resident: Resident) -> Verdict:
    """Is this resident (ours or remote) a verified resident, as far as this node can tell?"""
    if resident.is_local:
        row = attestations.active(resident.id)
        quarter = Quarter.get_or_none(Quarter.id == row.quarter_id) if row else None
        if row is None or quarter is None:
            return Verdict(False, "none")
        return Verdict(
            True,
            "",
            node.urls.quarter(quarter.slug),
            quarter.name,
            quarter.country,
            row.since.date().isoformat(),
        )
    stored = RemoteAttestation.get_or_none(RemoteAttestation.actor_uri == resident.external_ref)
    if stored is None:
        return Verdict(False, "none")
    try:
        claim = json.loads(stored.body)
    except ValueError:
        return Verdict(False, "malformed")
    return judge(claim, resident.external_ref)


def verified_here(node: Node, resident: Resident) -> bool:
    """A remote person counts as a verified neighbour here (QUARTIER_TRUST_TWIN_VERIFICATION)."""
    if resident.is_local:
        return resident.verified_at is not None
    return node.settings.trust_twin_verification and verdict(node, resident).verified


def from_twin_node(resident: Resident) -> bool:
    """The person's node hosts one of our twins: they are held to the neighbourhood rules."""
    if resident.is_local or not resident.host:
        return False
    return (
        twins.Twin.select()
        .where((twins.Twin.host == resident.host) & (twins.Twin.state == "accepted"))
        .exists()
    )


def refusal(node: Node, resident: Resident) -> str | None:
    """Why a person from a twinned node may not borrow, RSVP or message here (None: they may).

    People from a node hosting one of our twins (or a node our admins trust) are neighbours,
    held to the neighbourhood's rule: verified. Their own quarter's signed attestation stands in
    for a proof here when QUARTIER_TRUST_TWIN_VERIFICATION is on; off, a remote account cannot
    give a second proof, so they cannot. The wider fediverse keeps the rules of public items.
    """
    if resident.is_local or not resident.host:
        return None
    trusted = trusted_node(resident.host)
    if not (from_twin_node(resident) or trusted):
        return None
    if not node.settings.trust_twin_verification:
        return "this node does not accept other quarters' verifications"
    if not verdict(node, resident).verified:
        return "not a verified resident of a twinned quarter"
    return None
