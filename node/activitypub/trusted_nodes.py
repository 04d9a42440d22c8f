"""Nodes whose quarters' residence attestations our admins accept without a twinning.

One set of functions behind both `quartier admin trust-verifications` and /admin/trusted-nodes;
the table (TrustedVerifier) sits beside the attestations it vouches for, in residence.py.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from node.activitypub.residence import RemoteAttestation, TrustedVerifier, trusted_node
from node.i18n import _
from node.local.errors import Conflict, Invalid, NotFound

MAX_INPUT = 300  # a host name is at most 253 characters, a port 6 more
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_WEB_SCHEME = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class TrustedNode:
    """A trusted node as the admin page and the command line show it."""

    host: str
    note: str
    since: datetime
    added_by: str
    attestations: int  # attestations on file from actors of that host (judged when read)


def _junk() -> str:
    return _(
        "Give only the host name and its port, such as quartier.example:8443: no scheme, path or address."
    )


def _refuse(message: str) -> Invalid:
    return Invalid(message, {"host": message})


def _port(text: str) -> str:
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 65536:
        raise _refuse(_("The port must be a number from 1 to 65535."))
    return str(int(text))


def _name(text: str) -> str:
    """An IDNA (ASCII, lower-case) host name, as it appears in the node's actor ids."""
    name = text.rstrip(".").lower()
    try:
        # the same codec as vocab.origin(), which compares the ids the node receives
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise _refuse(_("This is not a valid host name.")) from None
    labels = name.split(".")
    if not name or len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise _refuse(_("This is not a valid host name."))
    return name


def normalise_host(text: str) -> str:
    """host[:port] from what an admin typed (a bare https://host/ is accepted too); else Invalid."""
    text = (text or "").strip()
    if not text:
        raise _refuse(_("Give the node's host name, such as quartier.example."))
    if len(text) > MAX_INPUT:
        raise _refuse(_("This host name is too long."))
    if _WEB_SCHEME.match(text):
        text = _WEB_SCHEME.sub("", text, count=1)
        text = text[:-1] if text.endswith("/") else text
    if any(c in text for c in "/?#@\\") or any(c.isspace() or not c.isprintable() for c in text):
        raise _refuse(_junk())
    if text.startswith("["):  # an IPv6 literal, kept in brackets as in URLs
        inside, bracket, rest = text[1:].partition("]")
        try:
            if not bracket:
                raise ValueError(text)
            host = f"[{ipaddress.IPv6Address(inside).compressed}]"
        except ValueError:
            raise _refuse(_("This is not a valid host name.")) from None
        if rest and not rest.startswith(":"):
            raise _refuse(_("This is not a valid host name."))
        return host + (":" + _port(rest[1:]) if rest else "")
    name, colon, port = text.partition(":")
    if colon and not (port.isascii() and port.isdigit()):  # javascript:…, mailto:…, a:b:c
        raise _refuse(_junk())
    return _name(name) + (":" + _port(port) if colon else "")


def _attestations(host: str) -> int:
    return (
        RemoteAttestation.select()
        .where(
            RemoteAttestation.actor_uri.startswith(f"https://{host}/")
            | RemoteAttestation.actor_uri.startswith(f"http://{host}/")
        )
        .count()
    )


def listing() -> list[TrustedNode]:
    """Every trusted node, by host (runs on a DB thread)."""
    rows = TrustedVerifier.select().order_by(TrustedVerifier.host)
    return [
        TrustedNode(r.host, r.note, r.created_at, r.added_by, _attestations(r.host)) for r in rows
    ]


def trust(host: str, own_host: str, added_by: str = "", note: str = "") -> str:
    """Trust a node's verifications; its normalised host. Invalid / Conflict with a reason."""
    host = normalise_host(host)
    try:
        ours = normalise_host(own_host)
    except Invalid:
        ours = own_host.lower()
    if host == ours:
        raise _refuse(_("This is this node itself: its own quarters' verifications count already."))
    message = _("%(host)s is already trusted.", host=host)
    if trusted_node(host):
        raise Conflict(message, {"host": message})
    note = (note or "").strip()[:500]
    try:
        with TrustedVerifier._meta.database.atomic():  # a savepoint: two admins at once
            TrustedVerifier.create(host=host, note=note, added_by=added_by[:80])
    except pw.IntegrityError:
        raise Conflict(message, {"host": message}) from None
    return host


def distrust(host: str) -> str:
    """Stop trusting a node's verifications; its normalised host. NotFound when it was not."""
    host = normalise_host(host)
    if TrustedVerifier.delete().where(TrustedVerifier.host == host).execute() == 0:
        raise NotFound(_("%(host)s is not among the trusted nodes.", host=host), {"host": host})
    return host
