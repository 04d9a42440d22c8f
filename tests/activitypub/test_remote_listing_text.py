"""A listing from a node like ours shows its description, not the text shaped for Mastodon."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from node.activitypub import as_objects, from_as
from node.urls import Urls

URLS = Urls("https://malo.test")
NOW = dt.datetime(2026, 11, 27, 9, 0)
PUBLIC = ["https://www.w3.org/ns/activitystreams#Public"]


def listing(**kw):
    values = dict(
        id=7, kind="offer", type="loan", title="Tile cutter & level",
        description_html="<p>For tiles up to <em>60 cm</em>.</p><p>Ask me.</p>", category="diy",
        price=None, currency="EUR", price_unit="", language="fr", lat=48.64, lon=-2.02,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    values.update(kw)
    return SimpleNamespace(**values)


def test_our_structured_listing_reads_back_without_the_mastodon_lines():
    note = as_objects.listing_to_note(URLS, listing(), "yann", None)
    assert "Offer · Loan · diy" in note["content"]  # what Mastodon shows, and still sends
    back = from_as.as_to_listing({**note, "to": PUBLIC})
    assert back.description_html == "<p>For tiles up to <em>60 cm</em>.</p><p>Ask me.</p>"
    assert back.title == "Tile cutter & level"


def test_a_paid_listing_loses_its_price_line_too():
    note = as_objects.listing_to_note(
        URLS, listing(type="paid", price=Decimal("5.00")), "yann", None
    )
    back = from_as.as_to_listing({**note, "to": PUBLIC})
    assert back.description_html.startswith("<p>For tiles") and "EUR" not in back.description_html


def test_a_plain_note_from_mastodon_keeps_its_whole_text():
    note = {
        "id": "https://masto.test/notes/1", "type": "Note", "name": "Tile cutter",
        "content": "<p><strong>Tile cutter</strong></p><p>a · b · c</p><p>mine</p>", "to": PUBLIC,
    }  # fmt: skip
    back = from_as.as_to_listing(note)  # no listingType: nothing is ours to strip
    assert back.description_html.startswith("<p><strong>Tile cutter</strong></p>")


def test_a_title_that_differs_keeps_the_text():
    note = as_objects.listing_to_note(URLS, listing(), "yann", None)
    note["name"] = "Something else"
    back = from_as.as_to_listing({**note, "to": PUBLIC})
    assert "<strong>Tile cutter &amp; level</strong>" in back.description_html
