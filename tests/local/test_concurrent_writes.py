"""Concurrent writes through the real HTTP surface (issue #13, items 1, 3, 4, 5).

Each test sends its requests at once with asyncio.gather over real loopback connections to a
served app and counts the outcome in the database: one accepted loan among overlapping ones,
no lost field, no withdrawn listing coming back, no Update after a Delete, one thanks per party.
"""

import asyncio
import datetime as dt
import json

from helpers import api, login, post_form, sharing_pair

from node.activitypub.models import Delivery, Follower
from node.local.listings.models import Listing, ListingPhoto
from node.local.loans.models import Loan, LoanStep
from node.local.notifications.models import Notification

LENT = "The object is already lent for some of these dates."


def day(n: int) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=n)).isoformat()  # when asked


async def offer(client, token, **extra):
    body = {"kind": "offer", "type": "loan", "title": "Perceuse", **extra}
    status, data, _ = await api(client, "POST", "/api/v1/listings", token, body)
    assert status == 201, data
    return data["id"]


async def move(client, token, loan_id, action, body=None):
    return await api(client, "POST", f"/api/v1/loans/{loan_id}/{action}", token, body)


async def rows(node, fn):
    return await node.db.run(fn)


# ---------------------------------------------------------------- 1. lent twice


async def test_overlapping_accepts_lend_the_object_once(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    listing_id = await offer(client, ta)
    loan_ids = []
    for i in range(30):  # 30 requests, all overlapping days 3..10
        body = {"from": day(1 + i % 3), "until": day(10 + i % 4)}
        status, loan, _ = await api(
            client, "POST", f"/api/v1/listings/{listing_id}/loans", tb, body
        )
        assert status == 201, loan
        loan_ids.append(loan["id"])

    results = await asyncio.gather(*(move(client, ta, lid, "accept") for lid in loan_ids))

    statuses = [status for status, _, _ in results]
    accepted = await rows(
        node,
        lambda: (
            Loan.select()
            .where((Loan.listing == listing_id) & Loan.state.in_(["accepted", "handed_over"]))
            .count()
        ),
    )
    assert (statuses.count(200), accepted) == (1, 1), statuses
    refused = [body for status, body, _ in results if status != 200]
    assert [status for status in statuses if status != 200] == [409] * 29
    assert {body["message"] for body in refused} == {LENT}


async def test_two_servers_on_one_database_lend_once(make_settings, aiohttp_client):
    """As reported: two `serve` processes on one database (here two apps, two pools)."""
    from node.app import create_app

    first = make_settings("one")
    second = make_settings("two", database_url=first.database_url)
    client = await aiohttp_client(create_app(first))
    other = await aiohttp_client(create_app(second))
    node, alice, bob, ta, tb = await sharing_pair(client)
    listing_id = await offer(client, ta)
    loan_ids = []
    for i in range(20):
        body = {"from": day(2 + i % 5), "until": day(12)}
        _, loan, _ = await api(client, "POST", f"/api/v1/listings/{listing_id}/loans", tb, body)
        loan_ids.append(loan["id"])

    results = await asyncio.gather(
        *(move((client, other)[n % 2], ta, lid, "accept") for n, lid in enumerate(loan_ids))
    )

    statuses = [status for status, _, _ in results]
    assert sorted(statuses) == [200] + [409] * 19, statuses
    assert {body["message"] for status, body, _ in results if status == 409} == {LENT}


# ---------------------------------------------------------------- 5. thanks once


async def test_thanks_count_once_per_party(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    listing_id = await offer(client, ta)
    body = {"from": day(1), "until": day(3)}
    _, loan, _ = await api(client, "POST", f"/api/v1/listings/{listing_id}/loans", tb, body)
    lid = loan["id"]
    for token, action in ((ta, "accept"), (tb, "handover"), (ta, "return")):
        status, data, _ = await move(client, token, lid, action)
        assert status == 200, data

    results = await asyncio.gather(
        *(move(client, token, lid, "thank", {"message": "Merci"}) for token in [ta, tb] * 10)
    )

    def counts():
        steps = LoanStep.select().where((LoanStep.loan == lid) & (LoanStep.step == "thanked"))
        thanked = sorted(step.actor_id for step in steps)
        notes = Notification.select().where(Notification.text.contains("said thank you"))
        return thanked, sorted(n.resident_id for n in notes)

    thanked, notified = await rows(node, counts)
    statuses = [status for status, _, _ in results]
    assert (len(thanked), len(notified), statuses.count(200)) == (2, 2, 2), statuses
    assert thanked == sorted([alice.id, bob.id])
    assert notified == sorted([alice.id, bob.id])
    assert statuses.count(409) == 18, statuses
    assert {b["message"] for s, b, _ in results if s == 409} == {"You already said thank you."}
    status, data, _ = await api(client, "GET", f"/api/v1/loans/{lid}", ta)
    assert data["lender_thanked"] and data["borrower_thanked"]


# ---------------------------------------------------------------- 3. lost edits


EDITS = [
    {"title": "Perceuse à percussion"},
    {"description": "Avec deux mèches"},
    {"availability": "Le soir"},
    {"language": "fr"},
]


async def test_concurrent_patches_of_different_fields_all_survive(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    ids = [await offer(client, ta, title=f"Objet {n}") for n in range(5)]
    lost, versions = [], []
    for listing_id in ids:
        results = await asyncio.gather(
            *(api(client, "PATCH", f"/api/v1/listings/{listing_id}", ta, e) for e in EDITS)
        )
        assert [status for status, _, _ in results] == [200] * 4
        _, data, _ = await api(client, "GET", f"/api/v1/listings/{listing_id}", ta)
        lost += [name for edit in EDITS for name, value in edit.items() if data[name] != value]
        versions.append(data.get("version"))
    assert lost == [], f"{len(lost)} of {len(EDITS) * len(ids)} changes lost"
    assert versions == [5] * 5  # created as 1, then four edits


async def test_if_match_refuses_a_stale_edit_with_412(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    listing_id = await offer(client, ta)
    path = f"/api/v1/listings/{listing_id}"
    status, data, response = await api(client, "GET", path, ta)
    etag = response.headers.get("ETag")
    assert etag == f'"{data["version"]}"'

    async def patch(edit):
        response = await client.patch(
            path, json=edit, headers={"Authorization": f"Bearer {ta}", "If-Match": etag}
        )
        return response.status, await response.json(), response.headers.get("ETag")

    results = await asyncio.gather(*(patch(edit) for edit in EDITS))

    statuses = [status for status, _, _ in results]
    assert sorted(statuses) == [200, 412, 412, 412], statuses
    (winner,) = [edit for edit, (status, _, _) in zip(EDITS, results, strict=True) if status == 200]
    stale = [body for status, body, _ in results if status == 412]
    assert {body["message"] for body in stale} == {
        "This listing was changed meanwhile; reload it and try again."
    }
    _, data, response = await api(client, "GET", path, ta)
    assert {name: data[name] for name in winner} == winner
    new_etag = response.headers["ETag"]
    assert new_etag != etag and new_etag == next(t for s, _, t in results if s == 200)
    # without If-Match a PATCH still works, applying only its own fields
    status, data, _ = await api(client, "PATCH", path, ta, {"availability": "Le matin"})
    assert status == 200 and data["availability"] == "Le matin"
    assert {name: data[name] for name in winner} == winner


async def test_if_match_values(client):
    """Strong comparison (RFC 9110 §13.1.1): weak or unreadable tags never match; `*` always does."""
    node, alice, bob, ta, tb = await sharing_pair(client)
    listing_id = await offer(client, ta)
    path = f"/api/v1/listings/{listing_id}"
    cases = [
        ('W/"1"', 412),
        ("1", 412),
        ('"99999999999"', 412),
        ('"", "x"', 412),
        ('"7", "1"', 200),  # a list: any may match
        ("*", 200),
    ]
    got = []
    for value, _ in cases:
        _, data, _ = await api(client, "GET", path, ta)
        headers = {
            "Authorization": f"Bearer {ta}",
            "If-Match": value.replace('"1"', f'"{data["version"]}"'),
        }
        response = await client.patch(path, json={"availability": value[:20]}, headers=headers)
        got.append(response.status)
    assert got == [status for _, status in cases]


async def test_edit_form_says_changed_meanwhile(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    listing_id = await offer(client, ta)
    await login(client, "alice")
    # the form was opened at version 1; meanwhile an edit from another device
    await api(client, "PATCH", f"/api/v1/listings/{listing_id}", ta, {"title": "Autre titre"})
    response = await post_form(
        client,
        f"/listings/{listing_id}/edit",
        page=f"/listings/{listing_id}/edit",
        kind="offer",
        type="loan",
        title="Mon titre",
        version="1",
    )
    _, data, _ = await api(client, "GET", f"/api/v1/listings/{listing_id}", ta)
    assert (response.status, data["title"]) == (409, "Autre titre")
    assert "changed meanwhile" in await response.text()
    page = await (await client.get(f"/listings/{listing_id}/edit")).text()
    assert 'name="version" value="2"' in page


# ---------------------------------------------------------------- 4. withdrawn stays withdrawn


async def _follow(node, handle):
    def add():
        Follower.create(
            handle=handle,
            actor_uri="https://far.example/users/fan",
            inbox="https://far.example/users/fan/inbox",
            state="accepted",
        )

    await node.db.run(add)


async def _verbs(node, listing_id):
    """(verb, state) of every delivery about the listing's Note, in the order they were queued."""
    note = node.urls.listing(listing_id)

    def read():
        out = []
        for row in Delivery.select().order_by(Delivery.id):
            activity = json.loads(bytes(row.body))
            inner = activity.get("object")
            if activity["type"] == "Announce" and isinstance(inner, dict):
                activity, inner = inner, inner.get("object")  # FEP-1b12 wrap
            ref = inner.get("id") if isinstance(inner, dict) else inner
            if ref == note:
                out.append((activity["type"], row.state))
        return out

    return await node.db.run(read)


def _after_delete(verbs):
    """Deliveries still to send (or sent) that follow the Delete of the same object."""
    seen = False
    late = []
    for verb, state in verbs:
        if verb == "Delete":
            seen = True
        elif seen and state != "dropped":
            late.append(verb)
    return late


async def test_withdrawn_listing_never_comes_back(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    await _follow(node, "alice")
    resurrected, late_updates = [], []
    for trial in range(10):
        listing_id = await offer(client, ta, title=f"Escabeau {trial}", reach="public")
        path = f"/api/v1/listings/{listing_id}"
        patch, delete, patch2 = await asyncio.gather(
            api(client, "PATCH", path, ta, {"title": f"Escabeau {trial} bis"}),
            api(client, "DELETE", path, ta),
            api(client, "PATCH", path, ta, {"availability": "Tous les jours"}),
        )
        assert delete[0] == 200, delete[1]
        for status, body, _ in (patch, patch2):
            assert status in (200, 409), body
        state = await rows(node, lambda lid=listing_id: Listing.get_by_id(lid).state)
        if state != "withdrawn":
            resurrected.append(listing_id)
        verbs = await _verbs(node, listing_id)
        assert verbs[0][0] == "Create" and "Delete" in [v for v, _ in verbs]
        late_updates += _after_delete(verbs)
    assert (resurrected, late_updates) == ([], []), (
        f"{len(resurrected)} of 10 withdrawn listings came back; "
        f"{len(late_updates)} Updates queued after the Delete"
    )
    status, body, _ = await api(client, "PATCH", path, ta, {"title": "Encore"})
    assert status == 409 and body["message"] == "A withdrawn listing can no longer be edited."


async def test_no_update_is_sent_after_the_delete(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    await _follow(node, "alice")
    listing_id = await offer(client, ta, reach="public")
    photo = await rows(
        node, lambda: ListingPhoto.create(listing=listing_id, name="", alt="une perceuse")
    )
    status, _, _ = await api(client, "DELETE", f"/api/v1/listings/{listing_id}", ta)
    assert status == 200
    await login(client, "alice")
    response = await post_form(
        client,
        f"/listings/{listing_id}/photos/{photo.id}/alt",
        page="/listings/new",
        alt="une perceuse rouge",
    )
    assert response.status in (303, 409)
    verbs = await _verbs(node, listing_id)
    assert [v for v, _ in verbs].count("Delete") >= 1
    assert _after_delete(verbs) == []


# ---------------------------------------------------------------- 3. events: the same for forms


async def test_event_edits_from_the_same_version_save_once(client):
    from factories import event_body
    from helpers import csrf_token, make_quarter, make_resident, node_of

    from node.commit import commit
    from node.local.events import drafts as event_drafts
    from node.local.events import write as events
    from node.local.events.models import Event

    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    draft = event_drafts.EventDraft.parse(event_body())
    event = await commit(node, events.schedule, alice.id, draft, actor_id=alice.id)
    await login(client, "alice")
    url = f"/events/{event.id}"
    token = await csrf_token(client, f"{url}/edit")
    base = {k: str(v) for k, v in event_body().items()} | {"csrf_token": token, "version": "1"}

    titles = [f"Fête de rue {n}" for n in range(4)]
    responses = await asyncio.gather(
        *(
            client.post(f"{url}/edit", data=base | {"title": t}, allow_redirects=False)
            for t in titles
        )
    )

    statuses = [r.status for r in responses]
    assert sorted(statuses) == [303, 409, 409, 409], statuses
    for r in responses:
        if r.status == 409:
            assert "changed meanwhile" in await r.text()
    (winner,) = [t for t, r in zip(titles, responses, strict=True) if r.status == 303]
    saved = await rows(node, lambda: Event.get_by_id(event.id))
    assert (saved.title, saved.version) == (winner, 2)
    page = await (await client.get(f"{url}/edit")).text()
    assert 'name="version" value="2"' in page
