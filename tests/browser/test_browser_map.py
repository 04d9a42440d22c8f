"""The map in Debian's Chromium: clusters with a count open on click into separate markers
(items sharing a cell spread around it); without JavaScript the page lists the same items."""

import pytest
from aiohttp import web
from helpers import make_quarter, make_resident
from test_browser_loan import ARGS, free_port

from node.appkeys import node_key
from node.local import geo
from node.local.listings.models import Listing
from node.local.models import Quarter

CENTRE = (48.1173, -1.6778)
MARKERS = ".leaflet-marker-icon:not(.map-cluster)"


async def seed(node):
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    lat, lon = geo.coarsen(*CENTRE)

    def rows():
        Quarter.update(center_lat=CENTRE[0], center_lon=CENTRE[1]).execute()
        for i in range(12):  # one cell: the whole street on one marker before
            Listing.create(
                author=alice.id, quarter=alice.quarter_id, kind="offer", type="loan",
                title=f"Tool {i}", description="To lend", category="diy", reach="quarter",
                lat=lat, lon=lon,
            )  # fmt: skip

    await node.db.run(rows)


@pytest.mark.browser
async def test_clusters_open_into_spread_markers_and_the_list_stands_in_without_js(make_settings):
    from playwright.async_api import async_playwright

    from node.app import create_app

    port = free_port()
    app = create_app(make_settings(public_url=f"http://127.0.0.1:{port}"))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    await seed(app[node_key])
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for js in (True, False):
                context = await browser.new_context(
                    viewport={"width": 1280, "height": 800}, java_script_enabled=js
                )
                page = await context.new_page()
                await page.goto(f"{base}/login?lang=en")
                await page.fill("input[name=login]", "alice")
                await page.fill("input[name=password]", "correct horse")
                await page.click("form[action='/login'] button[type=submit]")
                await page.wait_for_load_state()
                await page.goto(f"{base}/map")
                links = page.locator(".map-list a[href^='/listings/']")
                assert await links.count() == 12
                if not js:
                    assert not await page.locator("#map").is_visible()
                    await context.close()
                    continue
                cluster = page.locator(".map-cluster")
                await cluster.first.wait_for()
                assert await cluster.count() == 1
                assert (await cluster.first.inner_text()).strip() == "12"
                assert "12" in (await cluster.first.get_attribute("title"))
                await cluster.first.click()
                # the cluster's box fits the screen at street level: twelve separate markers
                await page.wait_for_function(
                    f"() => document.querySelectorAll('{MARKERS}').length === 12"
                )
                assert await cluster.count() == 0
                boxes = [await m.bounding_box() for m in await page.locator(MARKERS).all()]
                centres = {(round(b["x"]), round(b["y"])) for b in boxes}
                assert len(centres) == 12  # no two on the same spot
                await page.locator(MARKERS).first.click()
                popup = page.locator(".leaflet-popup-content a[href^='/listings/']")
                await popup.wait_for()
                assert (await popup.inner_text()).startswith("Tool ")
                await context.close()
            await browser.close()
    finally:
        await runner.cleanup()
