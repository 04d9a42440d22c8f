"""RFC 9421 HTTP Message Signatures on top of http-message-signatures; pure, `now` is a parameter."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    MappingKeyResolver,
    algorithms,
)
from http_message_signatures import InvalidSignature as HMSInvalidSignature

from node.activitypub.signatures import (
    BODY_METHODS,
    SignatureError,
    as_utc,
    check_expires,
    check_window,
    host_header,
    http_date,
    normalise_headers,
    parse_signature_input,
)
from node.activitypub.vocab import ACTIVITY_JSON

if TYPE_CHECKING:
    from node.activitypub.signatures import PublicKey


@dataclass
class _Message:
    """The request view http-message-signatures reads: method, absolute url, headers."""

    method: str
    url: str
    headers: dict[str, str]


class _WindowVerifier(HTTPMessageVerifier):
    # The library reads the wall clock; the time window is checked beforehand against `now`.
    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        return None


def _algorithm_for(key: Any) -> type[algorithms.HTTPSignatureAlgorithm]:
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return algorithms.RSA_V1_5_SHA256
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return algorithms.ED25519
    raise SignatureError("unsupported key type")


def sign_request_rfc9421(
    private_key: rsa.RSAPrivateKey,
    key_id: str,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    now: datetime,
) -> dict[str, str]:
    """Headers to add for an RFC 9421 signature (label sig1, created + keyid + alg).

    Covers "@method" "@target-uri" "@authority", plus "content-digest" on bodies
    (Mastodon's requirements, FEDERATION-NOTES §1.7). Date is added as well because
    Mobilizon requires it on every request.
    """
    message = _Message(method.upper(), url, dict(headers))
    added: dict[str, str] = {"Date": http_date(now), "Host": host_header(url)}
    message.headers.update(added)
    covered = ["@method", "@target-uri", "@authority"]
    if body is not None:
        covered.append("content-digest")
        if not any(k.lower() == "content-type" for k in message.headers):
            added["Content-Type"] = message.headers["Content-Type"] = ACTIVITY_JSON
    signer = HTTPMessageSigner(
        signature_algorithm=_algorithm_for(private_key),
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={key_id: private_key}),
    )
    signer.sign(
        message,
        key_id=key_id,
        created=as_utc(now),
        label="sig1",
        covered_component_ids=covered,
        body=body,
    )
    for name in ("Content-Digest", "Signature-Input", "Signature"):
        if name in message.headers:
            added[name] = message.headers[name]
    return added


def verify_request_rfc9421(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key: PublicKey,
    now: datetime,
    skew_seconds: int = 3600,
) -> str:
    """Verify an RFC 9421 signature by Mastodon's rules; `url` is the full target URI.

    Requires keyid and created, coverage of @method and @target-uri, and on POST a
    covered Content-Digest that matches the body. Returns the keyid.
    """
    method = method.upper()
    hdrs = normalise_headers(headers)
    if "signature-input" not in hdrs or "signature" not in hdrs:
        raise SignatureError("request has no RFC 9421 Signature-Input and Signature")
    covered, params = parse_signature_input(hdrs["signature-input"])
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("RFC 9421 signature needs a keyid parameter")
    created = params.get("created")
    if not isinstance(created, int) or isinstance(created, bool):
        raise SignatureError("RFC 9421 signature needs an integer created parameter")
    # The request is bound to our URL: @target-uri, or @authority and @path together
    # (`url` is built from our public URL, so both resolve to our own scheme and host).
    required = ["@method", "@target-uri"]
    if "@target-uri" not in covered and {"@authority", "@path"} <= set(covered):
        required = ["@method", "@authority", "@path"]
    if method in BODY_METHODS:
        required.append("content-digest")
    missing = [c for c in required if c not in covered]
    if missing:
        raise SignatureError(f"RFC 9421 signature must cover {', '.join(missing)}")
    now = as_utc(now)
    check_window(datetime.fromtimestamp(created, UTC), now, skew_seconds, "created")
    expires = params.get("expires")
    check_expires(expires if isinstance(expires, int) else None, now, skew_seconds)

    verifier = _WindowVerifier(
        signature_algorithm=_algorithm_for(public_key),
        key_resolver=MappingKeyResolver(public_keys={key_id: public_key}, private_keys={}),
    )
    try:
        verifier.verify(
            _Message(method, url, hdrs),
            max_age=None,
            require_components=required,
            body=(body or b"") if method in BODY_METHODS else None,
        )
    except (HMSInvalidSignature, HTTPMessageSignaturesException, ValueError) as exc:
        raise SignatureError(f"RFC 9421 signature does not verify: {exc}") from exc
    return key_id
