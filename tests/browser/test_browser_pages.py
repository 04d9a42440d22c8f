"""Every main page in Debian's Chromium, in French and English, wide and phone-sized.

Checks what a reader meets: no server error, no template or untranslated text, one `main`
landmark, a label for every form field; saves screenshots under tests/screenshots/.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from aiohttp import web
from helpers import make_quarter, make_resident
from test_browser_loan import ARGS, free_port

from node.appkeys import node_key
from node.commit import commit
from node.i18n import translations
from node.local import comments
from node.local.events.models import Event
from node.local.listings.models import Listing
from node.local.messages import conversations as messages
from node.local.notifications.send import notify

SHOTS = Path(__file__).resolve().parents[1] / "screenshots"
VIEWPORTS = {"wide": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
MARKERS = re.compile(r"%\(\w+\)|\{\{|\}\}|\{%|%\}|\b_\(|\bNone\b|\bundefined\b|Traceback")

# Form fields without a name a screen reader can read out (label, aria-label or aria-labelledby).
UNLABELLED = """() => [...document.querySelectorAll(
  'input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea')]
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))"""


def english_sentences() -> list[str]:
    """Source strings of three words or more that French translates differently."""
    catalogue = translations("fr")._catalog
    found = []
    for key, text in catalogue.items():
        if isinstance(key, str) and key and "%" not in key and len(key.split()) >= 3:
            if text and text != key:
                found.append(key)
    return found


async def seed(node):
    await make_quarter(node)
    alice = await make_resident(node, "alice", role="admin")
    bob = await make_resident(node, "bob")

    def content():
        listing = Listing.create(
            author=alice.id,
            quarter=alice.quarter_id,
            kind="offer",
            type="loan",
            title="Cordless drill",
            description_html="<p>With two batteries.</p>",
            category="diy",
            reach="public",
            lat=48.1134,
            lon=-1.6759,
        )
        start = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=5)
        event = Event.create(
            organiser=alice.id,
            quarter=alice.quarter_id,
            title="Street party",
            description_html="<p>Bring a dish.</p>",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            timezone="Europe/Paris",
            place="Place Sainte-Anne",
            lat=48.1146,
            lon=-1.6800,
            reach="public",
        )
        notify(alice, "message", "You have a new message from %(name)s.", "/messages", name="Bob")
        return listing, event

    listing, event = await node.db.run(content)
    await commit(node, comments.post, bob.id, "listing", listing.id, "Is it still free?")
    await commit(node, messages.send, bob.id, alice.id, "Hello neighbour!")
    return listing, event


@pytest.mark.browser
async def test_main_pages_read_well_in_french_and_english(make_settings, cleanup):
    from playwright.async_api import async_playwright

    from node.app import create_app

    port = free_port()
    app = create_app(make_settings(public_url=f"http://127.0.0.1:{port}"))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    listing, event = await seed(app[node_key])
    pages = {
        "home": "/",
        "listings": "/listings",
        "listing": f"/listings/{listing.id}",
        "events": "/events",
        "event": f"/events/{event.id}",
        "map": "/map",
        "messages": "/messages",
        "notifications": "/notifications",
        "settings": "/settings",
        "admin": "/admin",
        "trusted_nodes": "/admin/trusted-nodes",
        "profile": "/@bob",
        "quarter": "/@centre",
    }
    untranslated = english_sentences()
    SHOTS.mkdir(exist_ok=True)
    problems: list[str] = []
    cleanup.push_async_callback(runner.cleanup)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for lang in ("fr", "en"):
            for size, viewport in VIEWPORTS.items():
                context = await browser.new_context(viewport=viewport)
                page = await context.new_page()
                await page.goto(f"{base}/login?lang={lang}")
                await page.fill("input[name=login]", "alice")
                await page.fill("input[name=password]", "correct horse")
                await page.click("form[action='/login'] button[type=submit]")
                await page.wait_for_load_state()
                for name, path in pages.items():
                    where = f"{lang}/{size} {path}"
                    response = await page.goto(base + path)
                    if response is None or response.status >= 400:
                        problems.append(f"{where}: status {response and response.status}")
                        continue
                    if await page.get_attribute("html", "lang") != lang:
                        problems.append(f"{where}: html lang is not {lang}")
                    text = await page.inner_text("body")
                    if MARKERS.search(text):
                        problems.append(f"{where}: marker {MARKERS.search(text).group(0)!r}")
                    if lang == "fr":
                        leaked = [s for s in untranslated if s in text]
                        if leaked:
                            problems.append(f"{where}: untranslated {leaked[:3]}")
                    mains = await page.locator("main, [role=main]").count()
                    if mains != 1:
                        problems.append(f"{where}: {mains} main landmarks")
                    for field in await page.evaluate(UNLABELLED):
                        problems.append(f"{where}: unlabelled {field}")
                    overflow = await page.evaluate(
                        "() => document.documentElement.scrollWidth - window.innerWidth"
                    )
                    if overflow > 1:
                        problems.append(f"{where}: {overflow}px wider than the screen")
                    shot = SHOTS / f"page-{lang}-{size}-{name}.png"
                    await page.screenshot(path=str(shot), full_page=True)
                await context.close()
        await browser.close()
    assert problems == []
    assert len(list(SHOTS.glob("page-*.png"))) == 2 * 2 * len(pages)
