"""Pure converters: listings as FEP-0837 Notes, events as Mobilizon Events."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from node.activitypub import as_activities, as_objects, from_as
from node.urls import Urls

URLS = Urls("https://quartier.test")
QUARTER = SimpleNamespace(slug="centre")
NOW = dt.datetime(2026, 11, 27, 9, 0)


def listing(**kw):
    values = dict(
        id=7,
        kind="offer",
        type="paid",
        title="Bike",
        description_html="<p>Red</p>",
        category="mobility",
        price=Decimal("20.00"),
        currency="EUR",
        price_unit="once",
        language="fr",
        lat=48.11341,
        lon=-1.67592,
        created_at=NOW,
        updated_at=NOW,
    )
    values.update(kw)
    return SimpleNamespace(**values)


def test_paid_listing_has_a_reciprocal_and_gifts_do_not():
    paid = as_objects.listing_to_note(URLS, listing(), "alice", QUARTER)
    assert paid["type"] == "Note" and paid["purpose"] == "offer"
    assert paid["reciprocal"]["resourceQuantity"]["hasNumericalValue"] == "20.00"
    assert "20.00 EUR" in paid["content"] and URLS.listing(7) in paid["content"]
    assert paid["audience"] == URLS.quarter("centre") and paid["contentMap"]["fr"]
    lat = paid["location"]["latitude"]
    assert isinstance(lat, float) and lat != 48.11341  # coarse, not the exact spot
    gift = as_objects.listing_to_note(URLS, listing(type="gift", price=None), "alice", QUARTER)
    assert "reciprocal" not in gift and gift["publishes"]["type"] == "Intent"
    # And it reads back as the same listing on another node.
    back = from_as.as_to_listing({**gift, "to": ["https://www.w3.org/ns/activitystreams#Public"]})
    assert (back.kind, back.type, back.title, back.public) == ("offer", "gift", "Bike", True)


def test_event_is_mobilizon_shaped():
    event = SimpleNamespace(
        id=3,
        title="Fête",
        description_html="<p>Music</p>",
        starts_at=NOW,
        ends_at=NOW + dt.timedelta(hours=3),
        timezone="Europe/Paris",
        place_name="Square",
        street="1 rue X",
        postcode="35000",
        city="Rennes",
        country="FR",
        lat=48.1,
        lon=-1.6,
        capacity=50,
        join_mode="approval",
        status="cancelled",
        category="party",
        language="fr",
        created_at=NOW,
        updated_at=NOW,
    )
    doc = as_objects.event_to_as(URLS, event, "alice", QUARTER, going=12)
    assert doc["type"] == "Event" and doc["startTime"] == "2026-11-27T10:00:00+01:00"
    assert (doc["joinMode"], doc["category"], doc["status"], doc["ical:status"]) == (
        "restricted",
        "PARTY",
        "CANCELLED",
        "CANCELLED",
    )
    assert (
        doc["maximumAttendeeCapacity"],
        doc["remainingAttendeeCapacity"],
        doc["participantCount"],
    ) == (50, 38, 12)
    place = doc["location"]
    assert place["address"]["type"] == "PostalAddress" and place["latitude"] == 48.1
    assert isinstance(place["longitude"], float)
    back = from_as.as_to_event(doc)
    assert (back.starts_at, back.status, back.city) == (NOW, "cancelled", "Rennes")


def test_delete_wraps_a_tombstone_and_announce_keeps_the_activity():
    create = as_activities.wrap_create(
        URLS, URLS.actor("alice"), {"id": URLS.listing(7), "type": "Note"}, [], []
    )
    delete = as_activities.wrap_delete(URLS, URLS.actor("alice"), URLS.listing(7), [], [])
    assert delete["object"] == {"id": URLS.listing(7), "type": "Tombstone", "to": [], "cc": []}
    boost = as_activities.announce(URLS, URLS.quarter("centre"), create, URLS.followers("centre"))
    assert boost["object"]["id"] == create["id"] and boost["actor"] == URLS.quarter("centre")
