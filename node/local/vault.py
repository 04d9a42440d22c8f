"""Encryption at rest for private documents: AES-256-GCM with a key derived from the node secret."""

from __future__ import annotations

import os

# cryptography is imported when a document is first sealed or opened, not at start
# (bench/README.md, "Memory")

MAGIC = b"QV1\x00"  # format marker, so a future key rotation can tell versions apart


class Undecryptable(ValueError):
    """The file was altered or the node secret changed."""


def derive_key(secret: str, purpose: bytes = b"address-proofs") -> bytes:
    """A 256-bit key for one purpose; HKDF keeps it independent of the cookie-signing use of the secret."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"quartier-vault", info=purpose).derive(
        secret.encode()
    )


def encrypt(secret: str, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return MAGIC + nonce + AESGCM(derive_key(secret)).encrypt(nonce, data, MAGIC)


def decrypt(secret: str, blob: bytes) -> bytes:
    if not blob.startswith(MAGIC):
        raise Undecryptable("not a Quartier vault file")
    nonce, body = blob[len(MAGIC) : len(MAGIC) + 12], blob[len(MAGIC) + 12 :]
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(derive_key(secret)).decrypt(nonce, body, MAGIC)
    except InvalidTag:
        raise Undecryptable("authentication failed") from None
