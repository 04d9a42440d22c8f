"""draft-cavage-12 HTTP signatures and shared helpers as pure functions (RFC 9421: rfc9421.py)."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from node.activitypub.signature_header import (  # noqa: F401 - SignatureError: the package's error
    ParsedSignature,
    SignatureError,
    parse_signature_header,
)
from node.activitypub.vocab import ACCEPT_ACTIVITY, ACTIVITY_JSON

# cryptography and http_sf are imported where a signature is made or read, not at start: a node
# that has not federated yet keeps their ~7 MB out of memory (bench/README.md, "Memory").
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


# ---------------------------------------------------------------------------- helpers


def digest_header(body: bytes) -> str:
    """The draft `Digest` value Mastodon sends: `SHA-256=<base64>` (FEDERATION-NOTES §1.1)."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def content_digest_header(body: bytes) -> str:
    """RFC 9530 `Content-Digest` value: an RFC 8941 dictionary `sha-256=:<base64>:`."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


def http_date(now: datetime) -> str:
    """IMF-fixdate (RFC 9110 §5.6.7); Mobilizon refuses any other Date format."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return format_datetime(now.astimezone(UTC), usegmt=True)


def host_header(url: str) -> str:
    """The Host value for a URL: IDNA host, IPv6 in brackets, port only when non-default."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"URL has no host: {url!r}")
    host = parts.hostname.rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    else:
        host = host.encode("idna").decode("ascii")
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{parts.port}"
    return host


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


@functools.cache
def _rsa_params() -> tuple[Any, Any]:
    """PKCS#1 v1.5 padding and SHA-256: stateless, made once (with the first signature)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return padding.PKCS1v15(), hashes.SHA256()


class Normalised(dict):
    """Headers already normalised (lowercased names, joined repeats): normalised once per request."""


def normalise_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers as a dict with lowercased names."""
    if isinstance(headers, Normalised):
        return headers
    # draft-cavage §2.3: repeated headers are joined with ", " in order of appearance.
    out: Normalised = Normalised()
    for name, value in headers.items():
        key = name.lower()
        value = value.strip()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def as_utc(now: datetime) -> datetime:
    """An aware UTC datetime (naive values are taken as UTC)."""
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def check_window(moment: datetime, now: datetime, skew: int, what: str) -> None:
    """Refuse a signing time more than `skew` seconds from `now` either way (replay window)."""
    delta = (moment - now).total_seconds()
    if delta > skew:
        raise SignatureError(f"{what} is in the future (more than {skew}s ahead)")
    if delta < -skew:
        raise SignatureError(f"{what} is too old (more than {skew}s ago); possible replay")


def check_expires(expires: int | None, now: datetime, skew: int) -> None:
    """Refuse a signature whose `expires` lies in the past (beyond the skew margin)."""
    # Mastodon allows its clock-skew margin after expiry too (signed_request.rb CLOCK_SKEW_MARGIN).
    if expires is not None and now.timestamp() > expires + skew:
        raise SignatureError("signature has expired")


# ---------------------------------------------------------------------------- draft-cavage


def _signing_string(
    names: list[str], method: str, target: str, hdrs: dict[str, str], parsed: ParsedSignature | None
) -> str:
    lines = []
    for name in names:
        if name == "(request-target)":
            value = f"{method.lower()} {target}"
        elif name == "(created)":
            if parsed is None or parsed.created is None:
                raise SignatureError("(created) is signed but the created parameter is missing")
            value = str(parsed.created)
        elif name == "(expires)":
            if parsed is None or parsed.expires is None:
                raise SignatureError("(expires) is signed but the expires parameter is missing")
            value = str(parsed.expires)
        elif name in hdrs:
            value = hdrs[name]
        else:
            raise SignatureError(f"signed header {name!r} is missing from the request")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def sign_request(
    private_key: rsa.RSAPrivateKey,
    key_id: str,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    now: datetime,
    *,
    include_query: bool = True,
) -> dict[str, str]:
    """Headers to add to a request so that it carries a draft-cavage-12 signature.

    Returns Date, Host, Signature, and on bodies Digest (plus Content-Type if absent);
    without a body, Accept if absent. Signed headers follow Mastodon (FEDERATION-NOTES §1.1).
    `include_query=False` signs the path only, for GoToSocial-style retries against receivers
    (Mobilizon) that build (request-target) without the query string.
    """
    given = normalise_headers(headers)
    added: dict[str, str] = {"Date": http_date(now), "Host": host_header(url)}
    hdrs = {**given, "date": added["Date"], "host": added["Host"]}
    if body is not None:
        added["Digest"] = hdrs["digest"] = digest_header(body)
        if "content-type" not in given:
            added["Content-Type"] = hdrs["content-type"] = ACTIVITY_JSON
        names = ["(request-target)", "host", "date", "digest", "content-type"]
    else:
        if "accept" not in given:
            added["Accept"] = hdrs["accept"] = ACCEPT_ACTIVITY
        names = ["(request-target)", "host", "date", "accept"]
    target = _request_target(url)
    if not include_query:
        target = target.split("?", 1)[0]
    message = _signing_string(names, method, target, hdrs, None).encode("utf-8")
    raw = private_key.sign(message, *_rsa_params())
    added["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(raw).decode("ascii")}"'
    )
    return added


@functools.cache
def _verifier(kind: type) -> tuple[Any, type[Exception]]:
    """How to verify with a key of this class, and the error a wrong signature raises (worked
    out once per class: an isinstance against cryptography's ABCs on every request is not free)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    if issubclass(kind, rsa.RSAPublicKey):
        params = _rsa_params()
        return (lambda key, signature, message: key.verify(signature, message, *params)), (
            InvalidSignature
        )
    if issubclass(kind, ed25519.Ed25519PublicKey):
        return (lambda key, signature, message: key.verify(signature, message)), InvalidSignature
    return None, InvalidSignature


def _verify_raw(public_key: PublicKey, signature: bytes, message: bytes) -> bool:
    verify, invalid = _verifier(type(public_key))
    if verify is None:
        raise SignatureError("unsupported public key type")
    try:
        verify(public_key, signature, message)
    except invalid:
        return False
    return True


def _check_digest(value: str | None, body: bytes) -> None:
    # Mastodon: comma list, a sha-256 entry (case-insensitive) decoding to 32 bytes is required.
    if not value:
        raise SignatureError("digest is signed but the Digest header is missing")
    for entry in value.split(","):
        algo, sep, b64 = entry.strip().partition("=")
        if sep and algo.strip().lower() == "sha-256":
            try:
                expected = binascii.a2b_base64(b64.strip(), strict_mode=True)
            except (binascii.Error, ValueError) as exc:
                raise SignatureError("SHA-256 digest is not valid base64") from exc
            if len(expected) != 32:
                raise SignatureError("SHA-256 digest is not 32 bytes long")
            if not hmac.compare_digest(expected, hashlib.sha256(body).digest()):
                raise SignatureError("Digest does not match the request body")
            return
    raise SignatureError("Digest header has no SHA-256 entry")


# Senders sign with the current second: many requests share one Date value.
_http_date = functools.lru_cache(maxsize=256)(parsedate_to_datetime)


def verify_request(
    method: str,
    path_qs: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key: PublicKey,
    now: datetime,
    skew_seconds: int = 3600,
    host: str | None = None,
    parsed: ParsedSignature | None = None,
) -> str:
    """Verify a draft-cavage signed request by Mastodon's rules, made stricter (issue #8).

    `path_qs` is the raw request target as received (aiohttp: `request.raw_path`); `host`,
    when given, is our own Host: a signature made for another server is refused.
    Returns the keyId; raises SignatureError with the reason on every failure. `parsed` is
    the Signature header as the caller already parsed it (parse_signature_header), if it did.
    """
    method = method.upper()
    hdrs = normalise_headers(headers)
    if "signature" not in hdrs:
        raise SignatureError("request is not signed (no Signature header)")
    if parsed is None:
        parsed = parse_signature_header(hdrs["signature"])
    if parsed.algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"unsupported signature algorithm {parsed.algorithm!r}")
    signed = set(parsed.headers)
    # Mastodon accepts `date digest` alone; such a signature can be replayed to any inbox of
    # any server, so the method, path and host are required on every request (issue #8).
    if "date" not in signed and "(created)" not in signed:
        raise SignatureError("signature must cover date or (created)")
    if "(request-target)" not in signed:
        raise SignatureError("signature must cover (request-target)")
    if "host" not in signed:
        raise SignatureError("signature must cover host")
    if method in BODY_METHODS and "digest" not in signed:
        raise SignatureError("POST signature must cover digest")
    if host is not None and hdrs.get("host", "").lower() != host.lower():
        raise SignatureError("signature was made for another host")
    if signed & {"(created)", "(expires)"} and parsed.algorithm != "hs2019":
        raise SignatureError("(created) and (expires) are only allowed with hs2019")

    now = as_utc(now)
    if "(created)" in signed:
        if parsed.created is None:
            raise SignatureError("(created) is signed but the created parameter is missing")
        check_window(datetime.fromtimestamp(parsed.created, UTC), now, skew_seconds, "created")
    else:
        if "date" not in hdrs:
            raise SignatureError("date is signed but the Date header is missing")
        try:
            moment = _http_date(hdrs["date"])
        except (TypeError, ValueError) as exc:
            raise SignatureError("Date header is not a valid HTTP date") from exc
        check_window(as_utc(moment), now, skew_seconds, "Date")
    check_expires(parsed.expires, now, skew_seconds)

    if "digest" in signed:
        _check_digest(hdrs.get("digest"), body or b"")

    # Mastodon tries the target with the query, then without it (compatibility since 4.3.0).
    targets = [path_qs]
    if "?" in path_qs and "(request-target)" in signed:
        targets.append(path_qs.split("?", 1)[0])
    for target in targets:
        message = _signing_string(parsed.headers, method, target, hdrs, parsed).encode("utf-8")
        if _verify_raw(public_key, parsed.signature, message):
            return parsed.key_id
    raise SignatureError("signature does not match (wrong key or altered request)")


# ---------------------------------------------------------------------------- inbox helpers


def parse_signature_input(value: str) -> tuple[list[str], dict[str, Any]]:
    """The covered components and parameters of the single RFC 9421 signature."""
    import http_sf

    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary")
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise SignatureError("malformed Signature-Input header") from exc
    if not isinstance(parsed, dict) or len(parsed) != 1:
        # Mastodon supports exactly one signature per request.
        raise SignatureError("Signature-Input must hold exactly one signature")
    (member, params), *_ = parsed.values()
    if not isinstance(member, list):
        raise SignatureError("Signature-Input member must be an inner list")
    return [str(item) for item, _ in member], dict(params)


def signature_scheme(headers: Mapping[str, str]) -> str | None:
    """'rfc9421' when Signature-Input is present (Mastodon's switch), 'cavage' for Signature, else None."""
    names = headers if isinstance(headers, Normalised) else {name.lower() for name in headers}
    if "signature-input" in names:
        return "rfc9421"
    if "signature" in names:
        return "cavage"
    return None


def key_id_from_headers(headers: Mapping[str, str]) -> str | None:
    """The keyId of either scheme, so the caller can fetch the key before verifying."""
    scheme = signature_scheme(headers)
    if scheme is None:
        return None
    hdrs = normalise_headers(headers)
    if scheme == "rfc9421":
        _, params = parse_signature_input(hdrs["signature-input"])
        key_id = params.get("keyid")
        if not isinstance(key_id, str) or not key_id:
            raise SignatureError("RFC 9421 signature needs a keyid parameter")
        return key_id
    return parse_signature_header(hdrs["signature"]).key_id
