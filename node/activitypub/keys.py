"""RSA key generation, PEM (de)serialisation and key id helpers for HTTP signatures."""

from __future__ import annotations

from typing import TYPE_CHECKING

# cryptography is imported when a key is first made or loaded, not at start (bench/README.md)
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

# SWICG recommends RSA of 2048 bits or more; Mastodon only verifies RSA (FEDERATION-NOTES §1.4).
DEFAULT_KEY_SIZE = 2048


class KeyFormatError(ValueError):
    """A PEM string could not be loaded as the expected RSA key."""


def generate_private_key(key_size: int = DEFAULT_KEY_SIZE) -> rsa.RSAPrivateKey:
    """A fresh RSA key pair for one actor."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


def private_key_to_pem(private_key: rsa.RSAPrivateKey) -> str:
    """Unencrypted PKCS#8 PEM, the form bovine and most libraries load."""
    from cryptography.hazmat.primitives import serialization

    return private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")


def public_key_to_pem(key: rsa.RSAPublicKey | rsa.RSAPrivateKey) -> str:
    """SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY"), what Mastodon publishes as publicKeyPem."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if isinstance(key, rsa.RSAPrivateKey):
        key = key.public_key()
    return key.public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    ).decode("ascii")


def _pem_bytes(pem: str | bytes) -> bytes:
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    return data.strip()


def load_private_key(pem: str | bytes) -> rsa.RSAPrivateKey:
    """Load an unencrypted PKCS#8 or PKCS#1 RSA private key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_pem_private_key(_pem_bytes(pem), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFormatError(f"not a PEM private key: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyFormatError("private key is not RSA")
    return key


def load_public_key(pem: str | bytes) -> rsa.RSAPublicKey:
    """Load an RSA public key from SPKI ("BEGIN PUBLIC KEY") or PKCS#1 ("BEGIN RSA PUBLIC KEY").

    Both forms occur in publicKeyPem in the wild (SWICG "How to obtain a signature's public key").
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        key = serialization.load_pem_public_key(_pem_bytes(pem))
    except (ValueError, TypeError) as exc:
        raise KeyFormatError(f"not a PEM public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyFormatError("public key is not RSA")
    return key


def key_id_for(actor_id: str) -> str:
    """The keyId published for an actor: Mastodon's `<actor>#main-key` form."""
    return f"{actor_id}#main-key"
