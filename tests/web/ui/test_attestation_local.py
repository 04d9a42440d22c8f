"""The attestation on a resident's own actor: issued when verified, withdrawn by a move or an
un-verification, re-signed when the quarter's key rotates."""

from helpers import login, make_quarter, make_resident, node_of, post_form

from node.activitypub import integrity, rotation
from node.commit import commit
from node.local import quarters
from node.local.attestations import ResidenceAttestation
from node.local.models import Resident

AS = "application/activity+json"


async def _doc(client, handle):
    r = await client.get(f"/@{handle}", headers={"Accept": AS})
    assert r.status == 200
    return await r.json(content_type=None)


async def test_move_unverify_and_key_rotation(client):
    node = node_of(client)
    await make_quarter(node)
    await make_quarter(node, slug="north", name="North", postcodes=("35700",))
    admin = await make_resident(node, "root", role="admin")
    alice = await make_resident(node, "alice")
    bob = await make_resident(node, "bob")
    await make_resident(node, "newbie", verified=False)
    assert "residenceAttestation" not in await _doc(client, "newbie")
    group = await _doc(client, "centre")
    key = integrity.load_multikey(group["assertionMethod"][0]["publicKeyMultibase"])
    claim = (await _doc(client, "alice"))["residenceAttestation"]
    assert claim["quarterName"] == "Centre"
    integrity.verify(claim, key)

    # Moved to another quarter: the proof was for Centre, so the attestation goes.
    await commit(node, quarters.assign, admin, alice.id, "north")
    assert "residenceAttestation" not in await _doc(client, "alice")
    why = await node.db.run(
        lambda: ResidenceAttestation.get(ResidenceAttestation.resident == alice.id).withdrawn_why
    )
    assert why == "moved"

    # Un-verified by a moderator, from /admin/residents.
    await login(client, "root")
    page = await (await client.get("/admin/residents")).text()
    assert f'action="/admin/residents/{bob.id}/unverify"' in page
    r = await post_form(
        client, f"/admin/residents/{bob.id}/unverify", "/admin/residents", reason="Parti"
    )
    assert r.status == 303
    assert (await node.db.run(Resident.get_by_id, bob.id)).verified_at is None
    assert "residenceAttestation" not in await _doc(client, "bob")

    # Key rotation of the quarter: new Ed25519 key, attestations signed anew with it.
    carol = await make_resident(node, "carol")
    before = (await _doc(client, carol.username))["residenceAttestation"]
    await commit(node, rotation.rotate_key, node, "centre")
    group = await _doc(client, "centre")
    new_key = integrity.load_multikey(group["assertionMethod"][0]["publicKeyMultibase"])
    after = (await _doc(client, carol.username))["residenceAttestation"]
    assert after["proof"]["proofValue"] != before["proof"]["proofValue"]
    integrity.verify(after, new_key)
    try:
        integrity.verify(before, new_key)
        raise AssertionError("the old signature still verifies with the new key")
    except integrity.ProofError:
        pass
