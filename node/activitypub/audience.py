"""Who receives a change: addressing by reach, follower inboxes grouped by shared inbox."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit

from node.activitypub.models import DomainBlock, Follower, HostState
from node.activitypub.vocab import PUBLIC
from node.urls import Urls


def twin_inboxes(quarter: Any) -> list[str]:
    """Inboxes of the quarter's accepted twins (node/activitypub/twinning.py)."""
    from node.activitypub import twinning

    return twinning.twin_inboxes(quarter)


def addressing(
    urls: Urls, reach: str, author_handle: str, quarter: Any | None
) -> tuple[list[str], list[str], list[str]] | None:
    """(to, cc, follower handles) for an item's reach, or None when it must not leave the node.

    public → to Public, cc the author's and the quarter's followers; twins → the quarter's twins;
    quarter → stays here.
    """
    handles = [author_handle] + ([quarter.slug] if quarter is not None else [])
    if reach == "public":
        return [PUBLIC], [urls.followers(h) for h in handles], handles
    if reach == "twins" and quarter is not None:
        from node.activitypub import twinning

        # addressed to the twins' Groups only: never Public, never followers
        return twinning.twin_actor_uris(quarter) or [urls.quarter(quarter.slug)], [], []
    return None


@functools.lru_cache(maxsize=4096)
def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


def unavailable_hosts(hosts: set[str]) -> set[str]:
    """Hosts that are blocked or have failed for days (skipped until they answer again)."""
    if not hosts:
        return set()
    blocked = {b.host for b in DomainBlock.select().where(DomainBlock.host.in_(list(hosts)))}
    down = {
        h.host
        for h in HostState.select().where(
            HostState.host.in_(list(hosts)) & HostState.unavailable_since.is_null(False)
        )
    }
    from node.activitypub import trust

    return blocked | down | trust.not_allowed(hosts)


def group_inboxes(inboxes: list[str]) -> list[str]:
    """Deduplicated inbox URLs without unavailable or blocked hosts (order kept)."""
    unique = list(dict.fromkeys(i for i in inboxes if i))
    skip = unavailable_hosts({host_of(i) for i in unique})
    return [i for i in unique if host_of(i) not in skip]


def follower_inboxes(handles: list[str]) -> list[str]:
    """One inbox per follower server: the shared inbox when it has one (Mastodon's rule)."""
    if not handles:
        return []
    rows = Follower.select(Follower.inbox, Follower.shared_inbox).where(
        Follower.handle.in_(handles) & (Follower.state == "accepted")
    )
    return group_inboxes([r.shared_inbox or r.inbox for r in rows])
