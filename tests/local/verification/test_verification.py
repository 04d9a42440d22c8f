"""Proof of address: refusals, encryption at rest, who may open a document, the decision."""

from pathlib import Path

from helpers import (
    PDF,
    csrf_token,
    login,
    make_quarter,
    make_resident,
    node_of,
    post_file,
    post_form,
    switch_to,
)

from node.app import create_app
from node.local.models import OutgoingMail, Resident
from node.local.verification import AddressProof, DocumentAccess

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


def documents(node):
    folder = Path(node.settings.data_dir) / "documents"
    return sorted(folder.iterdir()) if folder.exists() else []


async def seed(node, ambassador=False):
    await make_quarter(node, "centre", postcodes=("35400",))
    await make_quarter(node, "nord", "Nord", postcodes=("35800",))
    await make_resident(node, "alice", verified=False)
    await make_resident(node, "bob")
    await make_resident(node, "mod", role="moderator")
    await make_resident(node, "othermod", quarter="nord", role="moderator")
    await make_resident(node, "amb", role="ambassador")


async def upload_proof(client, data=PDF, filename="bill.pdf", content_type="application/pdf"):
    return await post_file(
        client, "/settings/verification", "document", data, filename, content_type
    )


async def test_upload_is_encrypted_at_rest_and_marks_resident_pending(client):
    node = node_of(client)
    await seed(node)
    await login(client, "alice")
    response = await upload_proof(client)
    assert response.status == 303
    files = documents(node)
    assert len(files) == 1
    stored = files[0].read_bytes()
    assert b"%PDF" not in stored and b"Catalog" not in stored
    alice = await node.db.run(lambda: Resident.get(Resident.username == "alice"))
    assert alice.verification == "pending"
    page = await client.get("/settings/verification")
    assert "waiting for a moderator" in await page.text()


async def test_wrong_type_and_renamed_executable_are_refused(client):
    node = node_of(client)
    await seed(node)
    await login(client, "alice")
    text = await upload_proof(client, b"just some text", "bill.pdf", "application/pdf")
    assert text.status == 400
    assert "This type of file is not accepted" in await text.text()
    elf = await upload_proof(client, ELF, "bill.pdf", "application/pdf")
    assert elf.status == 400
    assert "Accepted: PDF, JPG, PNG" in await elf.text()
    assert documents(node) == []
    assert await node.db.run(lambda: AddressProof.select().count()) == 0


async def test_too_large_file_is_refused(aiohttp_client, make_settings):
    client = await aiohttp_client(create_app(make_settings("small", max_upload_bytes=2048)))
    node = node_of(client)
    await seed(node)
    await login(client, "alice")
    response = await upload_proof(client, PDF + b"0" * 4096)
    assert response.status == 400
    assert "too large" in await response.text()
    assert documents(node) == []


async def test_only_moderators_of_the_quarter_open_documents_and_each_opening_is_logged(client):
    node = node_of(client)
    await seed(node)
    await login(client, "alice")
    await upload_proof(client)
    proof_id = await node.db.run(lambda: AddressProof.get().id)
    url = f"/admin/verification/{proof_id}/document"

    await switch_to(client, "bob")
    assert (await client.get(url)).status == 403
    await switch_to(client, "amb")  # ambassadors cannot verify unless the node allows it
    assert (await client.get(url)).status == 403
    await switch_to(client, "othermod")
    assert (await client.get(url)).status == 404
    queue = await client.get("/admin/verification")
    assert "Alice" not in await queue.text()
    assert await node.db.run(lambda: DocumentAccess.select().count()) == 0

    await switch_to(client, "mod")
    queue = await client.get("/admin/verification")
    assert "Alice" in await queue.text()
    opened = await client.get(url)
    assert opened.status == 200
    assert await opened.read() == PDF
    assert opened.headers["Content-Type"] == "application/pdf"
    assert opened.headers["X-Content-Type-Options"] == "nosniff"
    accesses = await node.db.run(
        lambda: [(a.opener_id, a.proof_id) for a in DocumentAccess.select()]
    )
    mod = await node.db.run(lambda: Resident.get(Resident.username == "mod"))
    assert accesses == [(mod.id, proof_id)]


async def test_ambassadors_verify_when_the_node_allows(aiohttp_client, make_settings):
    client = await aiohttp_client(create_app(make_settings("amb", ambassadors_can_verify=True)))
    node = node_of(client)
    await seed(node)
    await login(client, "alice")
    await upload_proof(client)
    proof_id = await node.db.run(lambda: AddressProof.get().id)
    await switch_to(client, "amb")
    assert (await client.get(f"/admin/verification/{proof_id}/document")).status == 200
    admin = await client.get("/admin/residents")
    assert admin.status == 403  # the rest of the administration stays closed


async def test_approval_deletes_file_tells_resident_and_verifies(client):
    node = node_of(client)
    await seed(node)
    await login(client, "alice")
    await upload_proof(client)
    proof_id = await node.db.run(lambda: AddressProof.get().id)
    await switch_to(client, "mod")
    response = await post_form(
        client,
        f"/admin/verification/{proof_id}/decide",
        page="/admin/verification",
        decision="approve",
    )
    assert response.status == 303
    assert documents(node) == []
    proof = await node.db.run(lambda: AddressProof.get_by_id(proof_id))
    assert proof.state == "approved" and proof.decided_at is not None and proof.stored_name == ""
    alice = await node.db.run(lambda: Resident.get(Resident.username == "alice"))
    assert alice.is_verified and alice.verification == "approved"
    mails = await node.db.run(lambda: list(OutgoingMail.select()))
    mails = [m for m in mails if m.to != "mod@example.test"]  # the moderators hear of the proof
    assert [m.to for m in mails] == ["alice@example.test"]
    assert "verified" in mails[0].subject
    # the file is gone: opening it now is a 404, deciding again a 409
    assert (await client.get(f"/admin/verification/{proof_id}/document")).status == 404
    again = await post_form(
        client,
        f"/admin/verification/{proof_id}/decide",
        page="/admin/verification",
        decision="approve",
    )
    assert again.status == 409


async def test_rejection_needs_a_reason_and_deletes_the_file(client):
    node = node_of(client)
    await seed(node)
    await login(client, "alice")
    await upload_proof(client)
    proof_id = await node.db.run(lambda: AddressProof.get().id)
    await switch_to(client, "mod")
    url = f"/admin/verification/{proof_id}/decide"
    no_reason = await post_form(client, url, page="/admin/verification", decision="reject")
    assert no_reason.status == 400
    assert len(documents(node)) == 1
    rejected = await post_form(
        client, url, page="/admin/verification", decision="reject", reason="Name is unreadable"
    )
    assert rejected.status == 303
    assert documents(node) == []
    alice = await node.db.run(lambda: Resident.get(Resident.username == "alice"))
    assert not alice.is_verified and alice.verification == "rejected"
    mail = await node.db.run(lambda: OutgoingMail.get(OutgoingMail.to == "alice@example.test"))
    assert "Name is unreadable" in mail.text
    await switch_to(client, "alice")
    page = await client.get("/settings/verification")
    assert "Name is unreadable" in await page.text()


async def test_unverified_resident_is_told_to_verify_before_publishing(client):
    node = node_of(client)
    await seed(node)
    await login(client, "alice")
    token = await csrf_token(client, "/settings/verification")
    assert token
    page = await client.get("/settings/verification")
    assert "not publish or contact neighbours" in await page.text()


def test_vault_refuses_tampered_files_and_other_keys():
    import pytest

    from node.local import vault

    blob = vault.encrypt("node secret", PDF)
    assert vault.decrypt("node secret", blob) == PDF
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(vault.Undecryptable):
        vault.decrypt("node secret", tampered)
    with pytest.raises(vault.Undecryptable):
        vault.decrypt("another secret", blob)
    assert vault.encrypt("node secret", PDF) != blob  # a fresh nonce each time
