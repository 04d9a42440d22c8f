"""Trust between nodes: the allow-list mode, and which hosts each of our actors ever reached."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import peewee as pw

from node.activitypub.models import DomainBlock
from node.db import BaseModel
from node.local.models import utcnow

ALLOW_LIST = "allow_list"


class AllowedHost(BaseModel):
    """A host this node federates with when the allow-list mode is on (the "archipelago")."""

    host = pw.CharField(max_length=255, unique=True)
    note = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)


class FederationMode(BaseModel):
    """Runtime federation switches edited by admins (name → value); today only allow_list."""

    name = pw.CharField(max_length=40, unique=True)
    value = pw.CharField(max_length=200, default="")


class ActorHost(BaseModel):
    """A host (and the inbox used there) that received a delivery signed by one of our actors."""

    handle = pw.CharField(max_length=80)
    host = pw.CharField(max_length=255)
    inbox = pw.CharField(max_length=500)

    class Meta:
        indexes = ((("handle", "host"), True),)


TRUST_MODELS = [AllowedHost, FederationMode, ActorHost]


def host_of(url: str) -> str:
    return urlsplit(url or "").netloc.lower()


def allow_list_on() -> bool:
    row = FederationMode.get_or_none(FederationMode.name == ALLOW_LIST)
    return row is not None and row.value == "on"


def set_allow_list(on: bool) -> None:
    FederationMode.insert(name=ALLOW_LIST, value="on" if on else "off").on_conflict(
        conflict_target=[FederationMode.name], update={FederationMode.value: "on" if on else "off"}
    ).execute()


def allow(host: str, note: str = "") -> None:
    AllowedHost.insert(host=host.strip().lower(), note=note).on_conflict_ignore().execute()


def disallow(host: str) -> None:
    AllowedHost.delete().where(AllowedHost.host == host.strip().lower()).execute()


def not_allowed(hosts: Iterable[str]) -> set[str]:
    """The hosts outside the allow-list (none when the mode is off)."""
    hosts = {h for h in hosts if h}
    if not hosts or not allow_list_on():
        return set()
    listed = {r.host for r in AllowedHost.select().where(AllowedHost.host.in_(list(hosts)))}
    return hosts - listed


def refused_hosts(hosts: Iterable[str]) -> set[str]:
    """Hosts we send nothing to and fetch nothing from: blocked, or outside the allow-list."""
    hosts = {h for h in hosts if h}
    if not hosts:
        return set()
    blocked = {b.host for b in DomainBlock.select().where(DomainBlock.host.in_(list(hosts)))}
    return blocked | not_allowed(hosts)


def refused_url(url: str) -> bool:
    return bool(refused_hosts({host_of(url)}))


def block(host: str, reason: str = "") -> None:
    DomainBlock.insert(host=host.strip().lower(), reason=reason).on_conflict_ignore().execute()


def unblock(host: str) -> None:
    DomainBlock.delete().where(DomainBlock.host == host.strip().lower()).execute()


def remember(signer: str, inboxes: Iterable[str]) -> None:
    """Note the hosts a delivery signed by `signer` went to (so a deletion can reach them all)."""
    rows = {host_of(i): i for i in inboxes if i}
    if not rows:
        return
    ActorHost.insert_many(
        [{"handle": signer, "host": h, "inbox": i} for h, i in rows.items()]
    ).on_conflict_ignore().execute()


def known_inboxes(handle: str) -> list[str]:
    return [r.inbox for r in ActorHost.select().where(ActorHost.handle == handle)]


def one_per_host(inboxes: list[str]) -> list[str]:
    """The first inbox of each host (the shared ones come first in our lists)."""
    seen: dict[str, str] = {}
    for inbox in inboxes:
        seen.setdefault(host_of(inbox), inbox)
    return list(seen.values())


def state() -> dict[str, Any]:
    """What the admin page shows: the mode, the allowed hosts and the blocks."""
    return {
        "allow_list": allow_list_on(),
        "allowed": list(AllowedHost.select().order_by(AllowedHost.host)),
        "blocked": list(DomainBlock.select().order_by(DomainBlock.host)),
    }
