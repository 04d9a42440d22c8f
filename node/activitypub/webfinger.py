"""WebFinger (RFC 7033): JRD and host-meta builders, resource parsing, and the acct: lookup client."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import quoteattr

from node.activitypub.http import FetchError, SafeClient
from node.activitypub.vocab import ACTIVITY_JSON, AS_CONTEXT, JRD_JSON, is_activity_media_type

REL_SELF = "self"
REL_PROFILE = "http://webfinger.net/rel/profile-page"
REL_SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
# Lemmy marks each self link with the actor type so clients can tell Person from Group.
PROP_TYPE = f"{AS_CONTEXT}#type"

# Conservative: what Mastodon and Mobilizon (\w+) both resolve, plus dots and dashes.
_USERNAME = re.compile(r"^[a-z0-9_][a-z0-9_.-]*$")


class WebfingerError(Exception):
    """A resource could not be served (status 400 or 404) or a lookup failed (status None)."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def jrd_for(
    subject_acct: str,
    actor_url: str,
    profile_url: str | None = None,
    kind: str = "Person",
    *,
    subscribe_template: str | None = None,
) -> dict[str, Any]:
    """The JRD for one actor, shaped like Mastodon's (MDOC spec/webfinger.md).

    `subject_acct` is "acct:user@host" (the prefix is added when missing) or, for the
    instance actor, the server URL (FEP-d556). `subscribe_template` is the remote-follow
    URL with "{uri}" (OStatus subscribe link that Mastodon and Mobilizon read).
    """
    subject = subject_acct
    if not subject.startswith(("acct:", "https://", "http://")):
        subject = "acct:" + subject
    links: list[dict[str, Any]] = []
    if profile_url:
        links.append({"rel": REL_PROFILE, "type": "text/html", "href": profile_url})
    links.append(
        {
            "rel": REL_SELF,
            "type": ACTIVITY_JSON,
            "href": actor_url,
            "properties": {PROP_TYPE: kind},
        }
    )
    if subscribe_template:
        links.append({"rel": REL_SUBSCRIBE, "template": subscribe_template})
    aliases = [u for u in (profile_url, actor_url) if u]
    return {"subject": subject, "aliases": list(dict.fromkeys(aliases)), "links": links}


def _norm_host(host: str) -> str:
    return host.strip().rstrip(".").lower()


def parse_acct(resource: str | None, local_host: str) -> str:
    """The local username a WebFinger `resource` names, lowercased.

    Accepts "acct:user@host", "user@host" and "@user@host", case-insensitively. The server
    URL "https://host/" (FEP-d556) names the instance actor, whose username is the host
    itself, as on Mastodon. Raises WebfingerError with status 400 (missing or malformed)
    or 404 (another host, or a URL we do not map).
    """
    if not resource or not resource.strip():
        raise WebfingerError("resource parameter is required", 400)
    value = resource.strip()
    host = _norm_host(local_host)
    if value.lower().startswith(("https://", "http://")):
        parts = urlsplit(value)
        if _norm_host(parts.netloc) != host:
            raise WebfingerError("resource is not on this server", 404)
        if parts.path in ("", "/") and not parts.query:
            return host
        raise WebfingerError("only acct: resources and the server URL are supported", 404)
    if value.lower().startswith("acct:"):
        value = value[5:]
    value = value.removeprefix("@")
    user, sep, domain = value.rpartition("@")
    if not sep or not user or not domain:
        raise WebfingerError("resource must look like acct:user@host", 400)
    if _norm_host(domain) != host:
        raise WebfingerError("resource is not on this server", 404)
    user = user.lower()
    if not _USERNAME.match(user):
        raise WebfingerError("malformed user name in resource", 400)
    return user


def host_meta_xml(base_url: str) -> str:
    """host-meta XRD with the lrdd template (RFC 6415); Mobilizon's client reads it first."""
    template = base_url.rstrip("/") + "/.well-known/webfinger?resource={uri}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type={quoteattr(JRD_JSON)} template={quoteattr(template)}/>\n'
        "</XRD>\n"
    )


def parse_handle(handle: str) -> tuple[str, str]:
    """Split "@user@host", "user@host" or "acct:user@host" into (user, host)."""
    value = handle.strip()
    if value.lower().startswith("acct:"):
        value = value[5:]
    value = value.removeprefix("@")
    user, sep, host = value.rpartition("@")
    if not sep or not user or not host or "/" in host or "@" in user:
        raise WebfingerError(f"not a fediverse handle: {handle!r}")
    return user, host


def self_link(jrd: Any, prefer_type: str | None = None) -> str | None:
    """The actor URL of a JRD: a self link with an ActivityPub media type.

    With several (Lemmy, name shared by a Person and a Group), `prefer_type` picks by the
    type property; otherwise the last one wins, as in Mastodon (LEMMY webfinger.rs).
    """
    if not isinstance(jrd, dict) or not isinstance(jrd.get("links"), list):
        return None
    found = []
    for link in jrd["links"]:
        if not isinstance(link, dict) or link.get("rel") != REL_SELF:
            continue
        href = link.get("href")
        if not isinstance(href, str) or urlsplit(href).scheme not in ("https", "http"):
            continue
        if not is_activity_media_type(link.get("type")):
            continue
        props = link.get("properties") if isinstance(link.get("properties"), dict) else {}
        found.append((props.get(PROP_TYPE), href))
    if prefer_type is not None:
        for kind, href in found:
            if kind == prefer_type:
                return href
    return found[-1][1] if found else None


async def resolve_handle(
    client: SafeClient, handle: str, scheme: str = "https", *, prefer_type: str | None = None
) -> str:
    """Look up "@user@host" by WebFinger and return the actor URL (WebfingerError on failure).

    Plain http is used only when both asked for and allowed by the client (test federations).
    """
    if scheme not in ("https", "http"):
        raise WebfingerError(f"unsupported scheme {scheme!r}")
    if scheme == "http" and not client.allow_http:
        raise WebfingerError("http WebFinger lookups are not allowed by this client")
    user, host = parse_handle(handle)
    resource = f"acct:{user}@{host}"
    url = f"{scheme}://{host}/.well-known/webfinger?resource={quote(resource, safe=':@')}"
    try:
        resp = await client.get(url, {"Accept": f"{JRD_JSON}, application/json"})
    except FetchError as exc:
        raise WebfingerError(f"WebFinger lookup of {resource} failed: {exc}") from exc
    if resp.status != 200:
        raise WebfingerError(f"WebFinger lookup of {resource} answered {resp.status}", resp.status)
    try:
        jrd = resp.json()
    except ValueError as exc:
        raise WebfingerError(f"WebFinger answer for {resource} is not JSON") from exc
    actor_url = self_link(jrd, prefer_type)
    if actor_url is None:
        raise WebfingerError(f"WebFinger answer for {resource} has no ActivityPub self link")
    return actor_url
