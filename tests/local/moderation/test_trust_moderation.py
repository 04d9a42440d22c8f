"""Moderation stays in its quarter: authority is checked against the target, through the real pages.

Two quarters: X ("centre": alice, bob, xmod) and Y ("port": yves, ymod). Every attack is a
moderator of Y (or an admin citing the wrong report) reaching into X."""

from factories import bearer, make_listing
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

from node.local.listings.models import Listing
from node.local.models import Organisation, Quarter, Resident
from node.local.moderation.models import ModerationAction, Report
from node.local.verification import AddressProof


async def two_quarters(client):
    node = node_of(client)
    await make_quarter(node, "centre", "Centre", postcodes=("35400",))
    await make_quarter(node, "port", "Port", postcodes=("35800",))
    people = {
        "alice": await make_resident(node, "alice"),
        "bob": await make_resident(node, "bob"),
        "xmod": await make_resident(node, "xmod", role="moderator"),
        "yves": await make_resident(node, "yves", quarter="port"),
        "ymod": await make_resident(node, "ymod", quarter="port", role="moderator"),
        "admin": await make_resident(node, "root", quarter="port", role="admin"),
    }
    return node, people


async def file_report(client, node, reporter, target_type, target_id, reason="spam"):
    r = await client.post(
        "/api/v1/reports",
        json={"target_type": target_type, "target_id": target_id, "reason": reason},
        headers=await bearer(node, reporter),
    )
    assert r.status == 201, await r.text()
    return (await r.json())["id"]


async def act(client, **fields):
    return await post_form(client, "/moderation/act", page="/moderation", **fields)


async def row(node, model, row_id):
    return await node.db.run(model.get_by_id, row_id)


async def test_moderator_of_y_cannot_hide_a_listing_of_x_by_citing_a_report_filed_in_y(client):
    node, p = await two_quarters(client)
    listing = await make_listing(node, p["alice"], "Bike repair")
    y_listing = await make_listing(node, p["yves"], "Old sofa")
    report_in_y = await file_report(client, node, p["yves"], "listing", y_listing.id)
    assert (await row(node, Report, report_in_y)).quarter_id == p["ymod"].quarter_id
    await login(client, "ymod")
    r = await act(
        client,
        report=str(report_in_y),
        target_type="listing",
        target_id=str(listing.id),
        action="hide",
        reason="not yours",
    )
    assert r.status == 403
    assert not (await row(node, Listing, listing.id)).hidden
    assert (await row(node, Report, report_in_y)).state == "open"
    # without any report, still not their quarter
    r = await act(client, target_type="listing", target_id=str(listing.id), action="remove")
    assert r.status == 403
    assert (await row(node, Listing, listing.id)).state != "withdrawn"
    # the same moderator acts on their own quarter's listing with that report
    r = await act(
        client,
        report=str(report_in_y),
        target_type="listing",
        target_id=str(y_listing.id),
        action="hide",
    )
    assert r.status == 303
    assert (await row(node, Listing, y_listing.id)).hidden


async def test_a_report_must_concern_the_target_even_for_an_admin(client):
    node, p = await two_quarters(client)
    listing = await make_listing(node, p["alice"], "Bike repair")
    y_listing = await make_listing(node, p["yves"], "Old sofa")
    report_in_y = await file_report(client, node, p["yves"], "listing", y_listing.id)
    await login(client, "root")
    r = await act(
        client,
        report=str(report_in_y),
        target_type="listing",
        target_id=str(listing.id),
        action="hide",
    )
    assert r.status == 403
    assert not (await row(node, Listing, listing.id)).hidden
    assert (await row(node, Report, report_in_y)).state == "open"


async def test_an_action_is_logged_in_the_targets_quarter(client):
    node, p = await two_quarters(client)
    listing = await make_listing(node, p["alice"], "Bike repair")
    report_in_x = await file_report(client, node, p["bob"], "listing", listing.id, "odd")
    await login(client, "root")  # an admin living in Y
    r = await act(
        client,
        report=str(report_in_x),
        target_type="listing",
        target_id=str(listing.id),
        action="hide",
        reason="Hidden by the admin",
    )
    assert r.status == 303
    logged = await node.db.run(lambda: list(ModerationAction.select()))
    assert [a.quarter_id for a in logged] == [listing.quarter_id]
    await switch_to(client, "bob")  # a resident of X reads it in X's public log
    assert "Hidden by the admin" in await (await client.get("/moderation/log")).text()
    await switch_to(client, "yves")
    assert "Hidden by the admin" not in await (await client.get("/moderation/log")).text()


async def test_a_moderator_cannot_suspend_or_warn_another_moderator(client):
    node, p = await two_quarters(client)
    await make_resident(node, "xmod2", role="moderator")
    xmod2 = await node.db.run(lambda: Resident.get(Resident.username == "xmod2"))
    await login(client, "xmod")
    for action in ("suspend", "warn"):
        r = await act(client, target_type="resident", target_id=str(xmod2.id), action=action)
        assert r.status == 403, action
    assert (await row(node, Resident, xmod2.id)).suspended_until is None
    # nor anyone of another quarter; residents of their own quarter they may
    r = await act(client, target_type="resident", target_id=str(p["yves"].id), action="suspend")
    assert r.status == 403
    r = await act(client, target_type="resident", target_id=str(p["bob"].id), action="suspend")
    assert r.status == 303
    assert (await row(node, Resident, p["bob"].id)).suspended_until is not None


async def quarter_slug(node, username):
    def read():
        resident = Resident.get(Resident.username == username)
        return Quarter.get_by_id(resident.quarter_id).slug

    return await node.db.run(read)


async def move(client, resident_id, quarter):
    return await post_form(
        client,
        f"/admin/residents/{resident_id}/quarter",
        page="/admin/residents",
        quarter=quarter,
    )


async def test_moderator_of_y_cannot_move_residents_or_moderators_of_x(client):
    node, p = await two_quarters(client)
    await login(client, "ymod")
    assert (await move(client, p["alice"].id, "port")).status == 403
    assert (await move(client, p["xmod"].id, "port")).status == 403
    assert await quarter_slug(node, "alice") == "centre"
    assert await quarter_slug(node, "xmod") == "centre"
    # X's own moderator moves a resident of X, never a moderator (only an admin does)
    await switch_to(client, "xmod")
    await make_resident(node, "xmod2", role="moderator")
    xmod2 = await node.db.run(lambda: Resident.get(Resident.username == "xmod2"))
    assert (await move(client, xmod2.id, "port")).status == 403
    assert (await move(client, p["alice"].id, "port")).status == 303
    assert await quarter_slug(node, "alice") == "port"
    await switch_to(client, "root")
    assert (await move(client, xmod2.id, "port")).status == 303
    assert await quarter_slug(node, "xmod2") == "port"


async def test_a_proof_of_address_stays_with_the_quarter_it_was_filed_in(client):
    node, p = await two_quarters(client)
    await make_resident(node, "carol", verified=False)
    await login(client, "carol")
    r = await post_file(
        client, "/settings/verification", "document", PDF, "bill.pdf", "application/pdf"
    )
    assert r.status == 303
    proof = await node.db.run(lambda: AddressProof.get())
    carol = await node.db.run(lambda: Resident.get(Resident.username == "carol"))
    # an admin moves carol to Y (a legitimate move)
    await switch_to(client, "root")
    assert (await move(client, carol.id, "port")).status == 303
    document = f"/admin/verification/{proof.id}/document"
    await switch_to(client, "ymod")
    assert (await client.get(document)).status == 404
    assert "@carol" not in await (await client.get("/admin/verification")).text()
    decided = await post_form(
        client,
        f"/admin/verification/{proof.id}/decide",
        page="/admin/verification",
        decision="approve",
    )
    assert decided.status == 404
    await switch_to(client, "xmod")  # the quarter it was filed in keeps it
    assert (await client.get(document)).status == 200


async def test_authority_follows_the_target_not_a_stale_report(client):
    """A report on bob was filed while he lived in X; once he lives in Y, Y's moderator acts."""
    node, p = await two_quarters(client)
    report_id = await file_report(client, node, p["yves"], "resident", p["bob"].id, "rude")
    await login(client, "root")
    assert (await move(client, p["bob"].id, "port")).status == 303
    await switch_to(client, "xmod")  # the report sits in X's queue, but bob is no longer in X
    r = await act(
        client,
        report=str(report_id),
        target_type="resident",
        target_id=str(p["bob"].id),
        action="suspend",
    )
    assert r.status == 403
    assert (await row(node, Resident, p["bob"].id)).suspended_until is None
    await switch_to(client, "ymod")
    r = await act(
        client,
        report=str(report_id),
        target_type="resident",
        target_id=str(p["bob"].id),
        action="warn",
        reason="Be kind",
    )
    assert r.status == 303
    logged = await node.db.run(lambda: list(ModerationAction.select()))
    assert [a.quarter_id for a in logged] == [p["ymod"].quarter_id]


async def test_a_managing_moderator_cannot_move_an_organisation_to_another_quarter(client):
    node, p = await two_quarters(client)
    await login(client, "root")
    created = await post_form(
        client,
        "/admin/organisations",
        handle="amicale",
        name="Amicale",
        kind="association",
        quarter="centre",
    )
    assert created.status == 303
    org = await node.db.run(lambda: Organisation.get(Organisation.handle == "amicale"))
    page = f"/admin/organisations/{org.id}"
    assert (await post_form(client, f"{page}/members", page=page, username="ymod")).status == 303
    await switch_to(client, "ymod")  # a moderator of Y who manages X's association
    moved = await post_form(
        client, page, name="Amicale", kind="association", quarter="port", description="x"
    )
    assert moved.status == 403
    org = await node.db.run(lambda: Organisation.get_by_id(org.id))
    assert org.quarter_id == p["alice"].quarter_id and org.description == ""
    kept = await post_form(
        client, page, name="Amicale", kind="association", quarter="centre", description="Hi"
    )
    assert kept.status == 303
    await switch_to(client, "xmod")  # a moderator who does not manage it edits nothing
    other = await post_form(client, page, name="Mine", kind="association", quarter="centre")
    assert other.status == 403
