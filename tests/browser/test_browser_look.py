"""How the main pages look and read in Debian's Chromium: phone (390×844) and desktop (1280×800),
in French, German and English.

One node is served (in a thread with its own event loop) and one browser runs for the whole module.
Each page is checked for: no horizontal overflow, a header of at most two rows, tap targets of at
least 44 px in the header and the tab bar, the phone's first screen showing a feed item, and an
axe-core audit (vendored under tests/vendor/axe-core, injected with add_script_tag: no network)
with no serious or critical violation. Screenshots go to $QUARTIER_SCREENSHOTS, else
tests/screenshots/look/, with a summary of the axe counts in axe-summary.json.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiohttp import web
from helpers import free_port, make_quarter, make_resident
from PIL import Image, ImageDraw

from node.activitypub import as_objects, from_as
from node.appkeys import node_key
from node.commit import commit
from node.local import comments
from node.local.events.models import Event
from node.local.listings.models import Listing, ListingPhoto
from node.local.messages import conversations as messages
from node.local.models import Quarter, Resident
from node.local.notifications.send import notify
from node.settings import load_settings
from node.urls import Urls

pytestmark = pytest.mark.browser
NOW = dt.datetime(2026, 11, 27, 9, 0)

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
SHOTS = Path(
    os.environ.get("QUARTIER_SCREENSHOTS")
    or Path(__file__).resolve().parents[1] / "screenshots" / "look"
)
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
LANGS = ("fr", "de", "en")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

# rows of the header: its visible links and buttons, grouped by vertical overlap
HEADER = """() => {
  const h = document.querySelector('header');
  if (!h) return {height: 0, rows: 0};
  const boxes = [...h.querySelectorAll('a, button, summary')]
    .filter(el => el.checkVisibility({checkVisibilityCSS: true}))
    .map(el => el.getBoundingClientRect()).filter(r => r.width && r.height)
    .sort((a, b) => a.top - b.top);
  let rows = 0, bottom = -1;
  for (const r of boxes) { if (r.top >= bottom - 4) { rows += 1; bottom = r.bottom; } else bottom = Math.max(bottom, r.bottom); }
  return {height: h.getBoundingClientRect().height, rows};
}"""
# header and tab-bar links and buttons smaller than 44×44 CSS pixels
SMALL_TARGETS = """() => [...document.querySelectorAll(
  'header a, header button, header summary, nav.tabs a, .filters button, .filters summary')]
  .filter(el => { const r = el.getBoundingClientRect(); if (!el.checkVisibility()) return false;
                  return r.width && r.height && (r.width < 44 || r.height < 44); })
  .map(el => `${el.tagName} ${el.textContent.trim().slice(0, 30)} ${Math.round(el.getBoundingClientRect().width)}x${Math.round(el.getBoundingClientRect().height)}`)"""
# the first feed item whose title is fully on the first screen (above a fixed tab bar)
FIRST_SCREEN = """() => {
  const bar = document.querySelector('nav.tabs');
  const bottom = innerHeight - (bar && getComputedStyle(bar).position === 'fixed' ? bar.offsetHeight : 0);
  return [...document.querySelectorAll('.feed > li h2, .feed > li h3')]
    .some(t => { const r = t.getBoundingClientRect(); return r.top >= 0 && r.bottom <= bottom; });
}"""
# bytes the page brought over the wire: the document and every resource (decoded sizes: no gzip here)
WEIGHT = """() => [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
  .map(e => [e.name.replace(location.origin, ''), e.decodedBodySize || 0])"""
# labels cut short: text wider than its box (the tab bar, chips, buttons)
CLIPPED = """() => [...document.querySelectorAll('nav.tabs a > span, .chip, button, .button, .badge')]
  .filter(el => el.checkVisibility() && el.scrollWidth > el.clientWidth + 1)
  .map(el => el.textContent.trim().slice(0, 30))"""
OVERFLOW = "() => document.scrollingElement.scrollWidth - window.innerWidth"
AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                                 where: v.nodes.slice(0, 2).map(n => n.target.join(' '))}));
}"""


def photo(path: Path, colours: tuple, size=(1200, 900)) -> None:
    """A made-up photo: a sky-to-ground gradient and a few shapes (something to look at)."""
    image = Image.new("RGB", size, colours[0])
    draw = ImageDraw.Draw(image)
    w, h = size
    for y in range(h):
        t = y / h
        c = tuple(int(a * (1 - t) + b * t) for a, b in zip(colours[0], colours[1], strict=True))
        draw.line([(0, y), (w, y)], fill=c)
    draw.ellipse([w * 0.3, h * 0.25, w * 0.7, h * 0.8], fill=colours[2])
    draw.rectangle([w * 0.1, h * 0.7, w * 0.9, h * 0.78], fill=(60, 50, 40))
    image.save(path, "JPEG", quality=80)


async def seed(node, data_dir: Path) -> dict:
    await make_quarter(node, name="Saint-Hélier", postcodes=("35000",))
    alice = await make_resident(node, "alice", role="admin")
    bob = await make_resident(node, "bob")
    media = data_dir / "media"
    (media / "listings").mkdir(parents=True, exist_ok=True)
    (media / "avatars").mkdir(parents=True, exist_ok=True)
    photo(
        media / "avatars" / "bob-avatar-0001.jpg",
        ((230, 190, 160), (120, 80, 60), (250, 220, 200)),
        (256, 256),
    )
    shots = {
        "drill": ((90, 140, 200), (40, 60, 80), (230, 120, 40)),
        "pram": ((250, 220, 170), (140, 180, 120), (200, 60, 90)),
        "jam": ((250, 200, 120), (180, 60, 50), (120, 30, 60)),
    }
    for name, colours in shots.items():
        photo(media / "listings" / f"{name}-photo-full.jpg", colours)
        photo(media / "listings" / f"{name}-photo-thumb.jpg", colours, (400, 300))

    def content():
        Resident.update(lat=48.1130, lon=-1.6760).where(Resident.id == alice.id).execute()
        Resident.update(avatar="avatars/bob-avatar-0001.jpg", display_name="Bob Le Gall").where(
            Resident.id == bob.id
        ).execute()
        Resident.update(display_name="Alice Martin").where(Resident.id == alice.id).execute()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        made = {}
        for i, (key, who, kind, type_, title, category, text) in enumerate([
            ("drill", alice, "offer", "loan", "Cordless drill", "diy", "With two batteries and a case of bits."),
            ("pram", bob, "offer", "gift", "Pram, good condition", "children", "Folds flat, fits in a small car."),
            ("ladder", bob, "request", "loan", "Ladder for a weekend", "diy", "To paint the shutters, 3 m would do."),
            ("jam", alice, "offer", "gift", "Plum jam from the garden", "kitchen", "Six jars, come and take one."),
        ]):  # fmt: skip
            row = Listing.create(
                author=who.id, quarter=who.quarter_id, kind=kind, type=type_, title=title,
                description=text, description_html=f"<p>{text}</p>", category=category,
                reach="public", lat=48.1134 + i * 0.002, lon=-1.6759 - i * 0.002,
                created_at=now - dt.timedelta(hours=i + 1), language="en",
            )  # fmt: skip
            if key in shots:
                ListingPhoto.create(
                    listing=row.id, name=f"{key}-photo-full.jpg", thumb=f"{key}-photo-thumb.jpg",
                    width=1200, height=900, alt=title,
                )  # fmt: skip
            made[key] = row
        twin = Quarter.create(
            slug="saint-servan-remote", name="Saint-Servan", country="FR",
            external_ref="https://malo.example/quarters/saint-servan",
        )  # fmt: skip
        yann = Resident.create(
            username="yann", host="malo.example", display_name="Yann",
            external_ref="https://malo.example/users/yann",
        )  # fmt: skip
        url = "https://malo.example/listings/7"
        made["remote"] = Listing.create(
            author=yann.id, quarter=twin.id, kind="offer", type="loan", title="Tile cutter",
            description_html=from_as.as_to_listing(tile_cutter(url)).description_html,  # as the inbox stores it
            category="diy", reach="public", external_ref=url, url=url, origin="malo.example",
            lat=48.64, lon=-2.02, created_at=now - dt.timedelta(minutes=30),
        )  # fmt: skip
        start = now + dt.timedelta(days=5)
        made["event"] = Event.create(
            organiser=alice.id, quarter=alice.quarter_id, title="Street party",
            description="Bring a dish.", description_html="<p>Bring a dish.</p>",
            starts_at=start, ends_at=start + dt.timedelta(hours=3), timezone="Europe/Paris",
            place_name="Place Sainte-Anne", lat=48.1146, lon=-1.6800, reach="public",
            created_at=now - dt.timedelta(hours=6),
        )  # fmt: skip
        notify(alice, "message", "You have a new message from %(name)s.", "/messages", name="Bob")
        return made

    made = await node.db.run(content)
    await commit(node, comments.post, bob.id, "listing", made["drill"].id, "Is it still free?")
    await commit(node, messages.send, bob.id, alice.id, "Hello neighbour!")
    return {key: row.id for key, row in made.items()}


def tile_cutter(url: str) -> dict:
    """The Note a node like ours sends for a listing: Mastodon's text plus our structured fields."""
    listing = SimpleNamespace(
        id=7, kind="offer", type="loan", title="Tile cutter", category="diy", price=None,
        description_html="<p>For tiles up to 60 cm.</p>", currency="EUR", price_unit="",
        language="fr", lat=48.64, lon=-2.02, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    note = as_objects.listing_to_note(Urls("https://malo.example"), listing, "yann", None)
    assert note["url"] == url and "Offer · Loan · diy" in note["content"]
    return {**note, "to": ["https://www.w3.org/ns/activitystreams#Public"]}


class World:
    """One node served on loopback from a thread, seeded once."""

    def __init__(self, data_dir: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.settings = load_settings(
            {}, None, data_dir=str(data_dir), database_url=f"sqlite:///{data_dir / 'q.db'}",
            secret_key="look", run_workers=False, tile_url="", default_language="en",
            public_url=self.base,
        )  # fmt: skip
        self.data_dir = data_dir
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(120)

    def start(self) -> dict:
        from node.app import create_app

        self.thread.start()

        async def up():
            self.runner = web.AppRunner(create_app(self.settings))
            await self.runner.setup()
            await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
            return await seed(self.runner.app[node_key], self.data_dir)

        return self.run(up())

    def stop(self) -> None:
        self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    served = World(tmp_path_factory.mktemp("look"))
    served.ids = served.start()
    yield served
    served.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield chromium
        chromium.close()


def pages(ids: dict) -> dict[str, str]:
    return {
        "home": "/",
        "listings": "/listings",
        "listing": f"/listings/{ids['drill']}",
        "remote-listing": f"/listings/{ids['remote']}",
        "events": "/events",
        "event": f"/events/{ids['event']}",
        "map": "/map",
        "messages": "/messages",
        "profile": "/@bob",
        "me": "/@alice",
        "settings": "/settings",
        "publish": "/listings/new",
        "notifications": "/notifications",
    }


def log_in(page, base: str, lang: str) -> None:
    page.goto(f"{base}/login?lang={lang}")
    page.fill("input[name=login]", "alice")
    page.fill("input[name=password]", "correct horse")
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()


def check_page(page, where: str, name: str, size: str, problems: list[str], audit: dict) -> None:
    overflow = page.evaluate(OVERFLOW)
    if overflow > 0:
        problems.append(f"{where}: {overflow}px wider than the screen")
    header = page.evaluate(HEADER)
    if header["rows"] > 2 or header["height"] > 130:
        problems.append(f"{where}: header of {header['rows']} rows, {header['height']:.0f}px")
    for clipped in page.evaluate(CLIPPED):
        problems.append(f"{where}: label cut short: {clipped}")
    if size == "phone":
        for small in page.evaluate(SMALL_TARGETS):
            problems.append(f"{where}: tap target {small}")
        if name.startswith("home") and not page.evaluate(FIRST_SCREEN):
            problems.append(f"{where}: no feed item on the first screen")
    if name in ("home", "map"):
        page.wait_for_load_state("networkidle")
        parts = page.evaluate(WEIGHT)
        audit[f"weight {name}"] = sum(size for _url, size in parts)
        audit[f"weight {name} parts"] = parts
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AXE_RUN)
    audit[f"{where} ({name})"] = violations
    for v in violations:
        if v["impact"] in ("serious", "critical"):
            problems.append(f"{where}: axe {v['impact']} {v['id']} at {v['where']}")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", LANGS)
def test_main_pages_fit_the_screen_and_pass_axe(world, browser, lang, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    audit: dict = {}
    context = browser.new_context(viewport=SIZES[size], locale=lang, bypass_csp=True)
    page = context.new_page()
    try:
        signed_out = {
            "welcome": "/",
            "home-visitor": "/?quarter=centre",
            "signup": "/signup",
            "login": "/login",
        }
        for name, path in signed_out.items():
            where = f"{lang}/{size} {path}"
            response = page.goto(f"{world.base}{path}{'&' if '?' in path else '?'}lang={lang}")
            assert response.status == 200, where
            check_page(page, where, name, size, problems, audit)
            page.screenshot(path=str(SHOTS / f"{size}-{lang}-{name}.png"))
        log_in(page, world.base, lang)
        for name, path in pages(world.ids).items():
            where = f"{lang}/{size} {path}"
            response = page.goto(world.base + path)
            if response is None or response.status >= 400:
                problems.append(f"{where}: status {response and response.status}")
                continue
            assert page.get_attribute("html", "lang") == lang
            check_page(page, where, name, size, problems, audit)
            page.screenshot(path=str(SHOTS / f"{size}-{lang}-{name}.png"))
            if name in ("home", "listings", "listing", "event"):
                page.screenshot(path=str(SHOTS / f"{size}-{lang}-{name}-full.png"), full_page=True)
    finally:
        context.close()
        summary = SHOTS / f"axe-{lang}-{size}.json"
        summary.write_text(json.dumps(audit, indent=1))
    print("\n".join(problems))
    assert problems == []


def test_the_last_feed_stays_readable_offline(world, browser):
    context = browser.new_context(viewport=SIZES["phone"], locale="en", service_workers="allow")
    page = context.new_page()
    try:
        log_in(page, world.base, "en")
        page.goto(world.base + "/")
        assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active.state)") in (
            "activating",
            "activated",
        )
        page.reload()  # now controlled by the worker, which keeps this copy of the feed
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        online = page.inner_text(".feed")
        context.set_offline(True)
        page.goto(world.base + "/")
        assert "Cordless drill" in page.inner_text(".feed") and page.inner_text(".feed") == online
        assert page.evaluate("getComputedStyle(document.querySelector('nav.tabs')).position") == (
            "fixed"  # the style came from the kept shell
        )
        page.goto(world.base + "/events")
        assert "You are offline" in page.inner_text("main")
    finally:
        context.close()


def test_menu_filters_and_log_out_work_without_javascript(world, browser):
    context = browser.new_context(viewport=SIZES["phone"], locale="fr", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, world.base, "fr")
        page.goto(world.base + "/")
        assert page.locator(".feed > li").count() >= 4
        page.click("details.filters-fold > summary")
        page.select_option("select[name=category]", "children")  # a translated label, by its slug
        assert "Enfants" in page.inner_text("select[name=category] option:checked")
        page.click("form.filters button[type=submit]")
        titles = page.locator(".feed > li h2").all_inner_texts()
        assert titles == ["Pram, good condition"]
        page.click("nav.chips a:has-text('Demandes')")  # chips are plain links
        assert page.locator(".feed > li h2").all_inner_texts() == ["Ladder for a weekend"]
        page.click("details.menu > summary")
        page.click("details.menu button:has-text('Se déconnecter')")
        page.wait_for_load_state()
        assert page.locator("header a.login").count() == 1  # signed out
    finally:
        context.close()
