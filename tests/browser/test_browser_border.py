"""Across the border in Debian's Chromium: a German neighbour borrows a French drill, two real nodes."""

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image
from test_browser_loan import ARGS
from three_nodes import settle, start_site, twin

from node.i18n import _, using
from node.local.listings.models import Listing
from node.local.loans.models import Loan
from node.local.loans.read import STATE_LABELS

SHOTS = Path(__file__).resolve().parents[1] / "screenshots"


def label(state: str, lang: str) -> str:
    with using(lang):
        return _(STATE_LABELS[state])


async def loan_state(site) -> str:
    return await site.node.db.run(lambda: Loan.get().state)


@pytest.mark.browser
async def test_a_german_neighbour_borrows_a_french_drill_across_the_border(
    make_settings, tmp_path, cleanup
):
    from playwright.async_api import async_playwright

    fr = await start_site(make_settings, "fr")
    de = await start_site(make_settings, "de")
    photo = tmp_path / "perceuse.jpg"
    Image.new("RGB", (800, 600), (160, 60, 20)).save(photo, "JPEG")
    SHOTS.mkdir(exist_ok=True)
    start = dt.date.today() + dt.timedelta(days=2)
    cleanup.push_async_callback(de.runner.cleanup)
    cleanup.push_async_callback(fr.runner.cleanup)
    await twin(fr, de)  # Saint-Servan asks, Burtscheid's moderator accepts, over the protocol
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        lender = await (await browser.new_context(locale="fr-FR")).new_page()
        borrower = await (await browser.new_context(locale="de-DE")).new_page()

        async def log_in(page, site):
            await page.goto(site.node.urls.base + "/login")
            await page.fill("input[name=login]", site.resident.username)
            await page.fill("input[name=password]", "correct horse")
            await page.click("form[action='/login'] button[type=submit]")
            await page.wait_for_load_state()

        async def shows(page, url, state, lang, shot):
            await page.goto(url)
            assert await page.inner_text("#loan-state") == label(state, lang)
            await page.screenshot(path=str(SHOTS / f"border-{shot}.png"), full_page=True)

        # Given the French resident offers her drill to the twinned quarters, with a photo
        await log_in(lender, fr)
        await lender.goto(fr.node.urls.base + "/listings/new")
        await lender.check("input[name=kind][value=offer]")
        await lender.select_option("select[name=type]", "loan")
        await lender.fill("input[name=title]", "Perceuse à percussion")
        await lender.fill("textarea[name=description]", "Avec un jeu de **mèches**.")
        await lender.select_option("select[name=category]", "diy")
        await lender.select_option("select[name=reach]", "twins")
        await lender.set_input_files("input[name=photos]", str(photo))
        await lender.click("form[action='/listings'] button[type=submit]")
        await lender.wait_for_url(fr.node.urls.base + "/listings/*")
        assert await lender.inner_text("h1") == "Perceuse à percussion"
        await settle(fr, de)

        # When the German resident finds it among the listings of his node
        await log_in(borrower, de)
        await borrower.goto(de.node.urls.base + "/listings?scope=twins")
        card = borrower.locator("article.listing-card", has_text="Perceuse à percussion")
        assert "Saint-Servan" in await card.inner_text()
        await card.locator("img.thumb").wait_for()
        await borrower.screenshot(path=str(SHOTS / "border-1-listings.png"), full_page=True)
        await card.locator("a").click()
        await borrower.wait_for_url(de.node.urls.base + "/listings/*")  # the local copy
        assert "Saint-Servan, FR" in await borrower.inner_text(
            ".origin"
        )  # host only small after it
        thumb = borrower.locator("ul.photos img").first
        # the first photo loads from this node (thumbnail or, by srcset on wide screens, the full image)
        loaded = await thumb.evaluate("img => [img.naturalWidth, img.currentSrc]")
        assert loaded[0] >= 400 and loaded[1].startswith(de.node.urls.base + "/media/listings/")
        assert "mèches" in await borrower.inner_text(".description")
        # ...it is also in his feed, linking to the same local page
        feed_link = await borrower.goto(de.node.urls.base + "/?scope=twins")
        assert feed_link.ok
        href = await borrower.get_attribute("a:has-text('Perceuse à percussion')", "href")
        await borrower.goto(de.node.urls.base + href)
        await borrower.fill("input[name=from]", start.isoformat())
        await borrower.fill("input[name=until]", (start + dt.timedelta(days=2)).isoformat())
        await borrower.fill("textarea[name=message]", "Für ein Regal, danke!")
        await borrower.click("form[action$='/loans'] button[type=submit]")
        await borrower.wait_for_url(de.node.urls.base + "/loans/*")
        de_loan = borrower.url
        assert await borrower.inner_text("#loan-state") == label("requested", "de")
        await settle(fr, de)

        # Then the French lender sees the request on her node and accepts it
        await lender.goto(fr.node.urls.base + "/loans")
        await lender.click("a:has-text('Perceuse à percussion')")
        await lender.wait_for_url(fr.node.urls.base + "/loans/*")
        fr_loan = lender.url
        assert "Für ein Regal, danke!" in await lender.inner_text("dl")
        await shows(lender, fr_loan, "requested", "fr", "2-requested-fr")
        for move, state, shot in (
            ("accept", "accepted", 3),
            ("handover", "handed_over", 4),
            ("return", "returned", 5),
        ):
            await lender.click(f"form[action$='/{move}'] button")
            await lender.wait_for_load_state()
            await settle(fr, de)
            # both nodes' pages show the same state
            await shows(lender, fr_loan, state, "fr", f"{shot}-{move}-fr")
            await shows(borrower, de_loan, state, "de", f"{shot}-{move}-de")
            assert await loan_state(fr) == await loan_state(de) == state

        # And both thank each other, each on their own node
        await lender.fill("textarea[name=message]", "Avec plaisir !")
        await lender.click("form[action$='/thank'] button")
        await lender.wait_for_load_state()
        await settle(fr, de)
        await borrower.goto(de_loan)
        await borrower.click("form[action$='/thank'] button")
        await borrower.wait_for_load_state()
        await settle(fr, de)
        for page, url, lang, shot in (
            (lender, fr_loan, "fr", "6-thanked-fr"),
            (borrower, de_loan, "de", "6-thanked-de"),
        ):
            await page.goto(url)
            text = await page.inner_text("main")
            for who in (fr.resident, de.resident):
                with using(lang):
                    assert _("%(name)s said thank you.", name=who.name) in text
            assert await page.locator("form[action$='/thank']").count() == 0
            await page.screenshot(path=str(SHOTS / f"border-{shot}.png"), full_page=True)
        for site in (fr, de):
            loan = await site.node.db.run(lambda: Loan.get())
            assert (loan.lender_thanked, loan.borrower_thanked) == (True, True)
            assert loan.state == "returned"
        listing = await de.node.db.run(lambda: Listing.get(Listing.external_ref.is_null(False)))
        assert listing.origin == fr.node.urls.host and listing.reach == "twins"
        await browser.close()
    assert len(list(SHOTS.glob("border-*.png"))) >= 9
