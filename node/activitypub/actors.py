"""Local actors (keys, documents) and remote ones (resolve, cache, refresh, public keys)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urldefrag, urlsplit

import peewee as pw

from node.activitypub import as_actors, keys, residence
from node.activitypub.from_as import page_url
from node.activitypub.http import FetchError
from node.activitypub.models import INSTANCE, ActorKey, RemoteActor
from node.activitypub.signatures import sign_request
from node.activitypub.vocab import (
    ACCEPT_ACTIVITY,
    as_list,
    get_id,
    is_activity_media_type,
    same_origin,
)
from node.local import residents
from node.local.models import Organisation, Quarter, Resident, utcnow
from node.local.text import web_url
from node.runtime import Node

log = logging.getLogger("quartier.ap")

ACTOR_TYPES = frozenset({"Person", "Group", "Organization", "Service", "Application"})
CACHE_FOR = dt.timedelta(days=1)


class FetchFailed(Exception):
    """A remote document could not be fetched or is not acceptable; `status` if it answered."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


class ActorGone(FetchFailed):
    """The actor (or its key) answered 410 Gone: it was deleted."""


# ---------------------------------------------------------------- local actors


def ensure_key(handle: str) -> ActorKey:
    """The actor's key pair, generated on first use (RSA-2048); runs on a DB thread."""
    row = ActorKey.get_or_none(ActorKey.handle == handle)
    if row is None:
        private = keys.generate_private_key()
        ActorKey.insert(
            handle=handle,
            private_pem=keys.private_key_to_pem(private),
            public_pem=keys.public_key_to_pem(private),
        ).on_conflict_ignore().execute()
        row = ActorKey.get(ActorKey.handle == handle)
    return row


def private_key(node: Node, handle: str) -> Any:
    """The loaded private key of a local actor, cached on the node; call on a DB thread first."""
    cache = node.keys
    if handle not in cache.private:
        row = ensure_key(handle)
        cache.private[handle] = keys.load_private_key(row.private_pem)
        cache.versions[handle] = row.public_pem
    return cache.private[handle]


def forget_rotated_keys(node: Node, handles: set[str]) -> None:
    """Drop cached keys whose row changed since they were loaded (runs on a DB thread).

    `quartier admin rotate-key` runs in its own process: the serving process learns of the new
    key here, with one indexed query per delivery batch, before it signs anything (issue #8).
    """
    versions = node.keys.versions
    cached = [h for h in handles if h in versions]
    if not cached:
        return
    rows = ActorKey.select(ActorKey.handle, ActorKey.public_pem).where(ActorKey.handle.in_(cached))
    current = dict(rows.tuples())
    for handle in cached:
        if current.get(handle) != versions[handle]:
            node.keys.forget(handle)
            if handle == INSTANCE:
                node.keys.instance_signer = None


def key_id(node: Node, handle: str) -> str:
    if handle == INSTANCE:
        return node.urls.instance_actor() + "#main-key"
    return node.urls.key(handle)


def actor_uri(node: Node, handle: str) -> str:
    return node.urls.instance_actor() if handle == INSTANCE else node.urls.actor(handle)


def find_local(handle: str) -> tuple[str, Any] | None:
    """("resident" | "quarter" | "organisation", row) for a local handle, or None."""
    resident = Resident.get_or_none(
        (Resident.username == handle) & (Resident.host == "") & Resident.deleted_at.is_null()
    )
    if resident is not None:
        return "resident", resident
    quarter = Quarter.get_or_none((Quarter.slug == handle) & Quarter.external_ref.is_null())
    if quarter is not None:
        return "quarter", quarter
    organisation = Organisation.get_or_none(Organisation.handle == handle)
    if organisation is not None:
        return "organisation", organisation
    return None


def local_document(node: Node, handle: str) -> dict[str, Any] | None:
    """The actor document of a local handle (or the instance actor), None if unknown."""
    if handle == INSTANCE:
        pem = ensure_key(INSTANCE).public_pem
        return as_actors.instance_actor(node.urls, node.settings.node_name, pem)
    found = find_local(handle)
    if found is None:
        return None
    kind, row = found
    pem = ensure_key(handle).public_pem
    if kind == "resident":
        doc = as_actors.resident_to_actor(node.urls, row, pem)
    elif kind == "quarter":
        doc = as_actors.quarter_to_group(node.urls, row, pem)
    else:
        return as_actors.organisation_to_actor(node.urls, row, pem)
    return residence.decorate(node, kind, row, doc)  # attestation, or the Group's assertion key


def local_handle(node: Node, uri: str) -> str | None:
    """The handle of one of our actor URIs (`…/@handle`), the instance actor, or None."""
    if uri == node.urls.instance_actor():
        return INSTANCE
    prefix = node.urls.base + "/@"
    if uri.startswith(prefix) and "/" not in uri[len(prefix) :]:
        return uri[len(prefix) :]
    return None


# ---------------------------------------------------------------- remote fetches


def signer(node: Node, handle: str = INSTANCE):
    """A SafeClient sign hook: draft-cavage as one of our actors (GETs as the instance actor)."""
    loaded = private_key(node, handle)
    kid = key_id(node, handle)

    def sign(method: str, url: str, headers: Mapping[str, str], body: bytes | None):
        return sign_request(loaded, kid, method, url, headers, body, dt.datetime.now(dt.UTC))

    return sign


async def fetch_document(node: Node, uri: str) -> dict[str, Any]:
    """Signed GET of an AS document (instance actor); 200, AS content type and matching id."""
    if node.http is None:
        raise FetchFailed("no HTTP client on this node")
    from node.activitypub import trust

    if await node.db.run(trust.refused_url, uri):
        raise FetchFailed(f"{urlsplit(uri).netloc} is blocked or not on the allow-list")
    sign = node.keys.instance_signer
    if sign is None:
        await node.db.run(private_key, node, INSTANCE)
        sign = node.keys.instance_signer = signer(node)
    try:
        resp = await node.http.get(uri, {"Accept": ACCEPT_ACTIVITY}, sign=sign)
    except FetchError as exc:
        raise FetchFailed(f"fetching {uri} failed: {exc}") from exc
    if resp.status == 410:
        raise ActorGone(f"{uri} is gone", 410)
    if resp.status != 200:
        raise FetchFailed(f"{uri} answered {resp.status}", resp.status)
    # GHSA-jhrq-qvrm-qr36: only AS media types count as AS documents (FEP-fe34).
    if not is_activity_media_type(resp.headers.get("Content-Type")):
        raise FetchFailed(f"{uri} is not an ActivityStreams document")
    try:
        doc = resp.json()
    except ValueError as exc:
        raise FetchFailed(f"{uri} is not JSON") from exc
    if not isinstance(doc, dict):
        raise FetchFailed(f"{uri} is not a JSON object")
    # Mastodon's fetch_resource: the document must be what was asked for.
    if urldefrag(str(doc.get("id", "")))[0] != urldefrag(uri)[0]:
        raise FetchFailed(f"{uri} answered with another id ({doc.get('id')!r})")
    return doc


def _store_actor(doc: dict[str, Any]) -> RemoteActor:
    uri = doc["id"]
    endpoints = doc.get("endpoints") if isinstance(doc.get("endpoints"), dict) else {}
    key = _pick_key(doc, None)
    values = {
        "type": str(doc.get("type", "Person"))[:32],
        "preferred_username": str(doc.get("preferredUsername") or "")[:120],
        "name": str(doc.get("name") or "")[:200],
        "host": urlsplit(uri).netloc.lower(),
        "url": _profile_url(doc, uri),
        "inbox": str(doc.get("inbox") or ""),
        "shared_inbox": str(endpoints.get("sharedInbox") or ""),
        "followers": str(get_id(doc.get("followers")) or ""),
        "key_id": key[0] if key else "",
        "public_key_pem": key[1] if key else "",
        "fetched_at": utcnow(),
        "gone": False,
    }
    residence.store_remote(doc)  # its attestation (or none any more) and its assertion keys
    row = RemoteActor.get_or_none(RemoteActor.uri == uri)
    if row is None:
        try:
            # a savepoint: two first deliveries from one actor may race to insert it (PostgreSQL)
            with RemoteActor._meta.database.atomic():
                return RemoteActor.create(uri=uri, **values)
        except pw.IntegrityError:
            row = RemoteActor.get(RemoteActor.uri == uri)
    RemoteActor.update(**values).where(RemoteActor.id == row.id).execute()
    return RemoteActor.get_by_id(row.id)


def _profile_url(doc: dict[str, Any], uri: str) -> str:
    """The actor's profile page: an http(s) `url` on the actor's own origin, else its id."""
    url = page_url(doc, uri)
    return url if same_origin(url, uri) else web_url(uri)[:500]


def store_actor(doc: dict[str, Any]) -> RemoteActor:
    """Insert or refresh the cached copy of a remote actor document (runs on a DB thread)."""
    return _store_actor(doc)


def _pick_key(doc: dict[str, Any], wanted: str | None) -> tuple[str, str] | None:
    """(key id, PEM) from publicKey (an object or a list); the one with id == wanted if given."""
    for entry in as_list(doc.get("publicKey")):
        if not isinstance(entry, dict) or not isinstance(entry.get("publicKeyPem"), str):
            continue
        if wanted is None or entry.get("id") == wanted:
            return str(entry.get("id", "")), entry["publicKeyPem"]
    return None


def _validate_actor(doc: dict[str, Any]) -> None:
    if doc.get("type") not in ACTOR_TYPES:
        raise FetchFailed(f"{doc.get('id')} is a {doc.get('type')!r}, not an actor")
    if not isinstance(doc.get("inbox"), str):
        raise FetchFailed(f"{doc.get('id')} has no inbox")


def _mark_gone(uri: str) -> None:
    RemoteActor.update(gone=True).where(RemoteActor.uri == uri).execute()


async def fetch_actor(node: Node, uri: str, refresh: bool = False) -> RemoteActor:
    """A remote actor from the cache, or fetched (signed) and cached; ActorGone on 410."""
    uri = urldefrag(uri)[0]
    row = await node.db.run(RemoteActor.get_or_none, RemoteActor.uri == uri)
    if row is not None and not refresh and row.fetched_at > utcnow() - CACHE_FOR:
        return row
    try:
        doc = await fetch_document(node, uri)
    except ActorGone:
        await node.db.run(_mark_gone, uri)
        raise
    _validate_actor(doc)
    row = await node.db.atomic(_store_actor, doc)
    if "residenceAttestation" in doc:
        await fetch_issuer_keys(node, uri)
    return row


async def fetch_issuer_keys(node: Node, actor_uri: str, claim: Any = None) -> None:
    """Fetch the Group that attests a remote actor when its key is missing or no longer verifies.

    Only for issuers that could count (twins, trusted nodes): a stranger's claim makes us fetch
    nothing. A failure leaves the attestation unverified."""
    issuer = await node.db.run(residence.issuer_needing_key, actor_uri, claim)
    if issuer is None or node.urls.is_local(issuer):
        return
    try:
        doc = await fetch_document(node, issuer)
        _validate_actor(doc)
    except FetchFailed as exc:
        log.info("attestation issuer %s: %s", issuer, exc.reason)
        return
    await node.db.atomic(_store_actor, doc)


def _local_key(node: Node, kid: str) -> tuple[str, str] | None:
    base, _frag = urldefrag(kid)
    handle = local_handle(node, base)
    if handle is None or (handle != INSTANCE and find_local(handle) is None):
        return None
    return base, ensure_key(handle).public_pem


async def public_key_for(node: Node, kid: str, refresh: bool = False) -> tuple[str, str]:
    """(owner actor URI, PEM) for a keyId: `actor#main-key` or a separate key document."""
    if node.urls.is_local(kid):
        # Pleroma's contain_local_fetch: our own keys come from our database, never over HTTP.
        found = await node.db.run(_local_key, node, kid)
        if found is None:
            raise FetchFailed(f"unknown local key {kid}")
        return found
    if not refresh:
        row = await node.db.run(RemoteActor.get_or_none, RemoteActor.key_id == kid)
        if row is not None and row.public_key_pem and not row.gone:
            return row.uri, row.public_key_pem
    base = urldefrag(kid)[0]
    doc = await fetch_document(node, base)
    if doc.get("type") in ACTOR_TYPES and isinstance(doc.get("inbox"), str):
        owner_doc = doc
    else:
        # A key document or GtS's stub actor: follow owner/controller, then require the
        # actor to point back at this key (the bidirectional claim, MDOC security.md).
        entry = _pick_key(doc, kid) or (
            (kid, doc["publicKeyPem"]) if "publicKeyPem" in doc else None
        )
        owner = doc.get("owner") or doc.get("controller")
        if owner is None:
            key_obj = next((k for k in as_list(doc.get("publicKey")) if isinstance(k, dict)), {})
            owner = key_obj.get("owner")
        if not isinstance(owner, str) or entry is None:
            raise FetchFailed(f"{kid} names no owner")
        owner_doc = await fetch_document(node, owner)
    _validate_actor(owner_doc)
    key = _pick_key(owner_doc, kid)
    if key is None:
        raise FetchFailed(f"the owner of {kid} does not publish that key")
    await node.db.atomic(_store_actor, owner_doc)
    return owner_doc["id"], key[1]


def remote_resident(actor: RemoteActor) -> Resident:
    """The Resident stub of a remote person (created on first need); runs on a DB thread."""
    if actor.resident_id:
        resident = Resident.get_or_none(Resident.id == actor.resident_id)
        if resident is not None:
            return resident
    username = actor.preferred_username or actor.uri.rstrip("/").rsplit("/", 1)[-1]
    resident = residents.remote_stub(
        actor.uri, actor.host, username, actor.name, actor.url, str(actor.id)
    )
    RemoteActor.update(resident=resident.id).where(RemoteActor.id == actor.id).execute()
    return resident


def author_of(sender: str) -> Resident:
    """The Resident stub of the sending actor (its document was cached before the transaction)."""
    remote = RemoteActor.get_or_none(RemoteActor.uri == sender)
    if remote is None:
        raise FetchFailed(f"actor {sender} could not be fetched")
    return remote_resident(remote)
