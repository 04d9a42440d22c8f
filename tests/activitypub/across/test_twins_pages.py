"""A twinned quarter's listing on the other node's pages: in /listings with its origin, photo attached."""

import io

from PIL import Image
from three_nodes import logged_in_session, settle, start_site, twin

from node.commit import commit
from node.local import images
from node.local.listings import drafts as listing_drafts
from node.local.listings import photos as listing_photos
from node.local.listings import write as listings
from node.local.listings.models import Listing, ListingPhoto


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 120, 60)).save(out, "JPEG")
    return out.getvalue()


async def test_twins_listing_with_photo_is_listed_and_linked_locally(make_settings):
    fr = await start_site(make_settings, "fr")
    de = await start_site(make_settings, "de")
    session = None
    try:
        await twin(fr, de)
        folder = listing_photos.media_dir(fr.node.settings.data_dir)
        saved = images.save(folder, jpeg(), "image/jpeg", listing_photos.SIDES)  # before the tx

        def publish_with_photo(tx):
            draft = listing_drafts.ListingDraft.parse(
                {"kind": "offer", "type": "loan", "title": "Perceuse", "reach": "twins"}
            )
            listing = listings.publish(tx, fr.resident.id, draft)
            listing_photos.add(tx, fr.resident.id, listing.id, saved)
            return listing

        await commit(fr.node, publish_with_photo)
        await settle(fr, de)
        copy = await de.node.db.run(lambda: Listing.get(Listing.external_ref.is_null(False)))
        photo = await de.node.db.run(lambda: ListingPhoto.get(ListingPhoto.listing == copy.id))
        assert photo.remote_url.startswith(fr.node.urls.base + "/media/listings/")
        assert photo.thumb and (photo.width, photo.height) == (640, 480)  # fetched and re-encoded

        session = await logged_in_session(de, de.resident.username)
        base = de.node.urls.base
        async with session.get(base + "/listings?scope=twins") as resp:
            page = await resp.text()
        assert f'href="/listings/{copy.id}"' in page and "Saint-Servan" in page
        assert f"/media/listings/{photo.thumb}" in page
        async with session.get(base + "/listings?scope=quarter") as resp:
            assert "Perceuse" not in await resp.text()
        async with session.get(base + "/?scope=twins") as resp:
            feed = await resp.text()
        # the feed links to the local copy (where "ask to borrow" is), not to the origin node
        assert f'<a href="/listings/{copy.id}">Perceuse</a>' in feed
        async with session.get(f"{base}/listings/{copy.id}") as resp:
            detail = await resp.text()
        # the German resident reads the page in German
        assert "Saint-Servan, FR" in detail and "Auf dem Heimatknoten ansehen" in detail
        assert "/messages/new?to=%40resident_fr%40127.0.0.1" in detail
        assert f'action="/listings/{copy.id}/loans"' in detail
    finally:
        if session is not None:
            await session.close()
        await fr.runner.cleanup()
        await de.runner.cleanup()
