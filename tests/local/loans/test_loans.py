"""The loan state machine through the API: every legal move, every illegal one, overlap, extension."""

import datetime as dt

from babel.dates import format_date
from helpers import api, make_resident, make_token, sharing_pair

from node.commit import commit
from node.local.moderation.models import Block
from node.local.notifications.models import Notification

TODAY = dt.date.today()  # at import: use day() in tests, which reads the date when it is called


def day(n: int) -> str:
    # today's date when asked: a suite that runs past midnight UTC (CI at 00:05) must not
    # compare a date of yesterday's import with a clock read today
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=n)).isoformat()


async def offer(client, token, type_="loan", kind="offer", title="Perceuse"):
    status, data, _ = await api(
        client, "POST", "/api/v1/listings", token, {"kind": kind, "type": type_, "title": title}
    )
    assert status == 201
    return data["id"]


async def ask(client, token, listing_id, start=1, until=5, message="Pour une étagère"):
    return await api(
        client,
        "POST",
        f"/api/v1/listings/{listing_id}/loans",
        token,
        {"from": day(start), "until": day(until), "message": message},
    )


async def move(client, token, loan_id, action, body=None):
    return await api(client, "POST", f"/api/v1/loans/{loan_id}/{action}", token, body)


async def notes(node, resident_id):
    def read():
        return [
            n.text
            for n in Notification.select()
            .where(Notification.resident == resident_id)
            .order_by(Notification.id)
        ]

    return await node.db.run(read)


async def test_whole_loan_from_request_to_thanks(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    listing_id = await offer(client, ta)
    status, loan, _ = await ask(client, tb, listing_id)
    assert status == 201, loan
    assert loan["state"] == "requested" and loan["id"]
    assert (loan["from"], loan["until"]) == (day(1), day(5))
    assert loan["lender"]["username"] == "alice" and loan["borrower"]["username"] == "bob"
    assert (await notes(node, alice.id))[-1] == "Bob asks to borrow “Perceuse”."
    lid = loan["id"]
    status, loan, _ = await move(client, ta, lid, "accept")
    assert status == 200 and loan["state"] == "accepted"
    assert "accepted" in (await notes(node, bob.id))[-1]
    status, loan, _ = await move(client, tb, lid, "handover")
    assert loan["state"] == "handed_over"
    status, loan, _ = await move(client, ta, lid, "return")
    assert loan["state"] == "returned"
    status, loan, _ = await move(client, ta, lid, "thank", {"message": "Merci !"})
    assert status == 200 and loan["lender_thanked"] and not loan["borrower_thanked"]
    status, loan, _ = await move(client, tb, lid, "thank")
    assert loan["borrower_thanked"]
    status, err, _ = await move(client, tb, lid, "thank")
    assert status == 409 and err["message"] == "You already said thank you."
    steps = [s["step"] for s in loan["history"]]
    assert steps == ["requested", "accepted", "handed_over", "returned", "thanked", "thanked"]
    assert loan["history"][0]["actor"] == "bob" and loan["history"][0]["note"] == "Pour une étagère"
    status, got, _ = await api(client, "GET", f"/api/v1/loans/{lid}", ta)
    assert status == 200 and got["state"] == "returned"
    # listings keep their history of loans
    from node.local.loans import read as loan_reads

    history = await node.db.run(loan_reads.history, listing_id)
    assert [h.id for h in history] == [lid] and len(history[0].step_list) == 6


async def test_illegal_moves_are_refused_with_409(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    listing_id = await offer(client, ta)
    _, loan, _ = await ask(client, tb, listing_id)
    lid = loan["id"]
    for action in ("handover", "return", "thank"):
        status, err, _ = await move(client, ta, lid, action)
        assert status == 409, action
        assert err["error"] == "conflict" and err["message"]
    status, err, _ = await move(client, ta, lid, "return")
    assert err["message"] == "This loan is requested: it cannot be returned."
    await move(client, ta, lid, "accept")
    status, err, _ = await move(client, ta, lid, "accept")  # accepting twice
    assert status == 409
    status, err, _ = await move(client, ta, lid, "decline")
    assert status == 409
    status, err, _ = await move(client, ta, lid, "return")  # return before handover
    assert status == 409
    await move(client, ta, lid, "handover")
    status, err, _ = await move(client, tb, lid, "cancel")  # too late to cancel
    assert status == 409
    await move(client, ta, lid, "return")
    status, err, _ = await move(client, ta, lid, "handover")
    assert status == 409


async def test_wrong_party_and_strangers_get_403_or_404(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    carol = await make_resident(node, "carol")
    tc = await make_token(node, carol.id)
    listing_id = await offer(client, ta)
    _, loan, _ = await ask(client, tb, listing_id)
    lid = loan["id"]
    for action in ("accept", "decline", "handover", "cancel"):
        status, err, _ = await move(client, tc, lid, action)
        assert status == 403 and err["message"] == "This loan is between other neighbours."
    status, _e, _ = await api(client, "GET", f"/api/v1/loans/{lid}", tc)
    assert status == 404
    status, err, _ = await move(client, tb, lid, "accept")  # the borrower cannot accept
    assert status == 403 and err["message"] == "Only the lender can do this."
    status, err, _ = await move(client, ta, lid, "cancel")  # the lender declines instead
    assert status == 403
    await move(client, ta, lid, "accept")
    await move(client, ta, lid, "handover")
    status, err, _ = await move(client, tb, lid, "return")  # only the lender confirms the return
    assert status == 403
    status, err, _ = await move(client, ta, lid, "extend", {"until": day(9)})
    assert status == 403 and err["message"] == "Only the borrower can do this."
    status, err, _ = await ask(client, ta, listing_id)  # one's own object
    assert status == 403


async def test_decline_and_cancel(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    listing_id = await offer(client, ta)
    _, first, _ = await ask(client, tb, listing_id, 1, 2)
    status, loan, _ = await move(client, ta, first["id"], "decline")
    assert loan["state"] == "declined"
    assert "cannot lend" in (await notes(node, bob.id))[-1]
    _, second, _ = await ask(client, tb, listing_id, 1, 2)
    status, loan, _ = await move(client, tb, second["id"], "cancel")
    assert loan["state"] == "cancelled"
    _, third, _ = await ask(client, tb, listing_id, 1, 2)
    await move(client, ta, third["id"], "accept")
    status, loan, _ = await move(client, ta, third["id"], "cancel")  # either side, before handover
    assert status == 200 and loan["state"] == "cancelled"
    assert "cancelled" in (await notes(node, bob.id))[-1]


async def test_accepted_loans_never_overlap(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    carol = await make_resident(node, "carol")
    tc = await make_token(node, carol.id)
    listing_id = await offer(client, ta)
    _, first, _ = await ask(client, tb, listing_id, 2, 6)
    _, second, _ = await ask(client, tc, listing_id, 5, 8)  # overlapping requests may wait
    assert second["state"] == "requested"
    await move(client, ta, first["id"], "accept")
    status, err, _ = await move(client, ta, second["id"], "accept")
    assert status == 409 and "already lent" in err["message"]
    status, err, _ = await ask(client, tc, listing_id, 6, 7)  # asking for taken dates
    assert status == 409
    status, ok, _ = await ask(client, tc, listing_id, 7, 9)  # the day after is free
    assert status == 201
    status, loan, _ = await move(client, ta, ok["id"], "accept")
    assert loan["state"] == "accepted"


async def test_extension_asked_accepted_and_declined(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    carol = await make_resident(node, "carol")
    tc = await make_token(node, carol.id)
    listing_id = await offer(client, ta)
    _, loan, _ = await ask(client, tb, listing_id, 1, 3)
    lid = loan["id"]
    status, err, _ = await move(client, tb, lid, "extend", {"until": day(6)})
    assert status == 409  # not accepted yet
    await move(client, ta, lid, "accept")
    await move(client, ta, lid, "handover")
    status, err, _ = await move(client, tb, lid, "extend", {"until": day(2)})
    assert status == 422  # must be later
    status, err, _ = await move(client, tb, lid, "extend", {"until": "soon"})
    assert status == 422 and "until" in err["fields"]
    status, loan, _ = await move(client, tb, lid, "extend", {"until": day(6)})
    assert status == 200 and loan["extension"] == {"until": day(6), "state": "asked"}
    assert loan["until"] == day(3)
    asked = (await notes(node, alice.id))[-1]
    assert "asks to keep" in asked
    # the date reads as people write it (Babel, the resident's language), never 2026-12-09
    wanted = dt.date.fromisoformat(day(6))
    assert day(6) not in asked and format_date(wanted, "medium", locale="en") in asked
    status, err, _ = await move(client, tb, lid, "extend", {"until": day(7)})
    assert status == 409  # one at a time
    status, err, _ = await move(client, tb, lid, "extend/accept")
    assert status == 403
    status, loan, _ = await move(client, ta, lid, "extend/accept")
    assert loan["until"] == day(6) and loan["extension"] is None
    assert loan["history"][-1]["step"] == "extended"
    # a later booking blocks the next extension
    _, other, _ = await ask(client, tc, listing_id, 8, 9)
    await move(client, ta, other["id"], "accept")
    await move(client, tb, lid, "extend", {"until": day(8)})
    status, err, _ = await move(client, ta, lid, "extend/accept")
    assert status == 409
    status, loan, _ = await move(client, ta, lid, "extend/decline")
    assert loan["until"] == day(6) and loan["history"][-1]["step"] == "not_extended"
    status, err, _ = await move(client, ta, lid, "extend/decline")
    assert status == 409


async def test_only_loan_offers_can_be_borrowed(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    gift = await offer(client, ta, type_="gift")
    wanted = await offer(client, ta, kind="request")
    for listing_id in (gift, wanted):
        status, err, _ = await ask(client, tb, listing_id)
        assert status == 409 and err["message"] == "Only objects offered for loan can be borrowed."
    status, err, _ = await ask(client, tb, 999999)
    assert status == 404


async def test_bad_dates_are_refused(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    listing_id = await offer(client, ta)
    status, err, _ = await ask(client, tb, listing_id, 5, 1)
    assert status == 422 and "until" in err["fields"]
    status, err, _ = await ask(client, tb, listing_id, -3, 1)
    assert status == 422 and "from" in err["fields"]
    status, err, _ = await api(client, "POST", f"/api/v1/listings/{listing_id}/loans", tb, {})
    assert status == 422 and {"from", "until"} <= set(err["fields"])


async def test_blocked_neighbour_cannot_ask(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    listing_id = await offer(client, ta)

    def block(tx):
        Block.create(blocker=alice.id, blocked=bob.id)

    await commit(node, block)
    status, err, _ = await ask(client, tb, listing_id)
    assert status == 403 and err["error"] == "forbidden"


async def test_my_loans_both_directions(client):
    node, alice, bob, ta, tb = await sharing_pair(client)
    mine = await offer(client, ta, title="Drill")
    theirs = await offer(client, tb, title="Ladder")
    _, lent, _ = await ask(client, tb, mine)
    _, borrowed, _ = await ask(client, ta, theirs)
    status, both, _ = await api(client, "GET", "/api/v1/loans", ta)
    assert status == 200 and [x["id"] for x in both] == [borrowed["id"], lent["id"]]
    _, as_lender, _ = await api(client, "GET", "/api/v1/loans?role=lender", ta)
    assert [x["id"] for x in as_lender] == [lent["id"]]
    _, as_borrower, _ = await api(client, "GET", "/api/v1/loans?role=borrower", ta)
    assert [x["id"] for x in as_borrower] == [borrowed["id"]]
    status, _e, _ = await api(client, "GET", "/api/v1/loans?role=owner", ta)
    assert status == 422
    _, page, response = await api(client, "GET", "/api/v1/loans?limit=1", ta)
    assert len(page) == 1 and f"before={borrowed['id']}" in response.headers["Link"]


async def test_refusals_speak_the_residents_language(client):
    # Given a French-speaking lender (domain errors are raised on the database threads)
    node, alice, bob, ta, tb = await sharing_pair(client)
    claire = await make_resident(node, "claire", language="fr")
    tc = await make_token(node, claire.id)
    listing_id = await offer(client, tc)
    _, loan, _ = await ask(client, tb, listing_id)
    # When she confirms a return before any handover
    response = await client.post(
        f"/api/v1/loans/{loan['id']}/return", headers={"Authorization": f"Bearer {tc}"}
    )
    body = await response.json()
    # Then the refusal is in French
    assert response.status == 409
    assert body["message"].startswith("Ce prêt est")
