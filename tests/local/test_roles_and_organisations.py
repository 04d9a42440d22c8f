"""Roles given through the administration, and organisation accounts managed by residents."""

from helpers import login, make_quarter, make_resident, node_of, post_form, switch_to

from node.local import organisations
from node.local.models import Organisation, Resident


async def role_of(node, username):
    return await node.db.run(lambda: Resident.get(Resident.username == username).role)


async def test_admin_gives_roles_and_moderator_only_ambassador(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "root", role="admin")
    bob = await make_resident(node, "bob")
    await make_resident(node, "mod", role="moderator")
    await login(client, "mod")
    page = await client.get("/admin/residents")
    assert page.status == 200 and "Bob" in await page.text()
    ok = await post_form(
        client, f"/admin/residents/{bob.id}/role", page="/admin/residents", role="ambassador"
    )
    assert ok.status == 303
    assert await role_of(node, "bob") == "ambassador"
    refused = await post_form(
        client, f"/admin/residents/{bob.id}/role", page="/admin/residents", role="admin"
    )
    assert refused.status == 403
    await switch_to(client, "root")
    ok = await post_form(
        client, f"/admin/residents/{bob.id}/role", page="/admin/residents", role="moderator"
    )
    assert ok.status == 303
    assert await role_of(node, "bob") == "moderator"


async def test_residents_do_not_see_the_administration(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "bob")
    await login(client, "bob")
    for path in ("/admin", "/admin/residents", "/admin/quarters", "/admin/organisations"):
        assert (await client.get(path)).status == 403, path


async def test_organisation_in_shared_handles_with_several_managers(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "root", role="admin")
    alice = await make_resident(node, "alice")
    bob = await make_resident(node, "bob")
    await login(client, "root")
    taken = await post_form(
        client, "/admin/organisations", handle="alice", name="Alice's", kind="shop"
    )
    assert taken.status == 400
    assert "already taken" in await taken.text()
    created = await post_form(
        client,
        "/admin/organisations",
        handle="amicale",
        name="Amicale laïque",
        kind="association",
        quarter="centre",
        verified="on",
    )
    assert created.status == 303
    org = await node.db.run(lambda: Organisation.get(Organisation.handle == "amicale"))
    assert org.verified
    page = f"/admin/organisations/{org.id}"
    for username in ("alice", "bob"):
        added = await post_form(client, f"{page}/members", page=page, username=username)
        assert added.status == 303
    assert await node.db.run(organisations.can_act_for, alice, org.id)
    assert await node.db.run(organisations.can_act_for, bob, org.id)
    removed = await post_form(client, f"{page}/members/{bob.id}/remove", page=page)
    assert removed.status == 303
    assert not await node.db.run(organisations.can_act_for, bob, org.id)
    public = await client.get("/@amicale")
    text = await public.text()
    assert public.status == 200 and "Amicale laïque" in text and "Verified organisation" in text
    # the handle is now taken for residents too
    await switch_to(client, "alice")
    client.session.cookie_jar.clear()
    signup = await post_form(
        client,
        "/signup",
        username="amicale",
        email="x@example.test",
        password="long enough",
    )
    assert signup.status == 400


async def test_only_admins_create_organisations(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "mod", role="moderator")
    await login(client, "mod")
    response = await post_form(client, "/admin/organisations", handle="shop", name="Shop")
    assert response.status == 403
    assert await node.db.run(lambda: Organisation.select().count()) == 0
