"""Feedback loops as in-app notifications: moderators hear of proofs, reports and twinning
requests; residents of their approved proof, their hidden item and their handled report; thanks
carry their text; every notification is shown in the reader's current language."""

import datetime as dt

from factories import make_listing
from helpers import (
    PDF,
    login,
    make_quarter,
    make_resident,
    node_of,
    post_file,
    post_form,
    switch_to,
)

from node import migrations
from node.commit import commit
from node.db import Database
from node.local import twins, verification
from node.local.loans.models import Loan
from node.local.models import Resident
from node.local.moderation import actions as moderation
from node.local.notifications.models import Notification


async def _notes(node, username):
    def work():
        who = Resident.get(Resident.username == username)
        return [
            (n.kind, n.shown, n.url)
            for n in Notification.select().where(Notification.resident == who.id)
        ]

    return await node.db.run(work)


async def test_a_proof_tells_the_moderators_and_its_approval_tells_the_resident(client):
    node = node_of(client)
    await make_quarter(node)
    await make_quarter(node, "north", "North", postcodes=("35000",))
    await make_resident(node, "alice", verified=False)
    mod = await make_resident(node, "mod", role="moderator")
    await make_resident(node, "othermod", role="moderator", quarter="north")
    await login(client, "alice")
    sent = await post_file(
        client, "/settings/verification", "document", PDF, "bill.pdf", "application/pdf"
    )
    assert sent.status == 303, await sent.text()
    told = await _notes(node, "mod")
    assert [k for k, _t, _u in told] == ["proof_submitted"]
    assert "Alice sent a proof of address" in told[0][1] and told[0][2] == "/admin/verification"
    assert await _notes(node, "othermod") == []  # another quarter's moderator hears nothing
    proof = await node.db.run(lambda: verification.AddressProof.get())
    await commit(node, verification.decide, mod, proof.id, True)
    told = await _notes(node, "alice")
    assert [k for k, _t, _u in told] == ["proof_decided"]
    assert "Your address is verified" in told[0][1]
    page = await (await client.get("/notifications")).text()
    assert "Your address is verified" in page


async def test_report_hide_and_handling_tell_moderators_author_and_reporter(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    await make_resident(node, "bob")
    mod = await make_resident(node, "mod", role="moderator")
    listing = await make_listing(node, alice, "Shady drill")
    await login(client, "bob")
    response = await post_form(
        client,
        "/reports",
        page="/settings",
        target_type="listing",
        target_id=str(listing.id),
        reason="looks stolen",
    )
    assert response.status == 303
    told = await _notes(node, "mod")
    assert told == [("report_filed", "New report about a listing: looks stolen", "/moderation")]
    report = await node.db.run(lambda: moderation.Report.get())
    await commit(node, moderation.act, mod.id, "hide", "listing", listing.id, "", report.id)
    hidden = await _notes(node, "alice")
    assert hidden == [
        (
            "item_hidden",
            "A moderator hid your listing “Shady drill”. Reason: none given",
            f"/listings/{listing.id}",
        )
    ]
    handled = await _notes(node, "bob")
    assert [k for k, _t, _u in handled] == ["report_handled"]
    assert "what you reported is hidden" in handled[0][1]
    # the moderation log names the action and the target in the reader's language
    await post_form(client, "/settings", display_name="Bob", language="fr")
    log = await (await client.get("/moderation/log")).text()
    assert "Masqué" in log and f"annonce n° {listing.id}" in log


async def test_a_twinning_request_tells_the_moderators_of_the_asked_quarter(client):
    node = node_of(client)
    quarter = await make_quarter(node)
    await make_resident(node, "mod", role="moderator")
    await make_resident(node, "alice")
    remote = twins.RemoteQuarter(
        "https://aachen.test/@burtscheid", "burtscheid", "Burtscheid", "aachen.test", "DE"
    )
    await node.db.atomic(twins.asked, quarter.id, remote, "https://aachen.test/follows/1")
    await node.db.atomic(twins.asked, quarter.id, remote, "https://aachen.test/follows/1")
    told = await _notes(node, "mod")
    assert told == [
        (
            "twin_request",
            "The quarter Burtscheid (aachen.test) asks to twin with yours.",
            "/admin/twins",
        )
    ]  # once, though the Follow came twice
    assert await _notes(node, "alice") == []


async def test_notifications_follow_the_readers_current_language_and_thanks_carry_text(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    bob = await make_resident(node, "bob")
    listing = await make_listing(node, alice, "Perceuse")
    today = dt.date.today()

    def returned_loan():
        return Loan.create(
            listing=listing.id,
            lender=alice.id,
            borrower=bob.id,
            start=today,
            until=today,
            state="returned",
        )

    loan = await node.db.run(returned_loan)
    await login(client, "bob")
    response = await post_form(
        client, f"/loans/{loan.id}/thank", page=f"/loans/{loan.id}", message="Super perceuse !"
    )
    assert response.status == 303, await response.text()
    await switch_to(client, "alice")
    page = await (await client.get("/notifications")).text()
    assert "Bob said thank you for “Perceuse”: Super perceuse !" in page
    # alice switches to German: the same notification now reads in German
    await post_form(client, "/settings", display_name="Alice", language="de")
    page = await (await client.get("/notifications")).text()
    assert "Bob bedankt sich für „Perceuse“: Super perceuse !" in page


def test_the_migration_recovers_message_and_parameters_of_old_rows(database_url):
    db = Database(database_url("notices"))
    db.bind_here()
    try:
        peewee = db.peewee
        migrations.apply(peewee, upto="0084_queue_claims")
        p = peewee.param
        now = dt.datetime(2026, 11, 1, 12, 0)
        peewee.execute_sql(
            "INSERT INTO resident (username, host, display_name, email, password_hash, language,"
            " role, verification, bio, skills, languages_spoken, avatar, session_version,"
            " profile_url, created_at, address, postcode, city)"
            f" VALUES ({', '.join([p] * 18)})",
            ("lea", "", "Léa", "lea@example.test", "x", "fr", "resident", "none", "", "", "", "",
             1, "", now, "", "", ""),
        )  # fmt: skip
        lea = peewee.execute_sql("SELECT id FROM resident").fetchone()[0]
        for text in (
            "Nouveau message de Yann.",  # the French of "New message from %(name)s."
            "Something no catalogue knows",
        ):
            peewee.execute_sql(
                "INSERT INTO notification (resident_id, kind, text, url, created_at, mailed)"
                f" VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
                (lea, "message", text, "", now, False),
            )
        migrations.apply(peewee)
        rows = {n.text: n for n in Notification.select()}
        known = rows["Nouveau message de Yann."]
        assert known.message == "New message from %(name)s." and '"name": "Yann"' in known.params
        from node.i18n import using

        with using("de"):
            assert known.shown.startswith("Neue Nachricht von Yann")
        unknown = rows["Something no catalogue knows"]
        assert unknown.message == "" and unknown.shown == "Something no catalogue knows"
    finally:
        db.close()
