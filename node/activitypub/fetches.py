"""Signed GETs from other servers: which node is asking, so it is shown what it may read."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from node.activitypub import actors, inbox, trust
from node.activitypub.audience import host_of
from node.activitypub.signatures import SignatureError, key_id_from_headers, signature_scheme
from node.runtime import Node

log = logging.getLogger("quartier.fetches")


async def signer_host(node: Node, method: str, path_qs: str, headers: Mapping[str, str]) -> str:
    """The host of the remote actor whose valid signature this request carries, else "".

    An unsigned, badly signed, local or blocked signer reads as a visitor (public items only);
    the key's owner must live on the key's own host (FEP-fe34)."""
    try:
        scheme = signature_scheme(headers)
        kid = key_id_from_headers(headers) if scheme else None
    except SignatureError:
        return ""
    if not scheme or not kid or node.urls.is_local(kid):
        return ""
    host = host_of(kid)
    if await node.db.run(trust.refused_url, kid):
        return ""
    try:
        owner, pem = await actors.public_key_for(node, kid)
        inbox._verify(node, scheme, method, path_qs, headers, b"", pem)
    except (actors.FetchFailed, SignatureError) as exc:
        log.info("signed fetch from %s not accepted: %s", host, exc)
        return ""
    return host if host_of(owner) == host else ""
