"""Thanks after any help — a service or a gift arranged between two people, an event enjoyed —
and on every profile the count and the latest few (never stars)."""

import datetime as dt

from factories import bearer, event_body, make_listing
from helpers import login, make_quarter, make_resident, node_of, post_form

from node.local.events.models import Event
from node.local.models import utcnow


async def _people(client):
    node = node_of(client)
    await make_quarter(node)
    people = {n: await make_resident(node, n) for n in ("alice", "bob", "carol", "dave")}
    heads = {n: await bearer(node, r) for n, r in people.items()}
    return node, people, heads


async def _write(client, head, to, text):
    r = await client.post("/api/v1/messages", json={"to": to, "text": text}, headers=head)
    assert r.status == 201


async def test_a_service_is_thanked_once_after_the_two_wrote_to_each_other(client):
    node, p, h = await _people(client)
    garden = await make_listing(node, p["alice"], "Aide au jardin", type="service")
    drill = await make_listing(node, p["alice"], "Perceuse")  # a loan: thanked from the loan
    thanks = {"subject": "listing", "id": garden.id, "text": "Merci pour les tomates !"}
    # no help yet: no thanks (nor stars) for someone one never spoke to
    r = await client.post("/api/v1/thanks", json=thanks, headers=h["bob"])
    assert r.status == 403
    await _write(client, h["bob"], "alice", "Bonjour, pour le jardin ?")
    r = await client.post("/api/v1/thanks", json=thanks, headers=h["bob"])
    assert r.status == 403  # alice has not answered yet
    await _write(client, h["alice"], "bob", "Samedi 10 h ?")
    r = await client.post("/api/v1/thanks", json=thanks, headers=h["bob"])
    assert r.status == 201 and (await r.json())["kind"] == "service"
    assert (await client.post("/api/v1/thanks", json=thanks, headers=h["bob"])).status == 409
    # the author thanks the helper back by name; never themselves; never for a loan listing
    back = {"subject": "listing", "id": garden.id, "to": "bob", "text": "Merci Bob"}
    assert (await client.post("/api/v1/thanks", json=back, headers=h["alice"])).status == 201
    own = {"subject": "listing", "id": garden.id, "to": "alice"}
    assert (await client.post("/api/v1/thanks", json=own, headers=h["alice"])).status == 422
    loan = {"subject": "listing", "id": drill.id}
    assert (await client.post("/api/v1/thanks", json=loan, headers=h["bob"])).status == 409
    for bad in ({"subject": "loan", "id": 1}, {"subject": "listing", "id": "x"}, {"id": 1}):
        r = await client.post("/api/v1/thanks", json=bad, headers=h["bob"])
        assert r.status == 422, bad
    r = await client.post(
        "/api/v1/thanks", json={"subject": "listing", "id": 99999}, headers=h["bob"]
    )
    assert r.status == 404

    # the profile: a count and the latest words, in the API and on the page
    profile = await (await client.get("/api/v1/residents/alice")).json()
    assert profile["thanks"]["count"] == 1
    assert [(t["from"], t["kind"], t["text"]) for t in profile["thanks"]["latest"]] == [
        ("Bob", "service", "Merci pour les tomates !")
    ]
    page = await (await client.get("/@alice", headers={"Accept-Language": "en"})).text()
    assert "1 thank-you from a neighbour" in page and "Merci pour les tomates !" in page
    assert "★" not in page and "stars" not in page.lower()


async def test_an_event_is_thanked_by_those_who_went_once_it_began(client):
    node, p, h = await _people(client)
    r = await client.post(
        "/api/v1/events", json=event_body(title="Repas de rue"), headers=h["carol"]
    )
    assert r.status == 201
    event_id = (await r.json())["id"]
    rsvp = await client.post(
        f"/api/v1/events/{event_id}/rsvp", json={"status": "going"}, headers=h["bob"]
    )
    assert rsvp.status == 200
    thanks = {"subject": "event", "id": event_id, "text": "Super soirée"}
    assert (await client.post("/api/v1/thanks", json=thanks, headers=h["bob"])).status == 409
    started = utcnow() - dt.timedelta(hours=1)
    await node.db.atomic(
        lambda: Event.update(starts_at=started).where(Event.id == event_id).execute()
    )
    assert (await client.post("/api/v1/thanks", json=thanks, headers=h["dave"])).status == 403
    assert (await client.post("/api/v1/thanks", json=thanks, headers=h["carol"])).status == 422
    assert (await client.post("/api/v1/thanks", json=thanks, headers=h["bob"])).status == 201
    # through the page's form too (CSRF), for the next neighbour who went
    await client.post(
        f"/api/v1/events/{event_id}/rsvp", json={"status": "going"}, headers=h["dave"]
    )
    await login(client, "dave")
    page = await (await client.get(f"/events/{event_id}")).text()
    assert 'action="/thanks"' in page
    r = await post_form(
        client, "/thanks", f"/events/{event_id}", subject="event", id=str(event_id), text="Merci !"
    )
    assert r.status == 303
    profile = await (await client.get("/api/v1/residents/carol")).json()
    assert profile["thanks"]["count"] == 2
    assert [t["from"] for t in profile["thanks"]["latest"]] == ["Dave", "Bob"]
