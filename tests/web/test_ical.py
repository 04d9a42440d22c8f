"""iCalendar output: CRLF, folding at 75 octets, escaping, TZID with VTIMEZONE, UID and STATUS."""

import datetime as dt

from factories import bearer, event_body
from helpers import make_quarter, make_resident, node_of

from node.web import ical


def test_fold_keeps_lines_within_75_octets_and_utf8_intact():
    line = "SUMMARY:" + "Fête de quartier é" * 10
    folded = ical.fold(line)
    pieces = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(pieces)) == line


def test_escape_text_values():
    assert ical.escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


async def test_event_ics_is_valid_rfc5545(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    h = await bearer(node, alice)
    body = event_body(
        title="Apéro, jeux; musique",
        description="Line one\nLine two " + "long " * 30,
        start="2030-01-10T19:00",
        end="2030-01-10T22:00",
    )
    created = await (await client.post("/api/v1/events", json=body, headers=h)).json()
    assert (await client.get(f"/events/{created['id']}.ics")).status == 404  # quarter-only
    response = await client.get(f"/events/{created['id']}.ics", headers=h)
    assert response.status == 200
    assert response.content_type == "text/calendar"
    raw = await response.read()
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    text = raw.decode().replace("\r\n ", "")  # unfold
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines
    assert f"UID:{created['url']}" in lines
    assert "DTSTART;TZID=Europe/Paris:20300110T190000" in lines
    assert "SUMMARY:Apéro\\, jeux\\; musique" in lines
    assert any(line.startswith("DESCRIPTION:Line one\\nLine two") for line in lines)
    assert "STATUS:CONFIRMED" in lines
    assert "BEGIN:VTIMEZONE" in lines and "TZID:Europe/Paris" in lines
    assert lines.count("BEGIN:VEVENT") == 1


async def test_quarter_calendar_lists_events_and_cancelled_status(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    h = await bearer(node, alice)
    first = await (
        await client.post("/api/v1/events", json=event_body(title="One"), headers=h)
    ).json()
    await client.post("/api/v1/events", json=event_body(title="Two", timezone="UTC"), headers=h)
    await client.post(f"/api/v1/events/{first['id']}/cancel", headers=h)
    visitor = await (await client.get("/calendar.ics?quarter=centre")).text()
    assert visitor.count("BEGIN:VEVENT") == 0  # quarter-only events: residents only
    calendar = await client.get("/calendar.ics?quarter=centre", headers=h)
    text = (await calendar.text()).replace("\r\n ", "")
    assert text.count("BEGIN:VEVENT") == 2
    assert "STATUS:CANCELLED" in text
    assert any(line.startswith("DTSTART:") and line.endswith("Z") for line in text.split("\r\n"))
    assert "X-WR-CALNAME:Centre" in text
    missing = await client.get("/calendar.ics")
    assert missing.status == 404


def test_calendar_uses_utc_when_no_zone():
    class E:
        title, description, place_name, street, postcode, city = "T", "", "", "", "", ""
        lat = lon = None
        status, category, timezone = "confirmed", "PARTY", "UTC"
        starts_at = dt.datetime(2030, 1, 1, 10)
        ends_at = dt.datetime(2030, 1, 1, 11)
        updated_at = dt.datetime(2029, 1, 1)

    text = ical.calendar([E()], lambda e: "https://x.test/events/1", dt.datetime(2029, 1, 1))
    assert "DTSTART:20300101T100000Z\r\n" in text and "VTIMEZONE" not in text
