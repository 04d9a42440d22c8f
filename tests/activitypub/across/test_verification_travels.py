"""Verification that travels: a quarter's Group signs "verified resident of … since …" on the
resident's actor; a twin shows it, lets that resident borrow, RSVP and message (or not, by
setting), and stops the moment it is withdrawn. Two real nodes and a foreign peer on loopback."""

from __future__ import annotations

import json

import aiohttp
from ap_support import AS, Peer
from factories import event_body
from helpers import make_token
from three_nodes import publish, settle, start_site, twin

from node.activitypub import integrity
from node.activitypub.models import InboxItem
from node.local import twins
from node.local.events.models import Event
from node.local.listings.models import Listing
from node.local.loans.models import Loan
from node.local.messages.models import Message


async def fetch_json(url, accept=AS, language="en"):
    headers = {"Accept": accept, "Accept-Language": language}
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers) as resp:
            text = await resp.text()
            return resp.status, (json.loads(text) if "json" in resp.content_type else text)


async def call(node, method, path, token, json_body=None):
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as session:
        async with session.request(
            method, node.urls.base + path, json=json_body, headers=headers
        ) as resp:
            return resp.status, await resp.json(content_type=None)


async def resident_api(node, handle):
    return await fetch_json(f"{node.urls.base}/api/v1/residents/{handle}", "application/json")


async def act_from_fr(fr, de, token):
    """The French resident borrows, writes and RSVPs to the German side's twins-only things."""
    listing = await publish(de, "Leiter", "twins")
    de_token = await make_token(de.node, de.resident.id)
    status, event = await call(
        de.node, "POST", "/api/v1/events", de_token, event_body(title="Hoffest", reach="twins")
    )
    assert status == 201, event
    await settle(fr, de)
    remote = await fr.node.db.run(
        lambda: Listing.get(Listing.external_ref == de.node.urls.listing(listing.id))
    )
    remote_event = await fr.node.db.run(
        lambda: Event.get(Event.external_ref == de.node.urls.event(event["id"]))
    )
    loan = {"from": "2030-01-02", "until": "2030-01-05", "message": "Merci !"}
    status, _ = await call(fr.node, "POST", f"/api/v1/listings/{remote.id}/loans", token, loan)
    assert status == 201
    to = f"@{de.resident.username}@{de.node.urls.host}"
    status, _ = await call(fr.node, "POST", "/api/v1/messages", token, {"to": to, "text": "Hallo"})
    assert status == 201
    rsvp = f"/api/v1/events/{remote_event.id}/rsvp"
    status, _ = await call(fr.node, "POST", rsvp, token, {"status": "going"})
    assert status == 200
    await settle(fr, de)
    _, mine = await call(fr.node, "GET", f"/api/v1/events/{remote_event.id}", token)
    loans = await de.node.db.run(lambda: Loan.select().count())
    messages = await de.node.db.run(lambda: Message.select().count())
    return loans, messages, mine["my_status"]


async def test_a_twin_shows_the_signed_attestation_and_trusts_it(make_settings):
    fr = await start_site(make_settings, "fr")
    de = await start_site(make_settings, "de")
    try:
        await twin(fr, de)
        token = await make_token(fr.node, fr.resident.id)
        me = fr.node.urls.resident(fr.resident.username)
        group = fr.node.urls.quarter(fr.quarter.slug)
        # The attestation as it appears on the French resident's actor, and the Group's key.
        _, actor = await fetch_json(me)
        claim = actor["residenceAttestation"]
        assert claim["type"] == "ResidenceAttestation"
        assert (claim["attributedTo"], claim["resident"]) == (group, me)
        assert (claim["quarterName"], claim["country"]) == ("Saint-Servan", "FR")
        assert claim["summary"].startswith("verified resident of Saint-Servan since ")
        assert claim["proof"]["cryptosuite"] == "eddsa-jcs-2022"
        assert claim["proof"]["verificationMethod"] == group + "#ed25519-key"
        _, group_doc = await fetch_json(group)
        (key,) = group_doc["assertionMethod"]
        assert (key["type"], key["controller"]) == ("Multikey", group)
        assert key["publicKeyMultibase"].startswith("z6Mk")
        integrity.verify(claim, integrity.load_multikey(key["publicKeyMultibase"]))

        # With QUARTIER_TRUST_TWIN_VERIFICATION (default): borrow, message, RSVP all go through.
        assert await act_from_fr(fr, de, token) == (1, 1, "going")

        # The German node shows where the French resident is verified (API and page).
        handle = f"{fr.resident.username}@{fr.node.urls.host}"
        status, data = await resident_api(de.node, handle)
        assert status == 200
        assert data["verified"] is True
        assert data["verified_by"] == group
        assert (data["quarter"], data["country"]) == ("Saint-Servan", "FR")
        assert data["verified_label"] == "Verified in Saint-Servan (FR)"
        status, page = await fetch_json(f"{de.node.urls.base}/@{handle}", "text/html")
        assert status == 200 and "Verified in Saint-Servan (FR)" in page
        _, own = await resident_api(fr.node, fr.resident.username)
        assert (own["verified"], own["verified_by"], own["local"]) == (True, group, True)
        assert (await resident_api(de.node, "nobody@nowhere.example"))[0] == 404

        # Un-verified on the French side: the actor Update withdraws it on the German side too.
        unverify = f"/api/v1/residents/{fr.resident.username}/unverify"
        refused = await call(fr.node, "POST", unverify, token, {"reason": "Déménagé"})
        assert refused[0] == 403  # a resident may not un-verify anyone
        status, body = await call(fr.node, "POST", unverify, fr.token, {"reason": ""})
        assert status == 422  # the resident is told why
        status, body = await call(fr.node, "POST", unverify, fr.token, {"reason": "Déménagé"})
        assert status == 200 and body["verified"] is False
        assert (await call(fr.node, "POST", unverify, fr.token, {"reason": "x"}))[0] == 409
        await settle(fr, de)
        _, actor = await fetch_json(me)
        assert "residenceAttestation" not in actor
        _, data = await resident_api(de.node, handle)
        assert (data["verified"], data["verified_by"], data["quarter"]) == (False, None, None)
    finally:
        await fr.runner.cleanup()
        await de.runner.cleanup()


async def test_without_trusting_twins_their_residents_cannot_borrow_rsvp_or_message(
    make_settings,
):
    fr = await start_site(make_settings, "fr")
    de = await start_site(make_settings, "de", trust_twin_verification=False)
    try:
        await twin(fr, de)
        token = await make_token(fr.node, fr.resident.id)
        loans, messages, rsvp = await act_from_fr(fr, de, token)
        assert (loans, messages) == (0, 0)
        assert rsvp != "going"
        refused = await de.node.db.run(
            lambda: sorted(
                i.error for i in InboxItem.select() if "other quarters' verifications" in i.error
            )
        )
        assert len(refused) == 3  # Offer, Create(Note), Join
        # …while the German node still shows the verification itself.
        _, data = await resident_api(de.node, f"{fr.resident.username}@{fr.node.urls.host}")
        assert data["verified"] is True
    finally:
        await fr.runner.cleanup()
        await de.runner.cleanup()


class AttestingPeer(Peer):
    """A foreign node with a Group `rocca` that signs attestations (and a stranger Group)."""

    def __init__(self) -> None:
        super().__init__()
        self.group_keys = {"rocca": integrity.generate_key(), "altro": integrity.generate_key()}
        self.claims: dict[str, dict | None] = {}
        self.types.update(rocca="Group", altro="Group")

    def actor(self, name: str) -> dict:
        doc = super().actor(name)
        if name in self.group_keys:
            public = integrity.public_multikey(self.group_keys[name].public_key())
            doc["assertionMethod"] = [
                {
                    "id": doc["id"] + "#ed25519-key",
                    "type": "Multikey",
                    "controller": doc["id"],
                    "publicKeyMultibase": public,
                }
            ]
        if self.claims.get(name):
            doc["residenceAttestation"] = self.claims[name]
        return doc

    def claim(self, subject: str, group="rocca", key=None, **changes) -> dict:
        issuer = self.uri(group)
        doc = {
            "@context": [
                "https://www.w3.org/ns/activitystreams",
                "https://w3id.org/security/data-integrity/v2",
            ],
            "id": self.uri(subject) + "#residence",
            "type": "ResidenceAttestation",
            "attributedTo": issuer,
            "resident": self.uri(subject),
            "quarterName": "Rocca",
            "country": "IT",
            "verifiedSince": "2026-03-01",
        }
        signed = integrity.sign(
            doc, key or self.group_keys[group], issuer + "#ed25519-key", "2026-03-01T09:00:00Z"
        )
        signed.update(changes)  # changed after signing
        return signed


async def test_forged_copied_foreign_stale_and_withdrawn_attestations_do_not_count(
    make_settings,
):
    de = await start_site(make_settings, "de")
    peer = await AttestingPeer().start()
    inbox = de.node.urls.shared_inbox()
    target = de.node.urls.resident(de.resident.username)
    sent = iter(range(1000))
    try:
        # The peer's quarter `rocca` is a twin of Burtscheid.
        await de.node.db.atomic(
            lambda: twins.Twin.create(
                quarter=de.quarter.id,
                actor_uri=peer.uri("rocca"),
                handle=f"@rocca@{peer.host}",
                name="Rocca",
                host=peer.host,
                country="IT",
                state="accepted",
                direction="outgoing",
            )
        )

        async def update(name):
            n = next(sent)
            activity = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{peer.base}/activities/update-{n}",
                "type": "Update",
                "actor": peer.uri(name),
                "object": peer.actor(name),
            }
            assert (await peer.post(inbox, activity, name=name))[0] == 202
            await settle(de)

        async def writes(name) -> bool:
            """A direct message from `name`: kept only when they count as verified here."""
            n = next(sent)
            note = {
                "id": f"{peer.base}/objects/note-{n}",
                "type": "Note",
                "attributedTo": peer.uri(name),
                "to": [target],
                "content": f"<p>Ciao {n}</p>",
            }
            activity = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{peer.base}/activities/create-{n}",
                "type": "Create",
                "actor": peer.uri(name),
                "to": [target],
                "object": note,
            }
            before = await de.node.db.run(lambda: Message.select().count())
            assert (await peer.post(inbox, activity, name=name))[0] == 202
            await settle(de)
            return await de.node.db.run(lambda: Message.select().count()) == before + 1

        async def verified(name):
            status, data = await resident_api(de.node, f"{name}@{peer.host}")
            assert status == 200
            return data["verified"], data["verified_by"], data["quarter"], data["country"]

        # A genuine attestation: verified, and the person may write.
        peer.claims["ana"] = peer.claim("ana")
        assert await writes("ana")
        assert await verified("ana") == (True, peer.uri("rocca"), "Rocca", "IT")

        # Forged: signed by another key while naming the Group's key.
        peer.claims["ana"] = peer.claim("ana", key=integrity.generate_key())
        await update("ana")
        assert await verified("ana") == (False, None, None, None)
        assert not await writes("ana")

        # Tampered after signing: another quarter's name under the Group's real signature.
        peer.claims["ana"] = peer.claim("ana", quarterName="Saint-Servan")
        await update("ana")
        assert (await verified("ana"))[0] is False

        # Copied: bea shows ana's genuine attestation as her own.
        peer.claims["bea"] = peer.claim("ana")
        assert not await writes("bea")
        assert (await verified("bea"))[0] is False

        # A Group that is not our twin vouches with its own, valid key: not enough.
        peer.claims["bea"] = peer.claim("bea", group="altro")
        await update("bea")
        assert (await verified("bea"))[0] is False

        # Stale: the Group rotates its key; what was signed with the old one no longer counts,
        # until the attestation is re-issued with the new key.
        peer.claims["ana"] = peer.claim("ana")
        await update("ana")
        assert (await verified("ana"))[0] is True
        peer.group_keys["rocca"] = integrity.generate_key()
        await update("rocca")
        assert (await verified("ana"))[0] is False
        peer.claims["ana"] = peer.claim("ana")
        await update("ana")
        assert (await verified("ana"))[0] is True

        # Withdrawn: an actor Update without the attestation.
        peer.claims["ana"] = None
        await update("ana")
        assert (await verified("ana"))[0] is False
        assert not await writes("ana")
    finally:
        await peer.stop()
        await de.runner.cleanup()
