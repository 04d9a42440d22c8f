"""The draft-cavage `Signature` header: its parameters, read strictly (signatures.py verifies)."""

from __future__ import annotations

import binascii
import functools
import re
from dataclasses import dataclass, field


class SignatureError(Exception):
    """A signature is missing, malformed or does not verify; `reason` says why (sent back with 401)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)  # not frozen: made on every signed request, and frozen costs ~1 µs
class ParsedSignature:
    """The parameters of a draft-cavage `Signature` header."""

    key_id: str
    algorithm: str
    headers: list[str]
    signature: bytes
    created: int | None = None
    expires: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([0-9]+(?:\.[0-9]+)?))\s*(,|$)')
_LAST = ',signature="'


def parse_signature_header(value: str) -> ParsedSignature:
    """Parse a draft-cavage `Signature` header; SignatureError when it is malformed."""
    # Most senders (Mastodon, Misskey, GoToSocial, ours) write signature="…" last, and what comes
    # before it is the same on every request of a sender: that part is parsed once and kept,
    # only the signature is read per request (the busiest path of a node). Any other shape,
    # and every error, takes the full parser below, which decides as before.
    at = value.rfind(_LAST)
    if at > 0 and len(value) > at + 13 and value[-1] == '"' and value.find('"', at + 12, -1) < 0:
        # (a head with created/expires changes on every request: not worth keeping)
        head = (
            None if "reated" in value[:at] or "xpires" in value[:at] else _parsed_head(value[:at])
        )
        if head is not None:
            key_id, algorithm, names, created, expires, extra = head
            return ParsedSignature(
                key_id,
                algorithm,
                list(names),
                _signature_bytes(value[at + 12 : -1]),
                created,
                expires,
                dict(extra) if extra else {},
            )
    return _parse(value)


@functools.lru_cache(maxsize=1024)
def _parsed_head(head: str) -> tuple | None:
    """The parameters before a trailing signature="…", checked as `_parse` checks them; None
    when they would not pass (the full parser then says why)."""
    try:
        parsed = _parse(head + ',signature=""', signature_required=False)
    except SignatureError:
        return None
    extra = tuple(parsed.extra.items())
    return (
        parsed.key_id,
        parsed.algorithm,
        tuple(parsed.headers),
        parsed.created,
        parsed.expires,
        extra,
    )


def _signature_bytes(text: str) -> bytes:
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("signature is not valid base64") from exc


def _parse(value: str, signature_required: bool = True) -> ParsedSignature:
    params: dict[str, str] = {}
    pos = 0
    for match in _PARAM.finditer(value):
        # the parameters must follow each other with nothing between them
        if match.start() != pos:
            raise SignatureError("malformed Signature header")
        name = match.group(1).lower()
        if name in params:
            raise SignatureError(f"duplicate {name!r} parameter in Signature header")
        params[name] = match.group(2) if match.group(2) is not None else match.group(3)
        pos = match.end()
    if pos != len(value):
        raise SignatureError("malformed Signature header")
    # Mastodon: keyId and signature are required ("Incompatible request signature").
    if not params.get("keyid") or (signature_required and not params.get("signature")):
        raise SignatureError("Signature header needs keyId and signature")
    raw = _signature_bytes(params["signature"])
    algorithm = params.get("algorithm", "hs2019").lower()
    # draft-cavage-12 §2.1.6: default headers are (created) for hs2019, date otherwise.
    default = "(created)" if algorithm == "hs2019" else "date"
    names = params.get("headers", default).lower().split()
    if not names:
        raise SignatureError("Signature header lists no headers")
    return ParsedSignature(
        key_id=params["keyid"],
        algorithm=algorithm,
        headers=names,
        signature=raw,
        created=_int_param(params, "created"),
        expires=_int_param(params, "expires"),
        extra={k: v for k, v in params.items() if k not in _KNOWN_PARAMS},
    )


_KNOWN_PARAMS = frozenset({"keyid", "signature", "algorithm", "headers", "created", "expires"})


def _int_param(params: dict[str, str], key: str) -> int | None:
    if key not in params:
        return None
    try:
        return int(float(params[key]))
    except ValueError as exc:
        raise SignatureError(f"{key} parameter is not a number") from exc
