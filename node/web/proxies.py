"""The client's address behind a trusted reverse proxy (X-Forwarded-For), for rate limits and logs.

Only the proxies named in QUARTIER_TRUSTED_PROXIES are believed: anyone else could write the header.
The client is the right-most address of X-Forwarded-For that is not itself a trusted proxy (each
proxy appends the address it saw; everything left of our last proxy could be forged).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from functools import lru_cache

from aiohttp import web

from node.appkeys import node_key

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_networks(value: str) -> tuple[Network, ...]:
    """ "127.0.0.1, 10.0.0.0/8" → networks; raises ValueError on a bad entry."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in value.split(",")
        if part.strip()
    )


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(peer: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The address to count a request against (pure)."""
    if not networks or not _trusted(peer, networks):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed chain: count it against the proxy, never trust it
        if not _trusted(hop, networks):
            return hop
    return peer


@web.middleware
async def real_client(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    networks = parse_networks(request.app[node_key].settings.trusted_proxies)
    if networks and request.remote:
        address = client_address(
            request.remote, request.headers.get("X-Forwarded-For", ""), networks
        )
        if address != request.remote:
            request = request.clone(remote=address)
    return await handler(request)
