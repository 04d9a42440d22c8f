"""Image uploads (#13.8): refused from the header over the pixel cap, decoded on the image threads
(never the database threads), within a memory budget, and no file left behind by a failed change."""

from __future__ import annotations

import asyncio
import io
import threading
from pathlib import Path

import aiohttp
import pytest
from helpers import csrf_token, login, make_quarter, make_resident, node_of, post_file
from PIL import Image

from node.app import create_app
from node.imaging import ImagePool
from node.local import images
from node.local.listings.models import Listing, ListingPhoto
from node.local.models import Resident


def png(size) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def jpeg(size, orientation=None) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def app(make_settings):
    # a small cap, so the test images stay small: 1,000,000 pixels
    return create_app(make_settings(max_image_pixels=1_000_000))


async def publish(client, photos, **fields):
    token = await csrf_token(client, "/listings/new")
    form = aiohttp.FormData()
    values = {"kind": "offer", "type": "loan", "title": "Perceuse", "csrf_token": token, **fields}
    for key, value in values.items():
        form.add_field(key, value)
    for n, photo in enumerate(photos):
        form.add_field("photos", photo, filename=f"p{n}.png", content_type="image/png")
    return await client.post("/listings", data=form, allow_redirects=False)


async def signed_in(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice")
    await login(client, "alice")
    return node


def media_files(node) -> list[str]:
    media = Path(node.settings.data_dir) / "media"
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


async def test_a_photo_over_the_pixel_cap_is_refused_in_the_readers_language(client):
    node = await signed_in(client)
    # Given one good photo and one of 1001 × 1000 pixels (a few kB, one pixel row over the cap)
    response = await publish(client, [png((400, 300)), png((1001, 1000))])
    text = await response.text()
    assert response.status == 400
    assert "The image is too large: 1001 × 1000 pixels (at most 1 megapixels)" in text
    assert await node.db.run(Listing.select().count) == 0
    assert media_files(node) == []  # nothing decoded, nothing written
    client.session.cookie_jar.update_cookies({"q_lang": "fr"})
    response = await publish(client, [png((2000, 2000))])
    assert "L’image est trop grande : 2000 × 2000 pixels" in await response.text()
    client.session.cookie_jar.update_cookies({"q_lang": "de"})
    response = await publish(client, [png((2000, 2000))])
    assert "Das Bild ist zu groß: 2000 × 2000 Pixel" in await response.text()
    # and exactly at the cap it is kept
    assert (await publish(client, [png((1000, 1000))])).status == 303
    assert len(media_files(node)) == 2  # full size and thumbnail


async def test_an_avatar_over_the_pixel_cap_is_refused(client):
    node = await signed_in(client)
    response = await post_file(
        client, "/settings/avatar", "avatar", png((1500, 1000)), "me.png", "image/png",
        page="/settings",
    )  # fmt: skip
    assert response.status == 400
    assert "The image is too large: 1500 × 1000 pixels" in await response.text()
    alice = await node.db.run(lambda: Resident.get(Resident.username == "alice"))
    assert alice.avatar == "" and media_files(node) == []
    # a new avatar replaces the old file once committed
    for _ in range(2):
        ok = await post_file(
            client, "/settings/avatar", "avatar", png((900, 600)), "me.png", "image/png",
            page="/settings",
        )  # fmt: skip
        assert ok.status == 303
    alice = await node.db.run(lambda: Resident.get(Resident.username == "alice"))
    assert media_files(node) == [alice.avatar]


async def test_photos_are_decoded_on_the_image_threads_not_the_database_threads(
    client, monkeypatch
):
    await signed_in(client)
    threads: list[str] = []
    render = images.render

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return render(*args, **kwargs)

    monkeypatch.setattr(images, "render", spy)
    assert (await publish(client, [png((800, 600)), png((600, 800))])).status == 303
    assert len(threads) == 2 and all(name.startswith("image") for name in threads), threads


async def test_files_of_photos_refused_by_the_transaction_are_removed(client):
    node = await signed_in(client)
    response = await publish(client, [png((300, 200))] * 6)
    listing_id = int(response.headers["Location"].rsplit("/", 1)[1])
    before = media_files(node)
    assert len(before) == 12
    # a seventh photo through the edit form: decoded and written, then refused in the transaction
    token = await csrf_token(client, f"/listings/{listing_id}/edit")
    form = aiohttp.FormData()
    form.add_field("csrf_token", token)
    form.add_field("photos", png((300, 200)), filename="p.png", content_type="image/png")
    edit = await client.post(f"/listings/{listing_id}/edit", data=form, allow_redirects=False)
    assert edit.status == 400 and "at most 6 photos" in await edit.text()
    assert media_files(node) == before
    assert await node.db.run(ListingPhoto.select().count) == 6
    # removing a photo removes its files after the commit
    photo = await node.db.run(lambda: ListingPhoto.select().first())
    token = await csrf_token(client, f"/listings/{listing_id}/edit")
    removed = await client.post(
        f"/listings/{listing_id}/photos/{photo.id}/delete",
        data={"csrf_token": token},
        allow_redirects=False,
    )
    assert removed.status == 303
    assert len(media_files(node)) == 10


def test_header_cost_of_a_large_jpeg_uses_reduced_scale_decoding():
    data = jpeg((4000, 3000))
    header = images.inspect(data, 25_000_000, 10_000_000, "photo", 1600)
    assert (header.width, header.height) == (4000, 3000)
    assert header.cost == 2000 * 1500 * 4  # decoded at half scale, not 48 MB
    (full, width, height), (thumb, *_) = images.render(data, header.mime, (1600, 400))
    assert (width, height) == (1600, 1200)
    assert max(Image.open(io.BytesIO(thumb)).size) == 400


def test_orientation_is_applied_after_shrinking():
    # orientation 6: the camera was turned; the stored pixels are landscape, the photo is portrait
    data = jpeg((2000, 1000), orientation=6)
    [(full, width, height)] = images.render(data, "image/jpeg", (1600,))
    assert (width, height) == (800, 1600)
    assert 0x0112 not in Image.open(io.BytesIO(full)).getexif()


async def test_the_pool_keeps_decoded_memory_within_its_budget():
    pool = ImagePool(workers=4, budget=100)
    first_started, release = threading.Event(), threading.Event()
    order: list[str] = []

    def big(name: str) -> str:
        order.append(name)
        first_started.set()
        release.wait(10)
        return name

    first = asyncio.ensure_future(pool.run(60, big, "first"))
    await asyncio.to_thread(first_started.wait, 10)
    second = asyncio.ensure_future(pool.run(60, order.append, "second"))
    small = asyncio.ensure_future(pool.run(10, order.append, "small"))
    await asyncio.sleep(0)  # let both ask for their share
    # 60 + 60 > 100: the second waits, and the small one waits behind it (first come, first served)
    assert order == ["first"] and len(pool.waiting) == 2
    release.set()
    assert await first == "first"
    await asyncio.gather(second, small)
    assert order == ["first", "second", "small"] and pool.free == 100
    pool.close()
