"""Event times on pages and feed cards: without seconds, in the event's own time zone."""

from factories import event_body
from helpers import login, make_quarter, make_resident, node_of

from node import i18n
from node.commit import commit
from node.local.events import drafts as event_drafts
from node.local.events import write as events
from node.web.formats import format_datetime


async def test_event_pages_show_minutes_in_the_event_zone(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    draft = event_drafts.EventDraft.parse(event_body(timezone="America/New_York"))
    event = await commit(node, events.schedule, alice.id, draft)
    await login(client, "alice")
    for path in (f"/events/{event.id}", "/events", "/"):
        page = (await (await client.get(path)).text()).replace("\u202f", " ")
        assert "6:00 PM" in page, path  # 18:00 in New York, not the UTC hour
        assert "6:00:00" not in page and "4:00 AM" not in page, path  # the end in UTC


def test_format_datetime_drops_seconds_in_every_language():
    import datetime as dt

    value = dt.datetime(2026, 11, 27, 10, 33, 47)  # naive UTC
    with i18n.using("fr"):
        assert format_datetime(value, "medium", "Europe/Paris") == "27 nov. 2026, 11:33"
    with i18n.using("en"):
        text = format_datetime(value, "short", "Asia/Tokyo").replace("\u202f", " ")
        assert text.startswith("11/27/26") and "7:33" in text and ":47" not in text
