"""The resident's own settings: profile, avatar and media, API tokens, export, deletion, public pages."""

import io
import json
from pathlib import Path

from helpers import (
    PDF,
    login,
    make_quarter,
    make_resident,
    node_of,
    png_bytes,
    post_file,
    post_form,
)
from PIL import Image

from node.commit import commit
from node.local.accounts import profile as accounts
from node.local.models import ApiToken, Resident
from node.local.tx import ResidentDeleted, Tx
from node.local.verification import AddressProof


async def test_profile_is_saved_and_shown_without_address(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice")
    await login(client, "alice")
    await post_form(
        client,
        "/settings/address",
        postcode="35400",
        address="12 rue Secrète",
        lat="48.6",
        lon="-2.0",
    )
    response = await post_form(
        client,
        "/settings",
        display_name="Alice Martin",
        language="en",
        languages_spoken="French, Breton",
        skills="Sewing, bike repair",
        bio="Here since 2010.",
    )
    assert response.status == 303
    public = await client.get("/@alice")
    text = await public.text()
    assert "Alice Martin" in text and "bike repair" in text and "Breton" in text
    assert "rue Secrète" not in text and "35400" not in text and "48.6" not in text
    quarter = await client.get("/@centre")
    assert quarter.status == 200 and "Centre" in await quarter.text()
    assert (await client.get("/@nobody")).status == 404


async def test_avatar_is_shrunk_stripped_and_served_inline(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice")
    await login(client, "alice")
    photo = png_bytes((1200, 800), exif=True)
    assert b"SpyCam" in photo
    response = await post_file(
        client, "/settings/avatar", "avatar", photo, "me.jpg", "image/jpeg", page="/settings"
    )
    assert response.status == 303
    alice = await node.db.run(lambda: Resident.get(Resident.username == "alice"))
    assert alice.avatar.startswith("avatars/")
    served = await client.get(f"/media/{alice.avatar}")
    assert served.status == 200
    assert served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"] == "inline"
    body = await served.read()
    assert b"SpyCam" not in body
    with Image.open(io.BytesIO(body)) as image:
        assert max(image.size) == 256
    refused = await post_file(
        client, "/settings/avatar", "avatar", PDF, "me.png", "image/png", page="/settings"
    )
    assert refused.status == 400
    assert (await client.get("/media/../secret_key")).status == 404
    assert (await client.get("/media/documents/x.bin")).status == 404


async def test_api_token_is_shown_once_and_can_be_revoked(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice")
    await login(client, "alice")
    response = await post_form(client, "/settings/tokens", page="/settings", name="my app")
    text = await response.text()
    token = text.split('<code id="new-token">')[1].split("</code>")[0]
    assert token.startswith("qt_")
    assert token not in await (await client.get("/settings")).text()
    api = await client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"})
    assert api.status == 200
    token_id = await node.db.run(lambda: ApiToken.get().id)
    revoked = await post_form(client, f"/settings/tokens/{token_id}/revoke", page="/settings")
    assert revoked.status == 303
    client.session.cookie_jar.clear()
    api = await client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"})
    assert api.status == 401


async def test_export_holds_everything_about_the_resident_but_no_secrets(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice", verified=False)
    await login(client, "alice")
    await post_form(client, "/settings/address", postcode="35400", address="12 rue Secrète")
    await post_form(client, "/settings/tokens", page="/settings", name="my app")
    await post_file(client, "/settings/verification", "document", PDF, "b.pdf", "application/pdf")
    response = await client.get("/settings/export")
    assert response.status == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(await response.read())
    assert data["profile"]["username"] == "alice"
    assert data["address"]["address"] == "12 rue Secrète"
    assert data["quarter"]["slug"] == "centre"
    assert data["api_tokens"][0]["name"] == "my app"
    assert data["address_proofs"][0]["state"] == "pending"
    for key in ("listings", "loans", "events", "rsvps", "messages", "notifications"):
        assert data[key] == []
    raw = json.dumps(data)
    assert "password_hash" not in raw and "token_hash" not in raw and "stored_name" not in raw


async def test_deletion_needs_password_removes_data_and_logs_out(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice", verified=False)
    await login(client, "alice")
    await post_form(client, "/settings/tokens", page="/settings", name="app")
    await post_file(client, "/settings/verification", "document", PDF, "b.pdf", "application/pdf")
    documents = Path(node.settings.data_dir) / "documents"
    assert len(list(documents.iterdir())) == 1
    wrong = await post_form(client, "/settings/delete", password="nope nope")
    assert wrong.status == 400
    assert "password is not correct" in await wrong.text()
    done = await post_form(client, "/settings/delete", password="correct horse")
    assert done.status == 303
    assert await node.db.run(lambda: Resident.get_or_none(Resident.id == alice.id)) is None
    assert await node.db.run(lambda: ApiToken.select().count()) == 0
    assert await node.db.run(lambda: AddressProof.select().count()) == 0
    assert list(documents.iterdir()) == []
    assert (await client.get("/settings", allow_redirects=False)).status == 303
    assert (await client.get("/@alice")).status == 404


async def test_deletion_records_the_change_for_federation(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")

    def delete():
        tx = Tx(settings=node.settings)
        accounts.delete_account(tx, alice.id, "correct horse")
        return tx.changes

    changes = await node.db.atomic(delete)
    assert changes == [ResidentDeleted(alice.id, "alice")]
    assert await commit(node, lambda tx: 1) == 1
