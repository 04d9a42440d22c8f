"""Installable: the manifest, our icons, the favicon, the service worker and the offline page."""

import io

from helpers import login, make_quarter, make_resident, node_of
from PIL import Image


async def test_manifest_meets_the_installability_rules(client):
    response = await client.get("/manifest.webmanifest")
    assert response.status == 200
    assert response.content_type == "application/manifest+json"
    doc = await response.json(content_type=None)
    assert doc["name"] and doc["short_name"] and doc["start_url"] == "/" and doc["scope"] == "/"
    assert doc["display"] == "standalone"
    sizes = {(i["sizes"], i["purpose"]) for i in doc["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in doc["icons"]:
        answer = await client.get(icon["src"])
        assert answer.status == 200 and answer.content_type == "image/png"
        image = Image.open(io.BytesIO(await answer.read()))
        assert f"{image.width}x{image.height}" == icon["sizes"]
    maskable = Image.open(io.BytesIO(await (await client.get("/icons/maskable-512.png")).read()))
    assert maskable.convert("RGBA").getpixel((2, 2))[3] == 255  # full bleed: no transparent corner


async def test_pages_link_the_manifest_icons_and_the_worker_script(client):
    page = await (await client.get("/")).text()
    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    assert 'href="/favicon.ico"' in page and 'name="theme-color"' in page
    assert "/static/js/app.js" in page
    favicon = await client.get("/favicon.ico")
    assert favicon.status == 200
    assert Image.open(io.BytesIO(await favicon.read())).format == "ICO"


async def test_service_worker_is_served_from_the_root_with_a_fetch_handler(client):
    response = await client.get("/sw.js")
    assert response.status == 200 and response.content_type == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    source = await response.text()
    assert 'addEventListener("fetch"' in source and "__SHELL__" not in source
    assert '"/offline"' in source and "/static/css/quartier.css?v=" in source
    offline = await client.get("/offline")
    assert offline.status == 200 and "offline" in (await offline.text()).lower()


async def test_unknown_icon_sizes_are_not_found(client):
    for path in ("/icons/icon-999.png", "/icons/maskable-192.png", "/icons/other-192.png"):
        assert (await client.get(path)).status == 404


async def test_publish_leads_unverified_residents_to_the_next_step(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "newcomer", verified=False)
    await login(client, "newcomer")
    page = await (await client.get("/")).text()
    assert 'class="button publish" href="/settings/verification"' in page
    assert 'href="/listings/new"' not in page
