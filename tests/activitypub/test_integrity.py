"""FEP-8b32 integrity proofs (eddsa-jcs-2022): the FEP's own test vector, RFC 8785 numbers, and
agreement with an independent implementation (bovine) both ways."""

import jcs
import pytest
from bovine.crypto.types import CryptographicIdentifier, CryptographicSecret
from cryptography.hazmat.primitives.asymmetric import ed25519

from node.activitypub import integrity

# The signing scenario of fep/8b32/fep-8b32.feature (FEP repository).
FEP_DOCUMENT = {
    "@context": [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/data-integrity/v2",
    ],
    "id": "https://server.example/activities/1",
    "type": "Create",
    "actor": "https://server.example/users/alice",
    "object": {
        "id": "https://server.example/objects/1",
        "type": "Note",
        "attributedTo": "https://server.example/users/alice",
        "content": "Hello world",
        "location": {"type": "Place", "longitude": -71.184902, "latitude": 25.273962},
    },
}
FEP_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
FEP_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
FEP_PROOF = (
    "z42ffGu6AUKPCFcFPiabmUvnGLPJzC7e4DGWC52NUasSSH37UMa9c58tdgVszUcZfytxa4fQ5TYHaJENCxUDe9SdL"
)
KEY_ID = "https://server.example/users/alice#ed25519-key"


def fep_key():
    raw = integrity.multibase_decode(FEP_SECRET)
    assert raw[:2] == b"\x80\x26"  # multicodec ed25519-priv
    return ed25519.Ed25519PrivateKey.from_private_bytes(raw[2:])


def test_the_fep_test_vector_is_reproduced_byte_for_byte():
    key = fep_key()
    assert integrity.public_multikey(key.public_key()) == FEP_PUBLIC
    signed = integrity.sign(FEP_DOCUMENT, key, KEY_ID, "2023-02-24T23:36:38Z")
    assert signed["proof"]["proofValue"] == FEP_PROOF
    assert signed["proof"]["@context"] == FEP_DOCUMENT["@context"]
    assert integrity.verify(signed, integrity.load_multikey(FEP_PUBLIC))["created"]


def test_any_change_breaks_the_proof():
    signed = integrity.sign(FEP_DOCUMENT, fep_key(), KEY_ID, "2023-02-24T23:36:38Z")
    public = integrity.load_multikey(FEP_PUBLIC)
    tampered = {**signed, "object": {**signed["object"], "content": "Hello World"}}
    with pytest.raises(integrity.ProofError):
        integrity.verify(tampered, public)
    moved = {**signed, "proof": {**signed["proof"], "created": "2024-02-24T23:36:38Z"}}
    with pytest.raises(integrity.ProofError):
        integrity.verify(moved, public)
    other = integrity.generate_key().public_key()
    with pytest.raises(integrity.ProofError):
        integrity.verify(signed, other)
    for bad in (
        None,
        [],
        {"proof": "x"},
        {**signed, "proof": {**signed["proof"], "proofValue": "zz0"}},
    ):
        with pytest.raises(integrity.ProofError):
            integrity.verify(bad, public)
    wrong_suite = {**signed, "proof": {**signed["proof"], "cryptosuite": "eddsa-rdfc-2022"}}
    with pytest.raises(integrity.ProofError):
        integrity.verify(wrong_suite, public)


@pytest.mark.parametrize(
    "value",
    [
        0.0,
        -0.0,
        1e21,
        1e-7,
        1e-6,
        333333333.3333333,
        1e22,
        123.456,
        5e-324,
        1.7976931348623157e308,
        100.0,
        1e20,
        -71.184902,
        4.5,
        2**53,
    ],
)
def test_numbers_are_written_as_ecmascript_does(value):
    assert integrity.canonicalize(value) == jcs.canonicalize(value)


def test_member_names_sort_by_utf16_code_units():
    doc = {"€": 1, "\r": 2, "ö": 3, "1": 4, "\U0001f600": 5, "\u0080": 6, "a": [None, True, "\x1f"]}
    assert integrity.canonicalize(doc) == jcs.canonicalize(doc)
    with pytest.raises(integrity.ProofError):
        integrity.canonicalize({"nan": float("nan")})


def test_we_verify_proofs_made_by_bovine():
    """bovine 0.5 hashes the proof configuration without @context (the FEP's earlier form; it
    does not verify the FEP's current vector either): accepted, the key is the same."""
    key = integrity.generate_key()
    multikey = integrity.public_multikey(key.public_key())
    controller = "https://quarter.example/@saint_servan"
    doc = {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            "https://w3id.org/security/data-integrity/v2",
        ],
        "type": "Note",
        "attributedTo": controller,
        "content": "Échelle à prêter, Straße",
    }
    ours = integrity.sign(doc, key, controller + "#ed25519-key", "2026-12-01T10:00:00Z")
    assert integrity.verify(ours, integrity.load_multikey(multikey))
    secret = CryptographicSecret.from_pem(
        controller + "#ed25519-key", integrity.private_to_pem(key)
    )
    theirs = secret.sign_document(doc)
    assert integrity.verify(theirs, key.public_key())["verificationMethod"].startswith(controller)
    # and bovine agrees with itself: the document it signed is the one we verified
    identifier = CryptographicIdentifier.from_tuple(controller, multikey)
    assert identifier.verify_document(theirs) == controller
    forged = {**theirs, "content": "Rien"}
    with pytest.raises(integrity.ProofError):
        integrity.verify(forged, key.public_key())
