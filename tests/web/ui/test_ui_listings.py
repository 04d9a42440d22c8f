"""Listing and loan pages through real forms: publish with photos, ask to borrow, loan buttons, shelf."""

import io
import re

from helpers import csrf_token, login, sharing_pair
from PIL import Image

from node.local.listings.models import ListingPhoto


def jpeg_with_gps(size=(2400, 1200)) -> bytes:
    """A JPEG carrying EXIF with a GPS position (what phones write)."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 6.0, 30.0), "W", (1.0, 40.0, 12.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the test image has GPS
    return data


async def publish(client, photos=(), **fields):
    token = await csrf_token(client, "/listings/new")
    data = {
        "kind": "offer",
        "type": "loan",
        "title": "Perceuse",
        "description": "Bosch",
        "csrf_token": token,
    }
    data.update(fields)
    import aiohttp

    form = aiohttp.FormData()
    for key, value in data.items():
        form.add_field(key, value)
    for n, photo in enumerate(photos):
        form.add_field("photos", photo, filename=f"p{n}.jpg", content_type="image/jpeg")
    return await client.post("/listings", data=form, allow_redirects=False)


async def test_publish_with_photo_strips_exif_and_gps(client):
    node, *_ = await sharing_pair(client)
    await login(client, "alice")
    response = await publish(client, photos=[jpeg_with_gps()])
    assert response.status == 303, await response.text()
    location = response.headers["Location"]
    page = await (await client.get(location)).text()
    assert "Perceuse" in page and "Your listing is published." in page
    photos = await node.db.run(lambda: list(ListingPhoto.select()))
    assert len(photos) == 1 and photos[0].width == 1600 and photos[0].height == 800
    for name, side in ((photos[0].name, 1600), (photos[0].thumb, 400)):
        served = await client.get(f"/media/listings/{name}")
        assert served.status == 200 and served.content_type == "image/jpeg"
        image = Image.open(io.BytesIO(await served.read()))
        assert max(image.size) == side
        exif = image.getexif()
        assert not exif.get_ifd(0x8825) and 0x010F not in exif and "exif" not in image.info
    assert f"/media/listings/{photos[0].thumb}" in page
    assert (await client.get("/media/listings/..%2Fquartier.db")).status == 404


async def test_wrong_photo_type_is_refused_and_nothing_is_published(client):
    node, *_ = await sharing_pair(client)
    await login(client, "alice")
    response = await publish(client, photos=[b"GIF89a" + b"\0" * 100])
    assert response.status == 400
    assert "This type of file is not accepted" in await response.text()
    index = await (await client.get("/listings")).text()
    assert "No listing matches." in index


async def test_at_most_six_photos(client):
    node, *_ = await sharing_pair(client)
    await login(client, "alice")
    small = jpeg_with_gps((50, 50))
    response = await publish(client, photos=[small] * 7)
    assert response.status == 400 and "at most 6 photos" in await response.text()
    response = await publish(client, photos=[small] * 6)
    assert response.status == 303


async def test_missing_title_shows_the_form_again_with_the_error(client):
    await sharing_pair(client)
    await login(client, "alice")
    response = await publish(client, title="")
    text = await response.text()
    assert (
        response.status == 400
        and "Give your listing a title." in text
        and 'aria-invalid="true"' in text
    )


async def test_index_filters_and_search_box(client):
    await sharing_pair(client)
    await login(client, "alice")
    await publish(client, title="Perceuse")
    await publish(
        client, title="Leçons de piano", type="paid", price="20", price_unit="hour", kind="offer"
    )
    page = await (await client.get("/listings?q=piano")).text()
    assert "Leçons de piano" in page and "Perceuse" not in page
    page = await (await client.get("/listings?type=loan")).text()
    assert "Perceuse" in page and "piano" not in page
    assert 'role="search"' in page


async def test_author_actions_and_neighbour_forms(client):
    node, *_ = await sharing_pair(client)
    await login(client, "alice")
    location = (await publish(client)).headers["Location"]
    listing_id = int(location.rsplit("/", 1)[1])
    page = await (await client.get(location)).text()
    for label in ("Edit", "Mark as reserved", "Mark as done", "Renew", "Withdraw"):
        assert label in page
    assert "Ask to borrow" not in page
    token = await csrf_token(client, location)
    response = await client.post(f"/listings/{listing_id}/reserve", data={"csrf_token": token})
    assert 'id="listing-state">Reserved' in await response.text()
    edit = await client.post(
        f"/listings/{listing_id}/edit", data={"title": "Perceuse Bosch", "csrf_token": token}
    )
    assert "Perceuse Bosch" in await edit.text()
    # Bob sees the borrow form and the contact link
    await client.post("/logout", data={"csrf_token": token})
    await login(client, "bob")
    page = await (await client.get(location)).text()
    assert "Ask to borrow" in page and f"/messages/new?to=%40alice&amp;listing={listing_id}" in page
    assert "Mark as done" not in page


async def test_loan_pages_from_ask_to_thanks(client):
    import datetime as dt

    node, *_ = await sharing_pair(client)
    await login(client, "alice")
    location = (await publish(client)).headers["Location"]
    listing_id = int(location.rsplit("/", 1)[1])
    token = await csrf_token(client, location)
    await client.post("/logout", data={"csrf_token": token})
    await login(client, "bob")
    token = await csrf_token(client, location)
    start = dt.date.today() + dt.timedelta(days=1)
    response = await client.post(
        f"/listings/{listing_id}/loans",
        data={
            "from": start.isoformat(),
            "until": (start + dt.timedelta(days=3)).isoformat(),
            "message": "Merci d'avance",
            "csrf_token": token,
        },
        allow_redirects=False,
    )
    assert response.status == 303
    loan_url = response.headers["Location"]
    page = await (await client.get(loan_url)).text()
    assert (
        'id="loan-state">requested' in page and "Cancel the loan" in page and "Accept" not in page
    )
    bad = await client.post(
        f"/listings/{listing_id}/loans", data={"from": "x", "until": "", "csrf_token": token}
    )
    assert bad.status == 400 and "Enter a date as YYYY-MM-DD." in await bad.text()
    await client.post("/logout", data={"csrf_token": token})
    await login(client, "alice")
    token = await csrf_token(client, loan_url)
    for action, state in (
        ("accept", "accepted"),
        ("handover", "handed over"),
        ("return", "returned"),
    ):
        response = await client.post(f"{loan_url}/{action}", data={"csrf_token": token})
        assert f'id="loan-state">{state}' in await response.text(), action
    response = await client.post(f"{loan_url}/handover", data={"csrf_token": token})
    assert response.status == 409
    response = await client.post(
        f"{loan_url}/thank", data={"message": "Super", "csrf_token": token}
    )
    text = await response.text()
    assert "Alice said thank you." in text and "Say thank you" not in text
    mine = await (await client.get("/loans")).text()
    assert "Objects I lend" in mine and re.search(r"Perceuse</a>", mine)


async def test_shelf_add_and_remove(client):
    await sharing_pair(client)
    await login(client, "alice")
    token = await csrf_token(client, "/shelf")
    response = await client.post(
        "/shelf", data={"title": "Escabeau", "category": "diy", "csrf_token": token}
    )
    page = await response.text()
    assert "The object is on your shelf." in page and "Escabeau" in page
    item_id = int(re.search(r"/shelf/(\d+)/remove", page).group(1))
    detail = await (await client.get(f"/listings/{item_id}")).text()
    assert "On the shelf" in detail and "Renew" not in detail
    response = await client.post(f"/shelf/{item_id}/remove", data={"csrf_token": token})
    assert "Your shelf is empty." in await response.text()


async def test_private_pages_need_login(client):
    await sharing_pair(client)
    for path in ("/loans", "/shelf", "/listings/new"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"].startswith("/login")
