"""Local actors → ActivityStreams actor documents (Person, Group, Organization, the instance); pure."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from node.activitypub.as_activities import iso
from node.activitypub.contexts import ACTOR_CONTEXT
from node.urls import Urls

if TYPE_CHECKING:
    from node.local.models import Organisation, Quarter, Resident


def _public_key(urls: Urls, handle: str, public_pem: str) -> dict[str, Any]:
    actor = urls.actor(handle)
    return {"id": urls.key(handle), "owner": actor, "publicKeyPem": public_pem}


def _actor(urls: Urls, handle: str, kind: str, name: str, summary: str, pem: str) -> dict:
    actor = urls.actor(handle)
    return {
        "@context": ACTOR_CONTEXT,
        "id": actor,
        "type": kind,
        "preferredUsername": handle,
        "name": name,
        "summary": summary,
        "url": actor,
        "inbox": urls.inbox(handle),
        "outbox": urls.outbox(handle),
        "followers": urls.followers(handle),
        "following": urls.following(handle),
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "webfinger": f"{handle}@{urls.host}",  # FEP-2c59
        "publicKey": _public_key(urls, handle, pem),
    }


def resident_to_actor(urls: Urls, resident: Resident, public_pem: str) -> dict[str, Any]:
    """A local resident as a Person (no address, no position: those never leave the node)."""
    doc = _actor(urls, resident.username, "Person", resident.name, escape(resident.bio), public_pem)
    if resident.avatar:
        doc["icon"] = {"type": "Image", "url": urls.media(resident.avatar)}
    if resident.created_at:
        doc["published"] = iso(resident.created_at)
    return doc


def quarter_to_group(urls: Urls, quarter: Quarter, public_pem: str) -> dict[str, Any]:
    """A quarter as a FEP-1b12 Group that Mastodon, Lemmy and Mobilizon can follow."""
    doc = _actor(urls, quarter.slug, "Group", quarter.name, escape(quarter.description), public_pem)
    doc["manuallyApprovesFollowers"] = bool(quarter.approve_follows)
    if quarter.country:
        doc["country"] = quarter.country  # qr:country, shown as the origin of its items
    if quarter.center_lat is not None and quarter.center_lon is not None:
        doc["location"] = {
            "type": "Place",
            "name": quarter.name,
            "latitude": float(quarter.center_lat),
            "longitude": float(quarter.center_lon),
        }
    return doc


def organisation_to_actor(
    urls: Urls, organisation: Organisation, public_pem: str
) -> dict[str, Any]:
    """An organisation as an Organization (Mastodon, Mobilizon and Lemmy accept the type)."""
    doc = _actor(
        urls,
        organisation.handle,
        "Organization",
        organisation.name,
        escape(organisation.description),
        public_pem,
    )
    if organisation.website:
        doc["url"] = organisation.website
    return doc


def instance_actor(urls: Urls, node_name: str, public_pem: str) -> dict[str, Any]:
    """The server's Application actor (FEP-2677), fetchable unsigned; it signs our fetches."""
    actor = urls.instance_actor()
    return {
        "@context": ACTOR_CONTEXT,
        "id": actor,
        "type": "Application",
        "preferredUsername": urls.host.split(":")[0],
        "name": node_name,
        "url": urls.base + "/",
        "inbox": actor + "/inbox",
        "outbox": actor + "/outbox",
        "endpoints": {"sharedInbox": urls.shared_inbox()},
        "manuallyApprovesFollowers": True,
        "discoverable": False,
        "publicKey": {"id": actor + "#main-key", "owner": actor, "publicKeyPem": public_pem},
    }
