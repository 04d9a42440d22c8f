"""Shelves that answer requests, through the HTTP surface: across languages, within reach, privately.

The cross-language table below is the closing note's list of what matched (and what must not)."""

from __future__ import annotations

import re

import pytest
from aiosmtpd.controller import Controller
from helpers import api, free_port, login, make_quarter, make_resident, make_token, node_of

from node.app import create_app
from node.commit import commit
from node.i18n import LANGUAGES
from node.local import quarters
from node.local.models import OutgoingMail, Resident
from node.local.moderation import actions as moderation
from node.local.notifications import read as notifications

# owner → the objects on their shelf (title, language)
SHELVES = {
    "camille": [("Échelle", "fr"), ("Perceuse Bosch", "fr"), ("Remorque", "fr")],
    "greta": [("Nähmaschine", "de"), ("Zelt für 4 Personen", "de"), ("Rasenmäher", "de")],
    "marco": [("Macchina fotografica", "it"), ("Carriola", "it")],
}
# request (title, language) → the (owner, shelf item) pairs that must be told, and no others
CROSS_LANGUAGE = [
    (("Suche Leiter", "de"), {("camille", "Échelle")}),
    (("Aluleiter gesucht", "de"), {("camille", "Échelle")}),
    (("Cerco un trapano", "it"), {("camille", "Perceuse Bosch")}),
    (("Brauche eine Schlagbohrmaschine", "de"), {("camille", "Perceuse Bosch")}),
    (("Busco una máquina de coser", "es"), {("greta", "Nähmaschine")}),
    (("Aanhangwagen gezocht", "nl"), {("camille", "Remorque")}),
    (("Need a tent for the weekend", "en"), {("greta", "Zelt für 4 Personen")}),
    (("Cherche une tondeuse à gazon", "fr"), {("greta", "Rasenmäher")}),
    (("Looking for a wheelbarrow", "en"), {("marco", "Carriola")}),
    (("Besoin d'un appareil photo", "fr"), {("marco", "Macchina fotografica")}),
    (("Zoek een naaimachine", "nl"), {("greta", "Nähmaschine")}),
    (("Escalera para pintar el techo", "es"), {("camille", "Échelle")}),
    # nothing on any shelf names these
    (("Suche Begleitung zum Arzt", "de"), set()),
    (("Cherche une pompe à vélo", "fr"), set()),
    (("Sono disponibile per ripetizioni", "it"), set()),
]


def _names(text: str, title: str) -> bool:
    """The notification quotes this shelf item (in any of the owners' languages)."""
    return any(q in text for q in (f"“{title}”", f"« {title} »", f"„{title}“"))


async def _shelf(client, token, title, language, **fields):
    language = language if language in LANGUAGES else ""
    body = {"kind": "offer", "type": "loan", "title": title, "shelf": True, "language": language}
    body.update(fields)
    status, item, _ = await api(client, "POST", "/api/v1/listings", token, body)
    assert status == 201, item
    return item


async def _request(client, token, title, language="", **fields):
    # a language the node does not ship yet (es, nl before `lang` lands) is sent as unknown
    language = language if language in LANGUAGES else ""
    body = {"kind": "request", "type": "loan", "title": title, "language": language}
    body.update(fields)
    status, item, _ = await api(client, "POST", "/api/v1/listings", token, body)
    assert status == 201, item
    return item


async def _notes(client, token, **query):
    path = "/api/v1/notifications" + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )
    status, notes, _ = await api(client, "GET", path, token)
    assert status == 200, notes
    return notes


async def _matches(client, token):
    return [n for n in await _notes(client, token, limit=100) if n["kind"] == "shelf_match"]


async def _world(client):
    node = node_of(client)
    await make_quarter(node)
    tokens = {}
    for name, language in (("camille", "fr"), ("greta", "de"), ("marco", "it"), ("ana", "en")):
        resident = await make_resident(node, name, language=language)
        tokens[name] = await make_token(node, resident.id)
    for owner, items in SHELVES.items():
        for title, language in items:
            await _shelf(client, tokens[owner], title, language)
    return node, tokens


async def test_requests_match_shelves_across_languages(client):
    node, tokens = await _world(client)
    seen = {owner: 0 for owner in SHELVES}
    matched_pairs = []
    for (title, language), expected in CROSS_LANGUAGE:
        request = await _request(client, tokens["ana"], title, language)
        told = set()
        for owner in SHELVES:
            notes = await _matches(client, tokens[owner])
            fresh = notes[: len(notes) - seen[owner]]
            seen[owner] = len(notes)
            for note in fresh:
                assert note["url"].endswith(f"/listings/{request['id']}"), note
                item = next(t for t, _lang in SHELVES[owner] if _names(note["text"], t))
                told.add((owner, item))
        assert told == expected, (title, language, told)
        matched_pairs += [(title, language, owner, item) for owner, item in sorted(told)]
    print("\nshelf matches across languages:")
    for title, language, owner, item in matched_pairs:
        print(f"  {language}: {title!r} → {owner}'s {item!r}")
    # the requester is never told who has one (only the owners are)
    assert await _matches(client, tokens["ana"]) == []


async def test_owner_notification_is_in_their_language_and_answer_reveals_them(client):
    node, tokens = await _world(client)
    request = await _request(client, tokens["ana"], "Suche Leiter", "de")
    (note,) = await _matches(client, tokens["camille"])
    assert note["text"] == (
        "Un voisin cherche « Suche Leiter » : vous avez « Échelle » sur votre étagère."
    )
    assert note["read"] is False and note["created_at"].endswith("Z")
    # rendered when read, in the reader's current language: camille switches to German
    await node.db.run(
        lambda: Resident.update(language="de").where(Resident.username == "camille").execute()
    )
    (german,) = await _matches(client, tokens["camille"])
    assert german["id"] == note["id"]
    assert german["text"] == (
        "Jemand aus der Nachbarschaft sucht „Suche Leiter“: Sie haben „Échelle“ in Ihrem Regal."
    )
    (action,) = note["actions"]
    assert action["name"] == "i_have_one" and action["method"] == "POST" and not action["done"]
    # before the owner answers, the requester has no message and no name
    status, convs, _ = await api(client, "GET", "/api/v1/conversations", tokens["ana"])
    assert convs == []
    path = action["url"].split(str(client.server.make_url("")).rstrip("/"), 1)[-1]
    path = path[path.index("/api/") :]
    status, answered, _ = await api(client, "POST", path, tokens["camille"])
    assert status == 200, answered
    status, convs, _ = await api(client, "GET", "/api/v1/conversations", tokens["ana"])
    assert [c["other"]["username"] for c in convs] == ["camille"]
    assert "Échelle" in convs[0]["last_message"]["text"]
    # a second tap sends nothing more; the notification is now read and its action done
    status, again, _ = await api(client, "POST", path, tokens["camille"])
    assert status == 200 and again["conversation_id"] == answered["conversation_id"]
    _, thread, _ = await api(
        client, "GET", f"/api/v1/conversations/{answered['conversation_id']}", tokens["ana"]
    )
    assert len(thread["messages"]) == 1
    (after,) = await _matches(client, tokens["camille"])
    assert after["read"] is True and after["actions"][0]["done"] is True
    # nobody else can answer for camille, nor probe the match
    status, body, _ = await api(client, "POST", path, tokens["greta"])
    assert status == 404, body
    assert request["kind"] == "request"


async def test_notifications_api_read_is_owner_only_and_paged(client):
    node, tokens = await _world(client)
    for title in ("Suche Leiter", "Cerco un trapano", "Aanhangwagen gezocht"):
        await _request(client, tokens["ana"], title)
    notes = await _notes(client, tokens["camille"])
    assert [n["kind"] for n in notes] == ["shelf_match"] * 3
    assert [n["id"] for n in notes] == sorted((n["id"] for n in notes), reverse=True)
    first = notes[0]["id"]
    status, body, _ = await api(
        client, "POST", f"/api/v1/notifications/{first}/read", tokens["greta"]
    )
    assert status == 404, body
    for bad in ("0", "-1", "abc", str(10**23)):
        status, body, _ = await api(
            client, "POST", f"/api/v1/notifications/{bad}/read", tokens["camille"]
        )
        assert status == 404, (bad, body)
    status, body, _ = await api(
        client, "POST", f"/api/v1/notifications/{first}/read", tokens["camille"]
    )
    assert status == 200 and body["read"] is True and body["id"] == first
    page, _, response = await api(client, "GET", "/api/v1/notifications?limit=2", tokens["camille"])
    assert page == 200
    listed = await response.json()
    assert len(listed) == 2 and 'rel="next"' in response.headers["Link"]
    rest = await _notes(client, tokens["camille"], before=listed[-1]["id"])
    assert [n["id"] for n in rest] == [notes[2]["id"]]
    status, body, _ = await api(client, "GET", "/api/v1/notifications?limit=0", tokens["camille"])
    assert status in (400, 422)
    anonymous = await client.get("/api/v1/notifications")
    assert anonymous.status == 401


async def test_reach_decides_who_is_told(client):
    node = node_of(client)
    await make_quarter(node, "centre", "Centre", postcodes=("35400",))
    await commit(node, quarters.create_quarter, "nord", "Nord", ["35401"], adjacent="centre")
    await commit(node, quarters.create_quarter, "loin", "Loin", ["35999"])
    asker = await make_resident(node, "ana", quarter="centre", language="en")
    near = await make_resident(node, "nina", quarter="nord", language="fr")
    far = await make_resident(node, "fred", quarter="loin", language="fr")
    same = await make_resident(node, "sam", quarter="centre", language="en")
    tokens = {r.username: await make_token(node, r.id) for r in (asker, near, far, same)}
    for name in ("nina", "fred", "sam"):
        await _shelf(client, tokens[name], "Échelle", "fr")
    await _request(client, tokens["ana"], "Busco escalera", reach="quarter")
    assert [len(await _matches(client, tokens[n])) for n in ("sam", "nina", "fred")] == [1, 0, 0]
    await _request(client, tokens["ana"], "Busco una escalera", reach="nearby")
    assert [len(await _matches(client, tokens[n])) for n in ("sam", "nina", "fred")] == [2, 1, 0]
    await _request(client, tokens["ana"], "Escalera, por favor", reach="public")
    assert [len(await _matches(client, tokens[n])) for n in ("sam", "nina", "fred")] == [3, 2, 0]
    # my own shelf never answers my own request; a block silences the match both ways
    await _shelf(client, tokens["ana"], "Escalera", "es")
    await commit(node, moderation.block, same.id, asker.id)
    await _request(client, tokens["ana"], "Necesito escalera", reach="nearby")
    assert [len(await _matches(client, tokens[n])) for n in ("ana", "sam", "nina")] == [0, 3, 3]


async def test_residents_words_extend_the_vocabulary(client):
    node = node_of(client)
    await make_quarter(node)
    tokens = {}
    for name in ("ana", "bea", "carl", "dora"):
        r = await make_resident(node, name, language="fr")
        tokens[name] = await make_token(node, r.id)
    await _shelf(client, tokens["bea"], "Escabeau Leifheit", "fr")
    await _request(client, tokens["ana"], "Cherche Leifheit")
    # one shelf item taught the word: it matches that item by its word, not yet as a ladder
    assert [len(await _matches(client, tokens[n])) for n in ("bea", "dora")] == [1, 0]
    await _shelf(client, tokens["carl"], "Leifheit Stufenleiter", "de")
    await _shelf(client, tokens["dora"], "Échelle", "fr")
    await _request(client, tokens["ana"], "Qui a un Leifheit ?")
    # two owners used "Leifheit" for a ladder: now Dora's plain "Échelle" answers it too
    assert [len(await _matches(client, tokens[n])) for n in ("bea", "carl", "dora")] == [2, 1, 1]


async def test_editing_and_withdrawing_keep_the_index_true(client):
    node = node_of(client)
    await make_quarter(node)
    owner = await make_resident(node, "olga", language="fr")
    asker = await make_resident(node, "ana", language="de")
    o, a = await make_token(node, owner.id), await make_token(node, asker.id)
    item = await _shelf(client, o, "Tente", "fr")
    status, _, _ = await api(
        client, "PATCH", f"/api/v1/listings/{item['id']}", o, {"title": "Remorque"}
    )
    assert status == 200
    await _request(client, a, "Suche ein Zelt")
    assert await _matches(client, o) == []
    request = await _request(client, a, "Suche Anhänger")
    assert len(await _matches(client, o)) == 1
    # editing the request does not tell the same owner twice
    status, _, _ = await api(
        client, "PATCH", f"/api/v1/listings/{request['id']}", a, {"title": "Suche einen Anhänger"}
    )
    assert status == 200 and len(await _matches(client, o)) == 1
    status, _, _ = await api(client, "DELETE", f"/api/v1/listings/{item['id']}", o)
    assert status == 200
    await _request(client, a, "Anhänger gesucht")
    assert len(await _matches(client, o)) == 1


@pytest.fixture
def smtp_sink():
    received = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


async def test_owner_is_mailed_per_their_preferences(aiohttp_client, make_settings, smtp_sink):
    port, received = smtp_sink
    client = await aiohttp_client(
        create_app(make_settings("mail", smtp_host="127.0.0.1", smtp_port=port))
    )
    node, tokens = await _world(client)
    greta = await node.db.run(lambda: Resident.get(Resident.username == "greta"))
    await commit(node, notifications.set_preferences, greta.id, {"shelf_match": "none"})
    await _request(client, tokens["ana"], "Need a tent")  # greta: told in the page, not mailed
    await _request(client, tokens["ana"], "Suche Leiter")  # camille: immediate (the default)
    await node.drain()
    assert len(await _matches(client, tokens["greta"])) == 1
    mails = await node.db.run(lambda: [(m.to, m.subject, m.text) for m in OutgoingMail.select()])
    assert [to for to, _s, _t in mails] == ["camille@example.test"]
    assert "« Suche Leiter »" in mails[0][1] and "/listings/" in mails[0][2]
    assert [e.rcpt_tos for e in received] == [["camille@example.test"]]
    assert b"/listings/" in received[0].content


async def test_i_have_one_from_the_notifications_page(client):
    node, tokens = await _world(client)
    await _request(client, tokens["ana"], "Suche Leiter", "de")
    await login(client, "camille")
    page = await (await client.get("/notifications")).text()
    assert "Un voisin cherche « Suche Leiter »" in page and "J&#39;en ai un" in page
    form = re.search(r'<form method="post" action="(/shelf/matches/\d+/answer)"', page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = await client.post(form.group(1), data={}, allow_redirects=False)
    assert refused.status == 403  # no CSRF token, no message
    answered = await client.post(form.group(1), data={"csrf_token": token}, allow_redirects=False)
    assert answered.status == 303 and answered.headers["Location"].startswith("/messages/")
    thread = await (await client.get(answered.headers["Location"])).text()
    assert "Échelle" in thread
    page = await (await client.get("/notifications")).text()
    assert "Vous avez répondu." in page and form.group(1) not in page


async def test_the_request_page_offers_i_have_one_to_its_matched_owners_only(client):
    node, tokens = await _world(client)
    request = await _request(client, tokens["ana"], "Suche Leiter", "de")
    await login(client, "greta")  # greta has no ladder: no offer to answer
    page = await (await client.get(f"/listings/{request['id']}")).text()
    assert "/shelf/matches/" not in page
    client.session.cookie_jar.clear()
    await login(client, "camille")
    page = await (await client.get(f"/listings/{request['id']}")).text()
    assert "« Échelle » est sur votre étagère" in page
    action = re.search(r'action="(/shelf/matches/\d+/answer)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answered = await client.post(action, data={"csrf_token": token}, allow_redirects=False)
    assert answered.status == 303
    page = await (await client.get(f"/listings/{request['id']}")).text()
    assert "Vous avez répondu." in page and action not in page


async def test_shelf_items_of_an_older_node_are_indexed_in_the_background(client):
    from node.local.listings.models import Listing
    from node.local.shelves.models import ShelfTerm

    node = node_of(client)
    await make_quarter(node)
    owner = await make_resident(node, "olga", language="fr")
    asker = await make_resident(node, "ana", language="de")
    # a shelf item written before shelf matching existed: a row, no index terms
    old = await node.db.run(
        lambda: Listing.create(
            author=owner.id,
            quarter=owner.quarter_id,
            kind="offer",
            type="loan",
            title="Échelle",
            shelf=True,
            language="fr",
        )
    )
    count = lambda: ShelfTerm.select().where(ShelfTerm.listing == old.id).count()  # noqa: E731
    assert await node.db.run(count) == 0
    assert await node.drain() >= 1
    assert await node.db.run(count) >= 2
    await node.drain()  # nothing left: the step does not run forever
    assert await node.steps["shelf_index"](node) == 0
    await _request(client, await make_token(node, asker.id), "Suche Leiter", "de")
    assert len(await _matches(client, await make_token(node, owner.id))) == 1


async def test_the_shelf_page_lists_what_is_asked_for_near_you(client):
    node, tokens = await _world(client)
    await _request(client, tokens["ana"], "Suche Leiter", "de")
    await _request(client, tokens["ana"], "Cerco un trapano", "it")
    await login(client, "camille")
    page = await (await client.get("/shelf")).text()
    assert "Demandé près de chez vous" in page
    assert "Suche Leiter" in page and "votre « Échelle »" in page
    assert "Cerco un trapano" in page and "votre « Perceuse Bosch »" in page
    action = re.findall(r'action="(/shelf/matches/\d+/answer)"', page)[-1]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert (
        await client.post(action, data={"csrf_token": token}, allow_redirects=False)
    ).status == 303
    page = await (await client.get("/shelf")).text()
    assert action not in page and len(re.findall(r"/shelf/matches/\d+/answer", page)) == 1


async def test_notifications_api_with_a_session(client):
    node, tokens = await _world(client)
    await _request(client, tokens["ana"], "Suche Leiter", "de")
    await login(client, "camille")
    listed = await client.get("/api/v1/notifications")
    assert listed.status == 200
    (note,) = [n for n in await listed.json() if n["kind"] == "shelf_match"]
    path = f"/api/v1/notifications/{note['id']}/read"
    assert (await client.post(path)).status == 403  # a session needs its CSRF token
    page = await (await client.get("/notifications")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    done = await client.post(path, headers={"X-CSRF-Token": token})
    assert done.status == 200 and (await done.json())["read"] is True
