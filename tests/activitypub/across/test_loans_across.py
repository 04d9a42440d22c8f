"""A loan between a French and a German node, through every step, with duplicates and intruders."""

import datetime as dt
import json

from across_support import call, nodes, post_signed, settle, share_listing, stop
from ap_support import Peer

from node.activitypub.models import Delivery, InboxItem
from node.local.loans.models import LoanStep
from node.local.notifications.models import Notification

DAY = dt.timedelta(days=1)


async def both(fr, de, a_id, b_id):
    """The loan as each node's API shows it to its own resident."""
    _, mine = await call(fr["node"], "GET", f"/api/v1/loans/{a_id}", fr["tokens"]["camille"])
    _, theirs = await call(de["node"], "GET", f"/api/v1/loans/{b_id}", de["tokens"]["jonas"])
    return mine, theirs


def same(mine, theirs, state):
    """Both nodes agree on the state, dates, thanks and the list of steps."""
    assert mine["state"] == theirs["state"] == state
    for key in ("from", "until", "lender_thanked", "borrower_thanked", "extension"):
        assert mine[key] == theirs[key], key
    assert [h["step"] for h in mine["history"]] == [h["step"] for h in theirs["history"]]


async def sent_bodies(node, kind):
    rows = await node.db.run(lambda: [bytes(d.body) for d in Delivery.select()])
    return [b for b in rows if json.loads(b)["type"] == kind]


async def inbox_state(node, activity_id):
    return await node.db.run(lambda: InboxItem.get(InboxItem.activity_id == activity_id).state)


async def test_loan_across_the_border_every_step(make_settings, cleanup):
    fr, de = await nodes(
        make_settings, ("fr", "centre", "FR", ["camille"]), ("de", "aachen", "DE", ["jonas"])
    )
    a, b = fr["node"], de["node"]
    camille, jonas = fr["tokens"]["camille"], de["tokens"]["jonas"]
    mallory = await Peer().start()
    cleanup.push_async_callback(stop, fr, de)
    cleanup.push_async_callback(mallory.stop)
    _listing, remote = await share_listing(
        de, fr, "camille", "jonas", title="Bohrmaschine", language="de"
    )
    assert remote.language == "de"
    start = dt.date.today() + 2 * DAY
    # Camille asks through the usual API, for the remote listing's local id.
    status, loan = await call(
        a,
        "POST",
        f"/api/v1/listings/{remote.id}/loans",
        camille,
        {"from": start.isoformat(), "until": (start + 4 * DAY).isoformat(), "message": "Merci"},
    )
    assert status == 201 and loan["state"] == "requested"
    assert loan["lender"]["username"] == "jonas"
    await settle(a, b)
    offer = json.loads((await sent_bodies(a, "Offer"))[0])
    assert offer["object"]["type"] == "Agreement"
    assert offer["object"]["stipulates"]["satisfies"].endswith("#primary")
    assert offer["object"]["startTime"].startswith(start.isoformat())
    _, listed = await call(b, "GET", "/api/v1/loans", jonas)
    assert [(x["state"], x["message"]) for x in listed] == [("requested", "Merci")]
    b_id = listed[0]["id"]
    notes = await b.db.run(lambda: [n.text for n in Notification.select()])
    assert any("Bohrmaschine" in t for t in notes)  # the lender is told, as for local loans
    same(*await both(fr, de, loan["id"], b_id), "requested")

    # Jonas accepts on B → A shows it (Accept with the Agreement as result).
    assert (await call(b, "POST", f"/api/v1/loans/{b_id}/accept", jonas))[0] == 200
    await settle(a, b)
    same(*await both(fr, de, loan["id"], b_id), "accepted")
    accept = json.loads((await sent_bodies(b, "Accept"))[-1])
    assert accept["object"] == offer["id"]
    assert accept["result"]["attributedTo"] == b.urls.actor("jonas")

    # The borrower's node pretends to accept its own request: refused, nothing changes.
    fake = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": a.urls.loan(loan["id"]) + "#forged",
        "type": "Accept",
        "actor": a.urls.actor("camille"),
        "object": offer["id"],
    }
    assert await post_signed(a, "camille", b.urls.shared_inbox(), fake) == 202
    await settle(a, b)
    assert await inbox_state(b, fake["id"]) == "rejected"
    same(*await both(fr, de, loan["id"], b_id), "accepted")

    # Handover confirmed by the borrower on A.
    assert (await call(a, "POST", f"/api/v1/loans/{loan['id']}/handover", camille))[0] == 200
    await settle(a, b)
    same(*await both(fr, de, loan["id"], b_id), "handed_over")

    # The same signed step twice: the inbox keeps it once; even replayed past the inbox
    # (its record pruned), the step is applied once.
    custody = (await sent_bodies(a, "Create"))[-1]
    steps_before = await b.db.run(lambda: LoanStep.select().count())
    assert await post_signed(a, "camille", b.urls.shared_inbox(), body=custody) == 202
    await b.db.run(lambda: InboxItem.delete().execute())
    assert await post_signed(a, "camille", b.urls.shared_inbox(), body=custody) == 202
    await settle(a, b)
    assert await b.db.run(lambda: LoanStep.select().count()) == steps_before
    same(*await both(fr, de, loan["id"], b_id), "handed_over")

    # Extension: asked on A, declined on B; asked again, accepted.
    later = (start + 8 * DAY).isoformat()
    path = f"/api/v1/loans/{loan['id']}/extend"
    assert (await call(a, "POST", path, camille, {"until": later}))[0] == 200
    await settle(a, b)
    mine, theirs = await both(fr, de, loan["id"], b_id)
    assert theirs["extension"] == {"until": later, "state": "asked"}
    same(mine, theirs, "handed_over")
    assert (await call(b, "POST", f"/api/v1/loans/{b_id}/extend/decline", jonas))[0] == 200
    await settle(a, b)
    same(*await both(fr, de, loan["id"], b_id), "handed_over")
    assert (await call(a, "POST", path, camille, {"until": later}))[0] == 200
    await settle(a, b)
    assert (await call(b, "POST", f"/api/v1/loans/{b_id}/extend/accept", jonas))[0] == 200
    await settle(a, b)
    mine, theirs = await both(fr, de, loan["id"], b_id)
    assert mine["until"] == theirs["until"] == later
    same(mine, theirs, "handed_over")

    # A third node's actor claims the object is back: refused.
    intruder = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": mallory.base + "/objects/return",
        "type": "Create",
        "actor": mallory.uri("mallory"),
        "context": b.urls.loan(b_id),
        "object": {
            "id": mallory.base + "/objects/return#event",
            "type": "EconomicEvent",
            "attributedTo": mallory.uri("mallory"),
            "loanStep": "returned",
            "context": b.urls.loan(b_id),
        },
    }
    status, _ = await mallory.post(b.urls.shared_inbox(), intruder, name="mallory")
    assert status == 202
    await settle(a, b)
    assert await inbox_state(b, intruder["id"]) == "rejected"
    same(*await both(fr, de, loan["id"], b_id), "handed_over")

    # The borrower may not confirm the return: refused by A's API (the same rules).
    assert (await call(a, "POST", f"/api/v1/loans/{loan['id']}/return", camille))[0] == 403
    # The lender confirms the return on B; then thanks both ways.
    assert (await call(b, "POST", f"/api/v1/loans/{b_id}/return", jonas))[0] == 200
    await settle(a, b)
    same(*await both(fr, de, loan["id"], b_id), "returned")
    thank = f"/api/v1/loans/{loan['id']}/thank"
    assert (await call(a, "POST", thank, camille, {"message": "Danke!"}))[0] == 200
    assert (await call(b, "POST", f"/api/v1/loans/{b_id}/thank", jonas, {}))[0] == 200
    await settle(a, b)
    mine, theirs = await both(fr, de, loan["id"], b_id)
    same(mine, theirs, "returned")
    assert mine["lender_thanked"] and mine["borrower_thanked"]
    notes = await a.db.run(lambda: [n.text for n in Notification.select()])
    assert "Jonas" in notes[-1] and "Bohrmaschine" in notes[-1]  # told, in French
    # Thanks are a direct Note (no Public) carrying the agreement as context.
    thanks = [json.loads(x) for x in await sent_bodies(a, "Create")][-1]["object"]
    assert thanks["to"] == [b.urls.actor("jonas")] and thanks["context"] == b.urls.loan(b_id)
    assert thanks["contentMap"] == {"fr": "<p>Danke!</p>"}
    # Each profile counts the thanks received, on both nodes (never stars).
    _, jonas_on_b = await call(b, "GET", "/api/v1/residents/jonas", jonas)
    assert jonas_on_b["thanks"]["count"] == 1
    assert [(t["from"], t["kind"], t["text"]) for t in jonas_on_b["thanks"]["latest"]] == [
        ("Camille", "loan", "Danke!")
    ]
    _, jonas_on_a = await call(a, "GET", f"/api/v1/residents/jonas@{b.urls.host}", camille)
    assert jonas_on_a["thanks"]["count"] == 1
    _, camille_on_a = await call(a, "GET", "/api/v1/residents/camille", camille)
    assert [(t["from"], t["kind"]) for t in camille_on_a["thanks"]["latest"]] == [("Jonas", "loan")]


async def test_declined_and_cancelled_loans_across_the_border(make_settings, cleanup):
    fr, de = await nodes(
        make_settings, ("fr", "centre", "FR", ["camille"]), ("de", "aachen", "DE", ["jonas"])
    )
    a, b = fr["node"], de["node"]
    camille, jonas = fr["tokens"]["camille"], de["tokens"]["jonas"]
    cleanup.push_async_callback(stop, fr, de)
    _listing, remote = await share_listing(de, fr, "camille", "jonas", title="Leiter")
    start = dt.date.today() + 3 * DAY

    async def ask(offset):
        dates = {
            "from": (start + offset * DAY).isoformat(),
            "until": (start + (offset + 1) * DAY).isoformat(),
        }
        status, loan = await call(a, "POST", f"/api/v1/listings/{remote.id}/loans", camille, dates)
        assert status == 201
        await settle(a, b)
        _, listed = await call(b, "GET", "/api/v1/loans", jonas)
        return loan["id"], listed[0]["id"]

    # Declined by the lender.
    a_id, b_id = await ask(0)
    assert (await call(b, "POST", f"/api/v1/loans/{b_id}/decline", jonas))[0] == 200
    await settle(a, b)
    same(*await both(fr, de, a_id, b_id), "declined")
    # Withdrawn by the borrower before an answer (Undo of the Offer).
    a_id, b_id = await ask(10)
    assert (await call(a, "POST", f"/api/v1/loans/{a_id}/cancel", camille))[0] == 200
    await settle(a, b)
    same(*await both(fr, de, a_id, b_id), "cancelled")
    # Accepted, then called off by the lender (Undo of the Accept).
    a_id, b_id = await ask(20)
    assert (await call(b, "POST", f"/api/v1/loans/{b_id}/accept", jonas))[0] == 200
    await settle(a, b)
    assert (await call(b, "POST", f"/api/v1/loans/{b_id}/cancel", jonas))[0] == 200
    await settle(a, b)
    same(*await both(fr, de, a_id, b_id), "cancelled")
    undo = [json.loads(x) for x in await sent_bodies(b, "Undo")][-1]
    assert undo["object"]["type"] == "Accept"
