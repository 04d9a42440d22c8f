"""Support for cross-border tests: nodes settled until quiet, API calls, signing as a resident."""

from __future__ import annotations

import datetime as dt
import json

import aiohttp
from ap_support import AS, publish_listing, start_node
from helpers import make_quarter, make_resident, make_token

from node import following
from node.activitypub import actors
from node.activitypub.signatures import sign_request
from node.local.listings.models import Listing


async def settle(*nodes, rounds=10):
    """Run every node's background steps, repeatedly, until none has anything left."""
    for _ in range(rounds):
        if not sum([await n.drain() for n in nodes]):
            return
    raise AssertionError("the nodes never went quiet")


async def call(node, method, path, token, json_body=None):
    """The node's JSON API over real HTTP with a bearer token: (status, body)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as session:
        async with session.request(
            method, node.urls.base + path, json=json_body, headers=headers
        ) as resp:
            body = await resp.json(content_type=None) if resp.content_length != 0 else None
            return resp.status, body


async def post_signed(node, handle, url, activity=None, body=None):
    """POST an activity to another node's inbox signed with one of `node`'s actors."""
    body = body if body is not None else json.dumps(activity).encode()
    key = await node.db.run(actors.private_key, node, handle)
    headers = {"Content-Type": AS}
    headers.update(
        sign_request(
            key, node.urls.key(handle), "POST", url, headers, body, dt.datetime.now(dt.UTC)
        )
    )
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers=headers) as resp:
            return resp.status


async def nodes(make_settings, *specs):
    """Start one node per (name, quarter slug, country, [residents]); returns dicts with tokens."""
    started = []
    for name, slug, country, people in specs:
        node, runner = await start_node(make_settings, name)
        quarter = await make_quarter(node, slug, slug.title(), country=country)
        residents, tokens = {}, {}
        for username in people:
            residents[username] = await make_resident(
                node, username, quarter=slug, language=country.lower()
            )
            tokens[username] = await make_token(node, residents[username].id)
        started.append(
            {
                "node": node,
                "runner": runner,
                "quarter": quarter,
                "residents": residents,
                "tokens": tokens,
            }
        )
    return started


async def stop(*started):
    for item in started:
        await item["runner"].cleanup()


async def share_listing(lender_side, borrower_side, follower, author, **fields):
    """`follower` (borrower side) follows the lender's quarter, then `author` lists an object."""
    a, b = borrower_side["node"], lender_side["node"]
    await following.follow(a, follower, f"@{lender_side['quarter'].slug}@{b.urls.host}")
    await settle(a, b)
    listing = await publish_listing(
        b, lender_side["residents"][author], lender_side["quarter"], **fields
    )
    await settle(a, b)
    remote = await a.db.run(lambda: Listing.get(Listing.external_ref == b.urls.listing(listing.id)))
    return listing, remote
