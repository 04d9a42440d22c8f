"""Proof of address: encrypted upload, who may open it (logged), approval or rejection, deletion."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import peewee as pw

from node.db import BaseModel
from node.i18n import _, using
from node.local import filecheck, moderation_notices, outgoing_mail, uploads, vault
from node.local.errors import Invalid, InvalidTransition, NotAllowed, NotFound
from node.local.models import Resident, utcnow
from node.local.tx import ResidentUpdated, Tx

STATES = ("pending", "approved", "rejected", "withdrawn")


class AddressProof(BaseModel):
    """One uploaded proof; the file goes at the decision, the decision and its date remain."""

    resident = pw.ForeignKeyField(
        Resident, backref="address_proofs", lazy_load=False, on_delete="CASCADE"
    )
    stored_name = pw.CharField(max_length=120, default="")  # "" once the file is deleted
    mime = pw.CharField(max_length=40)
    size = pw.IntegerField()
    uploaded_at = pw.DateTimeField(default=utcnow)
    state = pw.CharField(max_length=12, default="pending", index=True)
    # the quarter the proof was filed in: its verifiers decide, even if the resident moves
    quarter_id = pw.IntegerField(null=True)
    decided_by = pw.ForeignKeyField(
        Resident, null=True, backref="proofs_decided", lazy_load=False, on_delete="SET NULL"
    )
    decided_at = pw.DateTimeField(null=True)
    reason = pw.TextField(default="")


class DocumentAccess(BaseModel):
    """Each opening of a proof by a moderator (who, when): the access log residents can ask for."""

    proof = pw.ForeignKeyField(
        AddressProof, backref="accesses", lazy_load=False, on_delete="CASCADE"
    )
    opener = pw.ForeignKeyField(
        Resident, null=True, backref="documents_opened", lazy_load=False, on_delete="SET NULL"
    )
    at = pw.DateTimeField(default=utcnow)


VERIFICATION_MODELS = [AddressProof, DocumentAccess]


def documents_dir(settings) -> Path:
    """Outside every served folder: only open_document() reads it."""
    return Path(settings.data_dir) / "documents"


def _remove_file(settings, proof: AddressProof) -> None:
    if proof.stored_name:
        with contextlib.suppress(FileNotFoundError):
            (documents_dir(settings) / proof.stored_name).unlink()
        proof.stored_name = ""


@dataclass(frozen=True)
class CheckedDocument:
    """A proof whose every byte was read: only check_document() makes one."""

    data: bytes
    mime: str


def check_document(data: bytes, max_bytes: int) -> CheckedDocument:
    """Type from the bytes (never the name), then the whole file read: images decoded under a
    pixel limit, PDFs checked for structure. Pure and slow: run it outside any transaction."""
    mime = uploads.check_upload(data, uploads.DOCUMENT_TYPES, max_bytes, field="document")
    try:
        if mime == "application/pdf":
            filecheck.check_pdf(data)
        else:
            filecheck.decode_image(data, filecheck.MAX_PIXELS)
    except filecheck.Refused as exc:
        raise Invalid(exc.message, {"document": exc.message}) from None
    return CheckedDocument(data, mime)


def submit(tx: Tx, resident_id: int, document: CheckedDocument) -> AddressProof:
    """Encrypt and store a checked proof; an earlier pending one is withdrawn."""
    if not isinstance(document, CheckedDocument):
        raise TypeError("submit() takes the result of check_document()")
    settings = tx.settings
    data, mime = document.data, document.mime
    resident = Resident.get_by_id(resident_id)
    if resident.is_verified:
        raise InvalidTransition(_("Your address is already verified."))
    for old in AddressProof.select().where(
        (AddressProof.resident == resident_id) & (AddressProof.state == "pending")
    ):
        _remove_file(settings, old)
        old.state = "withdrawn"
        old.save()
    name = uploads.store(documents_dir(settings), vault.encrypt(settings.secret_key, data), "bin")
    proof = AddressProof.create(
        resident=resident_id,
        stored_name=name,
        mime=mime,
        size=len(data),
        uploaded_at=tx.now,
        quarter_id=resident.quarter_id,
    )
    resident.verification = "pending"
    resident.save()
    moderation_notices.proof_submitted(
        resident, bool(getattr(settings, "ambassadors_can_verify", False))
    )
    return proof


def is_verifier(viewer: Resident, settings) -> bool:
    """Whether the viewer's role lets them verify addresses at all."""
    if viewer.role in {"moderator", "admin"}:
        return True
    return viewer.role == "ambassador" and bool(settings.ambassadors_can_verify)


def may_verify(
    viewer: Resident, resident: Resident, settings, quarter_id: int | None = None
) -> bool:
    """Verifiers of the quarter in question (the quarter a proof was filed in, else the
    resident's own), never oneself; an admin also where there is no quarter. Documents stay
    with their quarter: moving the resident does not hand them to another quarter."""
    if not is_verifier(viewer, settings) or viewer.id == resident.id:
        return False
    quarter_id = quarter_id if quarter_id is not None else resident.quarter_id
    if quarter_id is None:
        return viewer.role == "admin"
    return viewer.quarter_id == quarter_id


def _may_open(viewer: Resident, proof: AddressProof, settings) -> bool:
    return may_verify(viewer, proof.resident, settings, proof.quarter_id)


def _proof_for(viewer: Resident, proof_id: int, settings) -> AddressProof:
    if not is_verifier(viewer, settings):
        raise NotAllowed(_("Only the moderators of this quarter can see proofs of address."))
    proof = (
        AddressProof.select(AddressProof, Resident)
        .join(Resident, on=(AddressProof.resident == Resident.id))
        .where(AddressProof.id == proof_id)
        .first()
    )
    # another quarter's proof does not exist for this viewer (no hint that it does)
    if proof is None or not _may_open(viewer, proof, settings):
        raise NotFound(_("No such proof of address."))
    return proof


def queue(viewer: Resident, settings) -> list[AddressProof]:
    """Pending proofs this viewer may decide on, oldest first."""
    if not is_verifier(viewer, settings):
        raise NotAllowed(_("Only the moderators of this quarter can see proofs of address."))
    query = (
        AddressProof.select(AddressProof, Resident)
        .join(Resident, on=(AddressProof.resident == Resident.id))
        .where(AddressProof.state == "pending")
        .order_by(AddressProof.uploaded_at)
    )
    return [p for p in query if _may_open(viewer, p, settings)]


def open_document(tx: Tx, viewer: Resident, proof_id: int) -> tuple[bytes, str]:
    """Decrypt a pending proof for an allowed verifier and log the opening."""
    settings = tx.settings
    proof = _proof_for(viewer, proof_id, settings)
    if not proof.stored_name:
        raise NotFound(_("This document was deleted after the decision."))
    blob = (documents_dir(settings) / proof.stored_name).read_bytes()
    DocumentAccess.create(proof=proof.id, opener=viewer.id, at=tx.now)
    return vault.decrypt(settings.secret_key, blob), proof.mime


def decide(
    tx: Tx, viewer: Resident, proof_id: int, approve: bool, reason: str = ""
) -> AddressProof:
    """Approve or reject; the resident is told by e-mail and the file is deleted now."""
    settings = tx.settings
    proof = _proof_for(viewer, proof_id, settings)
    if proof.state != "pending":
        raise InvalidTransition(_("This proof has already been decided."))
    reason = reason.strip()
    if not approve and not reason:
        message = _("Give the resident a reason for the rejection.")
        raise Invalid(message, {"reason": message})
    resident = proof.resident
    proof.state = "approved" if approve else "rejected"
    proof.decided_by = viewer.id
    proof.decided_at = tx.now
    proof.reason = reason
    resident.verification = proof.state
    if approve:
        resident.verified_at = tx.now
    resident.save()
    if resident.email:
        with using(resident.language or settings.default_language):
            if approve:
                subject = _("Your address is verified")
                text = _("Welcome to your quarter! You can now publish and contact neighbours.")
            else:
                subject = _("Your proof of address was not accepted")
                text = _(
                    "Reason: %(reason)s\n\nYou can send another proof from your settings.",
                    reason=reason,
                )
        outgoing_mail.queue(resident.email, subject, text)
    moderation_notices.proof_decided(resident, approve, reason)  # in the page too, not only e-mail
    _remove_file(settings, proof)  # deleted at the decision: only the outcome is kept
    proof.save()
    tx.record(ResidentUpdated(resident.id))
    return proof


def proofs_of(resident_id: int) -> list[AddressProof]:
    return list(
        AddressProof.select()
        .where(AddressProof.resident == resident_id)
        .order_by(AddressProof.uploaded_at.desc())
    )


def accesses_of(resident_id: int) -> list[DocumentAccess]:
    return list(
        DocumentAccess.select(DocumentAccess)
        .join(AddressProof)
        .where(AddressProof.resident == resident_id)
        .order_by(DocumentAccess.at)
    )
