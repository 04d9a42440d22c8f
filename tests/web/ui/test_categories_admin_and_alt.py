"""Admins run the taxonomy (add, rename custom, reorder, hide); photos carry alt text to pages and Notes."""

import re

import aiohttp
from helpers import csrf_token, login, make_quarter, make_resident, node_of, png_bytes, post_form

from node.local.listings.models import Category, ListingPhoto

AS = "application/activity+json"


def order(node):
    return node.db.run(
        lambda: [(c.slug, c.hidden) for c in Category.select().order_by(Category.position)]
    )


async def test_admin_adds_renames_reorders_and_hides_categories(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "root", role="admin")
    await make_resident(node, "mod", role="moderator")
    await login(client, "mod")
    assert (await client.get("/admin/categories")).status == 403
    client.session.cookie_jar.clear()
    await login(client, "root")
    page = await (await client.get("/admin/categories")).text()
    assert "DIY &amp; tools" in page and "built-in, translated" in page
    # Add: bad identifiers and duplicates are refused with a message.
    r = await post_form(
        client, "/admin/categories", page="/admin/categories", slug="Bad slug!", label="Vélos"
    )
    assert r.status == 422 and "lower-case letters" in await r.text()
    r = await post_form(
        client, "/admin/categories", page="/admin/categories", slug="bikes", label="Vélos"
    )
    assert r.status == 303
    r = await post_form(
        client, "/admin/categories", page="/admin/categories", slug="bikes", label="x"
    )
    assert r.status == 422
    assert (await order(node))[-1] == ("bikes", False)
    # Rename a custom one; built-in ones keep their translated names.
    r = await post_form(
        client,
        "/admin/categories/bikes/rename",
        page="/admin/categories",
        label="Vélos et trottinettes",
    )
    assert r.status == 303
    assert (
        await node.db.run(lambda: Category.get(Category.slug == "bikes").label)
        == "Vélos et trottinettes"
    )
    r = await post_form(
        client, "/admin/categories/garden/rename", page="/admin/categories", label="Potager"
    )
    assert r.status == 422 and "translated names" in await r.text()
    # Reorder: bikes moves up above "other"; the first one cannot move further up.
    r = await post_form(
        client, "/admin/categories/bikes/move", page="/admin/categories", direction="up"
    )
    assert r.status == 303
    slugs = [s for s, _ in await order(node)]
    assert slugs[-2:] == ["bikes", "other"]
    await post_form(client, "/admin/categories/diy/move", page="/admin/categories", direction="up")
    await post_form(
        client, "/admin/categories/garden/move", page="/admin/categories", direction="up"
    )
    assert [s for s, _ in await order(node)][:2] == ["garden", "diy"]
    # Hide: no longer offered on the listing form, refused by the API; "other" cannot be hidden.
    r = await post_form(
        client, "/admin/categories/games/visibility", page="/admin/categories", hidden="1"
    )
    assert r.status == 303 and ("games", True) in await order(node)
    r = await post_form(
        client, "/admin/categories/other/visibility", page="/admin/categories", hidden="1"
    )
    assert r.status == 422
    form = await (await client.get("/listings/new")).text()
    assert 'value="bikes"' in form and "Vélos et trottinettes" in form
    assert 'value="games"' not in form
    assert form.index('value="garden"') < form.index('value="diy"')
    token = await csrf_token(client, "/listings/new")
    r = await client.post(
        "/listings",
        data={
            "kind": "offer",
            "type": "gift",
            "title": "Jeu",
            "description": "x",
            "category": "games",
            "csrf_token": token,
        },
        allow_redirects=False,
    )
    assert r.status == 400 and "Unknown category." in await r.text()
    await post_form(
        client, "/admin/categories/games/visibility", page="/admin/categories", hidden="0"
    )
    assert 'value="games"' in await (await client.get("/listings/new")).text()
    # French readers see built-in names translated, custom ones as written.
    client.session.cookie_jar.update_cookies({"q_lang": "fr"})
    page = await (await client.get("/admin/categories")).text()
    assert "Bricolage et outils" in page and "Vélos et trottinettes" in page


async def test_photo_alt_text_reaches_the_page_and_the_note(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice")
    await login(client, "alice")
    token = await csrf_token(client, "/listings/new")
    form = aiohttp.FormData()
    fields = {
        "kind": "offer",
        "type": "loan",
        "title": "Perceuse",
        "description": "Bosch",
        "reach": "public",
        "photo_alts": "A green drill on a workbench\nIts case, closed",
        "csrf_token": token,
    }
    for key, value in fields.items():
        form.add_field(key, value)
    for n in range(2):
        form.add_field(
            "photos",
            png_bytes(color=(10, 100 + n, 10)),
            filename=f"p{n}.png",
            content_type="image/png",
        )
    r = await client.post("/listings", data=form, allow_redirects=False)
    assert r.status == 303, await r.text()
    url = r.headers["Location"]
    page = await (await client.get(url)).text()
    assert 'alt="A green drill on a workbench"' in page and 'alt="Its case, closed"' in page
    note = await (await client.get(url, headers={"Accept": AS})).json()
    images = note["attachment"]
    assert [i["name"] for i in images] == ["A green drill on a workbench", "Its case, closed"]
    assert [i["summary"] for i in images] == [i["name"] for i in images]
    assert all(i["type"] == "Image" and i["url"].startswith(node.urls.base) for i in images)
    # The author changes one description from the edit page.
    listing_id = int(url.rsplit("/", 1)[1])
    first = await node.db.run(lambda: ListingPhoto.select().order_by(ListingPhoto.position).first())
    edit = await (await client.get(f"/listings/{listing_id}/edit")).text()
    assert re.search(rf'action="/listings/{listing_id}/photos/{first.id}/alt"', edit)
    r = await post_form(
        client,
        f"/listings/{listing_id}/photos/{first.id}/alt",
        page=f"/listings/{listing_id}/edit",
        alt="A cordless drill",
    )
    assert r.status == 303
    note = await (await client.get(url, headers={"Accept": AS})).json()
    assert note["attachment"][0]["name"] == "A cordless drill"
    # Nobody else may.
    client.session.cookie_jar.clear()
    await make_resident(node, "bob")
    await login(client, "bob")
    r = await post_form(
        client, f"/listings/{listing_id}/photos/{first.id}/alt", page=url, alt="Mine now"
    )
    assert r.status == 403
