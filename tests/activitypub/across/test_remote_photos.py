"""Remote photos: fetched in the background, size-capped, type-checked from bytes, re-encoded."""

import io

from aiohttp import web
from ap_support import PUBLIC, Peer
from PIL import Image
from three_nodes import start_site

from node.activitypub import remote_media
from node.local.listings import photos as listing_photos
from node.local.listings.models import Listing, ListingPhoto


def png_bytes(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG", optimize=True)
    return out.getvalue()


async def test_remote_listing_photos_are_fetched_checked_and_cached(make_settings, cleanup):
    fr = await start_site(make_settings, "fr")
    peer = Peer()
    big = b"\x89PNG" + b"0" * (remote_media.MAX_BYTES + 10)
    served = {"photo.png": png_bytes(), "fake.png": b"<html>not an image</html>", "big.png": big}
    served["huge.png"] = png_bytes((5001, 5001))  # 84 kB, 25 megapixels and a row: over the cap

    async def media(request):
        return web.Response(body=served[request.match_info["name"]], content_type="image/png")

    peer.app.router.add_get("/media/{name}", media)
    await peer.start()
    cleanup.push_async_callback(fr.runner.cleanup)
    cleanup.push_async_callback(peer.stop)
    note = {
        "id": peer.base + "/objects/1", "type": "Note", "attributedTo": peer.uri("bob"),
        "purpose": "offer", "listingType": "loan", "name": "Échelle", "content": "<p>Échelle</p>",
        "to": [PUBLIC], "updated": "2026-01-01T10:00:00Z",
        "attachment": [
            {"type": "Image", "mediaType": "image/png", "url": f"{peer.base}/media/{name}"}
            for name in ("photo.png", "fake.png", "big.png", "huge.png")
        ],
    }  # fmt: skip
    create = {
        "id": peer.base + "/activities/1",
        "type": "Create",
        "actor": peer.uri("bob"),
        "object": note,
    }
    status, _ = await peer.post(fr.node.urls.base + "/inbox", create)
    assert status == 202
    await fr.node.drain()
    photos = await fr.node.db.run(
        lambda: list(ListingPhoto.select().order_by(ListingPhoto.position))
    )
    assert [p.remote_url.rsplit("/", 1)[1] for p in photos] == [
        "photo.png",
        "fake.png",
        "big.png",
        "huge.png",
    ]
    good, fake, too_big, huge = photos
    assert good.name and good.mime == "image/png" and (good.width, good.height) == (64, 48)
    folder = listing_photos.media_dir(fr.node.settings.data_dir)
    assert listing_photos.path_of(folder, good.name) is not None
    assert (fake.name, fake.mime) == ("", listing_photos.REMOTE_FAILED)
    assert (too_big.name, too_big.mime) == ("", listing_photos.REMOTE_FAILED)
    assert (huge.name, huge.mime) == (
        "",
        listing_photos.REMOTE_FAILED,
    )  # refused from its header
    listing = await fr.node.db.run(lambda: Listing.get(Listing.external_ref == note["id"]))
    assert listing.reach == "public" and listing.origin == peer.host
