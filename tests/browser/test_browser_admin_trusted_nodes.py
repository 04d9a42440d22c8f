"""An admin trusts a node and stops trusting it from /admin, on a phone-sized Chromium."""

import pytest
from aiohttp import web
from helpers import make_quarter, make_resident
from test_browser_loan import ARGS, free_port
from test_browser_pages import SHOTS

from node.appkeys import node_key

PHONE = {"width": 390, "height": 844}


@pytest.mark.browser
async def test_admin_trusts_and_stops_trusting_a_node_on_a_phone(make_settings, cleanup):
    from playwright.async_api import async_playwright

    from node.app import create_app

    port = free_port()
    app = create_app(make_settings(public_url=f"http://127.0.0.1:{port}"))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    cleanup.push_async_callback(runner.cleanup)
    node = app[node_key]
    await make_quarter(node)
    await make_resident(node, "alice", role="admin")
    base = f"http://127.0.0.1:{port}"
    SHOTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        cleanup.push_async_callback(browser.close)
        page = await (await browser.new_context(viewport=PHONE)).new_page()
        await page.goto(f"{base}/login?lang=en")
        await page.fill("input[name=login]", "alice")
        await page.fill("input[name=password]", "correct horse")
        await page.click("form[action='/login'] button[type=submit]")
        await page.wait_for_load_state()
        await page.goto(f"{base}/admin")
        await page.click("text=Trusted verifier nodes")
        assert page.url == f"{base}/admin/trusted-nodes"

        # a junk host is refused at the field, the typed value kept
        await page.fill("input[name=host]", "javascript:alert(1)")
        await page.click("form[action='/admin/trusted-nodes'] button[type=submit]")
        await page.wait_for_load_state()
        assert "no scheme, path or address" in await page.inner_text("#e-host")
        assert await page.input_value("input[name=host]") == "javascript:alert(1)"

        await page.fill("input[name=host]", "Aachen.example")
        await page.fill("input[name=note]", "Burtscheid's node")
        await page.click("form[action='/admin/trusted-nodes'] button[type=submit]")
        await page.wait_for_load_state()
        row = page.locator("#trusted-nodes > li")
        assert await row.count() == 1
        assert "aachen.example" in await row.inner_text()
        assert "@alice" in await row.inner_text()
        overflow = await page.evaluate(
            "() => document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 1, f"{overflow}px wider than the phone"
        await page.click("summary:has-text('Stop trusting')")
        await page.screenshot(path=str(SHOTS / "admin-trusted-nodes-phone.png"), full_page=True)
        await page.click("text=Stop trusting aachen.example")
        await page.wait_for_load_state()
        assert "is no longer trusted" in await page.inner_text("body")
        assert await page.locator("#trusted-nodes").count() == 0
