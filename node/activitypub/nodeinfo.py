"""NodeInfo 2.0/2.1 discovery links and documents (jhass/nodeinfo schemas, FEP-f1d5, FEP-0151)."""

from __future__ import annotations

from typing import Any

SOFTWARE_NAME = "quartier"  # schema pattern ^[a-z0-9-]+$
SUPPORTED_VERSIONS = ("2.1", "2.0")
# FEP-2677: the discovery document also points at the server's Application actor.
REL_APPLICATION = "https://www.w3.org/ns/activitystreams#Application"


def schema_rel(version: str) -> str:
    """The rel of a NodeInfo schema version in /.well-known/nodeinfo."""
    return f"http://nodeinfo.diaspora.software/ns/schema/{version}"


def content_type(version: str) -> str:
    """The Content-Type the protocol recommends for a NodeInfo document."""
    return f'application/json; profile="{schema_rel(version)}#"'


def nodeinfo_links(base_url: str, instance_actor_url: str) -> dict[str, Any]:
    """The /.well-known/nodeinfo JRD: newest schema first, then the FEP-2677 actor link."""
    base = base_url.rstrip("/")
    links = [{"rel": schema_rel(v), "href": f"{base}/nodeinfo/{v}"} for v in SUPPORTED_VERSIONS]
    links.append({"rel": REL_APPLICATION, "href": instance_actor_url})
    return {"links": links}


def nodeinfo_document(
    version: str,
    software_version: str,
    users_total: int | None,
    active_month: int | None,
    active_halfyear: int | None,
    local_posts: int | None,
    open_registrations: bool,
    node_name: str,
    node_description: str,
    *,
    repository: str | None = None,
    homepage: str | None = None,
) -> dict[str, Any]:
    """A NodeInfo document valid against the 2.0 or 2.1 schema.

    Counts given as None are left out rather than invented (FEP-0151: no false statistics),
    but `usage.users` stays present because the schema requires it.
    """
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"unsupported NodeInfo version {version!r}")
    software: dict[str, Any] = {"name": SOFTWARE_NAME, "version": software_version}
    # 2.0's software object allows only name and version (additionalProperties: false).
    if version == "2.1":
        if repository:
            software["repository"] = repository
        if homepage:
            software["homepage"] = homepage
    users = {
        key: value
        for key, value in (
            ("total", users_total),
            ("activeMonth", active_month),
            ("activeHalfyear", active_halfyear),
        )
        if value is not None
    }
    usage: dict[str, Any] = {"users": users}
    if local_posts is not None:
        usage["localPosts"] = local_posts
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": bool(open_registrations),
        "usage": usage,
        # FEP-0151 common metadata keys.
        "metadata": {"nodeName": node_name, "nodeDescription": node_description},
    }
