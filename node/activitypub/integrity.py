"""Object integrity proofs (FEP-8b32, W3C Data Integrity `eddsa-jcs-2022`): JCS, Multikey; pure.

The signed bytes are SHA-256(JCS(proof configuration)) ‖ SHA-256(JCS(document without `proof`))
("Data Integrity EdDSA Cryptosuites v1.0", §3.3); the signature is raw Ed25519, written as
multibase base58btc (`z…`). Keys are FEP-521a `Multikey`s (`publicKeyMultibase` `z6Mk…`).
"""

from __future__ import annotations

import hashlib
import json
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

# cryptography is imported when a key is first made or used, not at start (bench/README.md)
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519

CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
ED25519_PREFIX = b"\xed\x01"  # multicodec ed25519-pub (varint 0xed)
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class ProofError(ValueError):
    """A proof or key that cannot be used: malformed, wrong suite, or a bad signature."""


# ---------------------------------------------------------------- JCS (RFC 8785)


def _number(value: int | float) -> str:
    """ECMAScript Number.prototype.toString, as JCS requires (RFC 8785 §3.2.2.3)."""
    if isinstance(value, bool):
        raise ProofError("booleans are not numbers")
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise ProofError("integer outside the IEEE-754 exact range")
        return str(value)
    if math.isnan(value) or math.isinf(value):
        raise ProofError("NaN and Infinity have no JSON form")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    _s, digits, exponent = Decimal(repr(abs(value))).normalize().as_tuple()
    s = "".join(map(str, digits))
    k, n = len(s), int(exponent) + len(s)
    if k <= n <= 21:
        out = s + "0" * (n - k)
    elif 0 < n <= 21:
        out = s[:n] + "." + s[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + s
    else:
        e = n - 1
        mark = "+" if e >= 0 else "-"
        out = (s if k == 1 else s[0] + "." + s[1:]) + "e" + mark + str(abs(e))
    return sign + out


def _jcs(value: Any, out: list[str]) -> None:
    if value is None or isinstance(value, bool):
        out.append(json.dumps(value))
    elif isinstance(value, int | float):
        out.append(_number(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _jcs(item, out)
        out.append("]")
    elif isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ProofError("object keys must be strings")
        out.append("{")
        # member names sorted by their UTF-16 code units (RFC 8785 §3.2.3)
        for index, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
            if index:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _jcs(value[key], out)
        out.append("}")
    else:
        raise ProofError(f"{type(value).__name__} has no JSON form")


def canonicalize(value: Any) -> bytes:
    """The JSON Canonicalization Scheme (RFC 8785) bytes of a JSON value."""
    out: list[str] = []
    _jcs(value, out)
    try:
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: not valid I-JSON
        raise ProofError("string with a lone surrogate") from exc


# ---------------------------------------------------------------- multibase / Multikey


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    while number:
        number, rest = divmod(number, 58)
        chars.append(_B58[rest])
    leading = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading + "".join(reversed(chars))


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = _B58.find(char)
        if index < 0:
            raise ProofError("not base58btc")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    leading = len(text) - len(text.lstrip("1"))
    return b"\0" * leading + body


def multibase_decode(value: Any, max_chars: int = 200) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) > max_chars:
        raise ProofError("not a base58btc multibase value")
    return b58decode(value[1:])


def public_multikey(key: ed25519.Ed25519PublicKey) -> str:
    """`publicKeyMultibase` of an Ed25519 key: z + base58btc(0xed01 ‖ raw 32 bytes)."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + b58encode(ED25519_PREFIX + raw)


def load_multikey(value: Any) -> ed25519.Ed25519PublicKey:
    data = multibase_decode(value)
    if len(data) != 34 or not data.startswith(ED25519_PREFIX):
        raise ProofError("not an Ed25519 Multikey")
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519.Ed25519PublicKey.from_public_bytes(data[2:])


def generate_key() -> ed25519.Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519.Ed25519PrivateKey.generate()


def private_to_pem(key: ed25519.Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def load_private(pem: str) -> ed25519.Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ProofError("not an Ed25519 private key")
    return key


# ---------------------------------------------------------------- proofs


def _hash_data(document: dict[str, Any], config: dict[str, Any]) -> bytes:
    return (
        hashlib.sha256(canonicalize(config)).digest()
        + hashlib.sha256(canonicalize(document)).digest()
    )


def sign(
    document: dict[str, Any],
    key: ed25519.Ed25519PrivateKey,
    verification_method: str,
    created: str,
) -> dict[str, Any]:
    """A copy of `document` with a DataIntegrityProof (eddsa-jcs-2022, assertionMethod)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    if "@context" in unsecured:
        # §3.3.5 Proof Configuration; written into the proof too, as FEP-8b32's example does,
        # so that verifiers hashing the proof as it stands (bovine) agree
        options = {"@context": unsecured["@context"], **options}
    signature = key.sign(_hash_data(unsecured, options))
    return {**unsecured, "proof": {**options, "proofValue": "z" + b58encode(signature)}}


def proof_of(document: Any) -> dict[str, Any]:
    """The one eddsa-jcs-2022 assertion proof of a document; ProofError if it has none usable."""
    if not isinstance(document, dict):
        raise ProofError("not a JSON object")
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise ProofError("no single proof object")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError("not an eddsa-jcs-2022 DataIntegrityProof")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("the proof's purpose is not assertionMethod")
    if not isinstance(proof.get("verificationMethod"), str):
        raise ProofError("the proof names no verification method")
    if not isinstance(proof.get("created"), str):
        raise ProofError("the proof has no creation time")
    return proof


def verify(document: Any, public_key: ed25519.Ed25519PublicKey) -> dict[str, Any]:
    """Check the proof with `public_key`; returns the proof, or raises ProofError.

    The proof configuration carries the document's @context (§3.3.5, and FEP-8b32's vector).
    Signers of the earlier form hashed it without (bovine 0.5 still does): that form is
    accepted too; both are signatures by the same key over the same document.
    """
    proof = proof_of(document)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in config:
        # §3.3.2: the document's context must start with the proof's, in order
        ctx, doc_ctx = config["@context"], unsecured.get("@context")
        ctx_list = ctx if isinstance(ctx, list) else [ctx]
        doc_list = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        if doc_list[: len(ctx_list)] != ctx_list:
            raise ProofError("the proof's @context does not match the document's")
        configs = [config]
    elif "@context" in unsecured:
        configs = [{**config, "@context": unsecured["@context"]}, config]
    else:
        configs = [config]
    signature = multibase_decode(proof.get("proofValue"))
    if len(signature) != 64:
        raise ProofError("an Ed25519 signature has 64 bytes")
    from cryptography.exceptions import InvalidSignature

    for candidate in configs:
        try:
            public_key.verify(signature, _hash_data(unsecured, candidate))
            return proof
        except InvalidSignature:
            continue
    raise ProofError("the signature does not match")
