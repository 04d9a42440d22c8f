"""Inbox: verify and store incoming activities (202), then process them (dispatch.HANDLERS)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urldefrag

from node.activitypub import actors, inbox_rows, keys
from node.activitypub.audience import host_of
from node.activitypub.signatures import (
    SignatureError,
    host_header,
    key_id_from_headers,
    normalise_headers,
    parse_signature_header,
    signature_scheme,
    verify_request,
)
from node.activitypub.vocab import as_list, get_id, origin, origin_prefix
from node.batcher import Batcher
from node.local import inputs
from node.runtime import Node

log = logging.getLogger("quartier.inbox")

# Activities whose embedded object must be the sender's own (FEP-fe34: create/update/delete
# by the owner only); Announce, Like, Flag, Follow… may point at other origins.
OWNED = frozenset({"Create", "Update", "Delete", "Undo"})


class Rejected(Exception):
    """An incoming request refused with an HTTP status and a short reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


# Parsing a PEM costs more than verifying with it; keys are immutable values, so cache them.
_public_key = functools.lru_cache(maxsize=1024)(keys.load_public_key)
# A remote key this process verified with is remembered this long (and at most this many):
# the next requests signed with it skip the lookup before verification; the row that stores
# them checks in the same transaction that the database still holds that key (inbox_rows).
SENDER_SECONDS = 600.0
SENDERS_KEPT = 4096
# Under load, a store batch right behind another waits this long to fill up (node.db.Batcher):
# fewer, larger transactions, most of all when several processes share the requests. A 202
# answered in a quiet spell never waits.
STORE_LINGER = 0.002


def parse(body: bytes, limit: int) -> tuple[dict[str, Any], str]:
    """Size cap (413), JSON (400) and the basic shape of an activity (400); and its text to
    store (the body itself when nothing had to be cleaned: no second serialisation)."""
    if len(body) > limit:
        raise Rejected(413, f"body larger than {limit} bytes")
    try:
        activity, pristine = inputs.parse_json(body)  # depth-limited, finite, no lone surrogates
    except inputs.BadJson as exc:
        raise Rejected(400, "body is not JSON") from exc
    if not isinstance(activity, dict):
        raise Rejected(400, "activity must be a JSON object")
    if not isinstance(activity.get("type"), str) or not isinstance(
        get_id(activity.get("actor")), str
    ):
        raise Rejected(400, "activity needs a type and an actor")
    if not isinstance(activity.get("id"), str):
        raise Rejected(400, "activity needs an id")
    if "signature" in activity:
        activity.pop("signature")  # LD signatures are not used (STYLE: not done, on purpose)
        pristine = False
    return activity, (body.decode("utf-8") if pristine else json.dumps(activity))


@functools.lru_cache(maxsize=8)
def _host_of_base(base: str) -> str:
    return host_header(base)


def _our_host(node: Node) -> str:
    """Our Host as senders sign it: default port dropped, IDNA (`https://x:443` → `x`)."""
    return _host_of_base(node.urls.base)


def _verify(
    node: Node,
    scheme: str,
    method: str,
    path_qs: str,
    headers,
    body,
    pem: str,
    parsed=None,
    key=None,
) -> None:
    key = key or _public_key(pem)
    now = dt.datetime.now(dt.UTC)
    skew = node.settings.signature_skew_seconds
    if scheme == "rfc9421":
        # http-message-signatures (and cryptography) load with the first RFC 9421 request
        from node.activitypub.rfc9421 import verify_request_rfc9421

        verify_request_rfc9421(method, node.urls.base + path_qs, headers, body, key, now, skew)
    else:
        verify_request(
            method, path_qs, headers, body, key, now, skew, host=_our_host(node), parsed=parsed
        )


def check_origins(activity: dict[str, Any]) -> None:
    """FEP-fe34: the activity and the objects it creates, changes or deletes share the actor's origin."""
    actor = get_id(activity.get("actor"))
    try:
        home = origin(actor) if actor else None
    except ValueError:
        home = None
    # Most ids start with the actor's own "scheme://netloc" and a path: same origin without
    # working it out again (every request of the busiest path asks this three or four times).
    prefix = origin_prefix(actor) if home is not None else None
    cut = len(prefix) if prefix else 0

    def ours(url: Any) -> bool:
        if (
            prefix
            and isinstance(url, str)
            and url.startswith(prefix)
            and url[cut : cut + 1] in "/?#"
        ):
            return True
        try:
            return home is not None and bool(url) and origin(url) == home
        except ValueError:
            return False

    if not ours(activity["id"]):
        raise Rejected(403, "activity id is not on the actor's origin")
    if activity["type"] not in OWNED:
        return
    obj = activity.get("object")
    for ref in as_list(obj):
        if not ours(get_id(ref)):
            raise Rejected(403, "object id is not on the actor's origin")
        if isinstance(ref, dict):
            for author in as_list(ref.get("attributedTo")) + as_list(ref.get("actor")):
                if get_id(author) and not ours(get_id(author)):
                    raise Rejected(403, "object author is not on the actor's origin")


def _remembered(node: Node, kid: str) -> tuple[str, str, Any, float] | None:
    found = node.inbox_senders.get(kid)
    if found is not None and found[3] < time.monotonic():
        del node.inbox_senders[kid]
        return None
    return found


def _remember(node: Node, kid: str, owner: str, pem: str) -> None:
    senders = node.inbox_senders
    if len(senders) >= SENDERS_KEPT:
        senders.clear()  # rare: this many signers within SENDER_SECONDS; start again
    senders[kid] = (owner, pem, _public_key(pem), time.monotonic() + SENDER_SECONDS)


async def receive(
    node: Node, method: str, path_qs: str, headers: Mapping[str, str], body: bytes
) -> str:
    """Flow (b): parse → verify → owner and origin checks → domain block → dedupe → store.

    Returns "stored", "duplicate" or "blocked" (all answered 202); raises Rejected otherwise.
    """
    activity, text = parse(body, node.settings.max_inbox_bytes)
    headers = normalise_headers(headers)  # once: the checks below reuse it
    try:
        scheme = signature_scheme(headers)
        if scheme is None:
            raise Rejected(401, "request is not signed")
        if scheme == "cavage":
            # parsed once here for its keyId, and handed to the verification below
            parsed = parse_signature_header(headers["signature"])
            kid = parsed.key_id
        else:
            parsed, kid = None, key_id_from_headers(headers)
    except SignatureError as exc:
        raise Rejected(401, exc.reason) from exc
    actor = get_id(activity["actor"])
    known = None if node.urls.is_local(kid) else _remembered(node, kid)
    if known is not None:
        owner, pem, key, _ = known
        try:
            _verify(node, scheme, method, path_qs, headers, body, pem, parsed, key)
        except SignatureError:
            known = None  # perhaps a new key: the full path below refetches it
    if known is None:
        owner, pem, gone = await _verified_key(
            node, scheme, method, path_qs, headers, body, parsed, kid, activity
        )
        if owner == "":
            return "blocked"
    else:
        gone = False
    if owner != actor:
        raise Rejected(401, "the signing key does not belong to the activity's actor")
    check_origins(activity)
    check = (kid, owner, pem, host_of(kid), host_of(actor)) if known is not None else None
    result = await _batchers(node)["store"].submit(
        (activity["id"][:500], text, actor, "actor gone" if gone else "", check)
    )
    if result == "stale":  # the key changed or went since this process remembered it
        node.inbox_senders.pop(kid, None)
        return await receive(node, method, path_qs, headers, body)
    if result == "outside":
        raise Rejected(403, "this node federates only with the hosts its admins list")
    if result == "stored":
        node.kick()
    return result


async def _verified_key(
    node: Node, scheme, method, path_qs, headers, body, parsed, kid: str, activity: dict
) -> tuple[str, str, bool]:
    """Blocks and allow-list first (no fetch for a refused host), then the key, stored or
    fetched, and the verification: (owner, PEM, actor gone); ("", "", False) when blocked."""
    actor = get_id(activity["actor"])
    refused, cached = await _batchers(node)["lookup"].submit((kid, host_of(kid), host_of(actor)))
    if refused == "outside":
        raise Rejected(403, "this node federates only with the hosts its admins list")
    if refused == "blocked":
        return "", "", False  # accepted and dropped, so the sender stops retrying
    try:
        if cached is not None and not node.urls.is_local(kid):
            owner, pem = cached
        else:
            owner, pem = await actors.public_key_for(node, kid)
    except actors.ActorGone:
        # SWICG: a 410 on the key of a Delete's actor means the actor was deleted.
        if activity["type"] != "Delete" or get_id(activity.get("object")) != actor:
            raise Rejected(401, "the signing key is gone") from None
        return urldefrag(kid)[0], "", True
    except actors.FetchFailed as exc:
        raise Rejected(401, f"signing key unavailable: {exc.reason}") from exc
    try:
        _verify(node, scheme, method, path_qs, headers, body, pem, parsed)
    except SignatureError as first:
        # The actor may have rotated its key: refetch once (Mastodon's actor_refresh_key!).
        try:
            owner, pem = await actors.public_key_for(node, kid, refresh=True)
            _verify(node, scheme, method, path_qs, headers, body, pem, parsed)
        except (SignatureError, actors.FetchFailed):
            raise Rejected(401, first.reason) from first
    if not node.urls.is_local(kid) and owner == actor:
        _remember(node, kid, owner, pem)
    return owner, pem, False


def _batchers(node: Node) -> dict[str, Batcher]:
    """The node's inbox group committers: one for lookups, one for stores (created on first use)."""
    found = node.inbox_batchers
    if found is None:
        found = node.inbox_batchers = {}
    if "store" not in found:  # (delivery keeps its own committer in the same dict)
        found["lookup"] = Batcher(node.db, inbox_rows.lookup_many, atomic=False)
        found["store"] = Batcher(node.db, inbox_rows.store_many, linger=STORE_LINGER)
    return found
