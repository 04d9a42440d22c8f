"""Remote listing photos: fetched in the background through the SSRF-safe client, capped at 5 MB,
type-checked from the bytes, re-encoded (no EXIF) and cached under the node's media folder."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from node.activitypub import actors, trust
from node.activitypub.http import FetchError, SafeClient
from node.activitypub.models import INSTANCE
from node.local.errors import Invalid
from node.local.listings import photos as listing_photos
from node.runtime import Node

log = logging.getLogger("quartier.media")

MAX_BYTES = 5 * 1024 * 1024
BATCH = 10


@contextlib.asynccontextmanager
async def media_client_ctx(node: Node) -> AsyncIterator[None]:
    """A second SafeClient with a photo-sized cap (the main one caps documents at 1 MB)."""
    settings = node.settings
    client = SafeClient(
        allow_private=settings.allow_private_addresses,
        allow_http=settings.allow_http,
        total_timeout=settings.http_timeout_seconds,
        max_bytes=MAX_BYTES,
        user_agent=f"Quartier (+{settings.public_url})",
    )
    node.media_http = client
    try:
        yield
    finally:
        node.media_http = None
        await client.close()


async def _instance_signer(node: Node):
    sign = node.keys.instance_signer
    if sign is None:
        await node.db.run(actors.private_key, node, INSTANCE)
        sign = node.keys.instance_signer = actors.signer(node)
    return sign


async def fetch_due(node: Node) -> int:
    """One batch of remote photos: fetch, check, re-encode, store; failures are not retried."""
    client = node.media_http
    if client is None:
        return 0
    photos = await node.db.run(listing_photos.remote_due, BATCH)
    if not photos:
        return 0
    from node.local import images  # the image checks and codecs: with the first photo to keep

    folder = listing_photos.media_dir(node.settings.data_dir)
    for photo in photos:
        try:
            if await node.db.run(trust.refused_url, photo.remote_url):
                raise FetchError("host refused")
            # signed like any fetch: photos of twins items are served to their twins' nodes only
            sign = await _instance_signer(node)
            resp = await client.get(photo.remote_url, {"Accept": "image/*"}, sign=sign)
            if resp.status != 200:
                raise FetchError(f"answered {resp.status}")
            # decoded on the image threads with the pixel cap, never on the database threads
            header = images.inspect(
                resp.body,
                node.settings.max_image_pixels,
                MAX_BYTES,
                "photo",
                listing_photos.FULL_SIDE,
            )
            saved = await node.images.run(
                header.cost, images.save, folder, resp.body, header.mime, listing_photos.SIDES
            )
            try:
                kept = await node.db.atomic(listing_photos.remote_fetched, photo.id, saved)
            except BaseException:
                images.discard(folder, saved.names)
                raise
            if not kept:  # another process fetched it at the same time: one copy is enough
                images.discard(folder, saved.names)
        except (FetchError, Invalid, OSError, ValueError) as exc:
            log.info("remote photo %s not kept: %s", photo.remote_url, exc)
            await node.db.atomic(listing_photos.remote_failed, photo.id)
    return len(photos)
