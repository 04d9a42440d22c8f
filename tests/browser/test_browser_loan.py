"""End to end in Debian's Chromium: a loan offer with a photo, a request, handover, return, thanks."""

import datetime as dt
import socket
from pathlib import Path

import pytest
from aiohttp import web
from helpers import make_quarter, make_resident
from PIL import Image

from node.appkeys import node_key

SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.browser
async def test_two_neighbours_lend_and_thank_in_a_real_browser(make_settings, tmp_path, cleanup):
    from playwright.async_api import async_playwright

    from node.app import create_app

    port = free_port()
    app = create_app(make_settings(public_url=f"http://127.0.0.1:{port}"))
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    base = f"http://127.0.0.1:{port}"
    node = app[node_key]
    await make_quarter(node)
    await make_resident(node, "alice")
    await make_resident(node, "bob")
    photo = tmp_path / "drill.jpg"
    Image.new("RGB", (800, 600), (20, 90, 160)).save(photo, "JPEG")
    SHOTS.mkdir(exist_ok=True)
    start = dt.date.today() + dt.timedelta(days=1)
    cleanup.push_async_callback(runner.cleanup)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        alice = await (await browser.new_context(locale="en-GB")).new_page()
        bob = await (await browser.new_context(locale="en-GB")).new_page()

        async def log_in(page, name):
            await page.goto(f"{base}/login")
            await page.fill("input[name=login]", name)
            await page.fill("input[name=password]", "correct horse")
            await page.click("form[action='/login'] button[type=submit]")

        # Given Alice offers her drill for loan, with a photo
        await log_in(alice, "alice")
        await alice.goto(f"{base}/listings/new")
        await alice.check("input[name=kind][value=offer]")
        await alice.select_option("select[name=type]", "loan")
        await alice.fill("input[name=title]", "Cordless drill")
        await alice.fill("textarea[name=description]", "With **two** batteries")
        await alice.select_option("select[name=category]", "diy")
        await alice.set_input_files("input[name=photos]", str(photo))
        await alice.click("form[action='/listings'] button[type=submit]")
        await alice.wait_for_url(f"{base}/listings/*")
        assert await alice.inner_text("h1") == "Cordless drill"
        assert "Your listing is published." in await alice.inner_text(".flash")
        thumb = alice.locator("ul.photos img").first
        # the first photo loads from this node (thumbnail or, by srcset on wide screens, the full image)
        loaded = await thumb.evaluate("img => [img.naturalWidth, img.currentSrc]")
        assert loaded[0] >= 400 and loaded[1].startswith(base + "/media/listings/")
        await alice.screenshot(path=str(SHOTS / "1-listing.png"), full_page=True)
        listing_url = alice.url

        # When Bob asks to borrow it
        await log_in(bob, "bob")
        await bob.goto(listing_url)
        assert "two" in await bob.inner_text(".description strong")
        await bob.fill("input[name=from]", start.isoformat())
        await bob.fill("input[name=until]", (start + dt.timedelta(days=3)).isoformat())
        await bob.fill("textarea[name=message]", "For my shelves, thanks!")
        await bob.click("form[action$='/loans'] button[type=submit]")
        await bob.wait_for_url(f"{base}/loans/*")
        assert await bob.inner_text("#loan-state") == "requested"
        await bob.screenshot(path=str(SHOTS / "2-requested.png"), full_page=True)
        loan_url = bob.url

        # Then Alice accepts, confirms the handover and the return
        await alice.goto(loan_url)
        assert "For my shelves, thanks!" in await alice.inner_text("dl")
        for button, state in (
            ("Accept", "accepted"),
            ("Confirm the handover", "handed over"),
            ("Confirm the return", "returned"),
        ):
            await alice.click(f"button:has-text('{button}')")
            await alice.wait_for_load_state()
            assert await alice.inner_text("#loan-state") == state
        await alice.screenshot(path=str(SHOTS / "3-returned.png"), full_page=True)

        # And both thank each other
        await alice.fill("textarea[name=message]", "Pleasure!")
        await alice.click("button:has-text('Say thank you')")
        await alice.wait_for_load_state()
        assert "Your thanks are sent." in await alice.inner_text(".flash")
        await bob.goto(loan_url)
        assert await bob.inner_text("#loan-state") == "returned"
        await bob.click("button:has-text('Say thank you')")
        await bob.wait_for_load_state()
        text = await bob.inner_text("main")
        assert "Alice said thank you." in text and "Bob said thank you." in text
        assert await bob.locator("button:has-text('Say thank you')").count() == 0
        history = await bob.inner_text("ol.history")
        for step in ("requested", "accepted", "handed over", "returned", "thanked"):
            assert step in history
        await bob.screenshot(path=str(SHOTS / "4-thanked.png"), full_page=True)
        await bob.goto(f"{base}/loans")
        assert "Cordless drill" in await bob.inner_text("section[aria-labelledby=borrowed]")
        await browser.close()
    assert len(list(SHOTS.glob("*.png"))) >= 4
