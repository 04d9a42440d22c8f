"""Every page of the foundation renders for the people allowed to see it, in French and English."""

import pytest
from helpers import PDF, login, make_quarter, make_resident, node_of, post_file, switch_to

from node.commit import commit
from node.local import organisations

PAGES = [
    "/",
    "/settings",
    "/settings/address",
    "/settings/verification",
    "/settings/delete",
    "/admin",
    "/admin/verification",
    "/admin/residents",
    "/admin/quarters",
    "/admin/quarters/centre",
    "/admin/organisations",
    "/@root",
    "/@centre",
    "/@amicale",
]


@pytest.mark.parametrize(("language", "word"), [("fr", "Paramètres"), ("en", "Settings")])
async def test_admin_and_settings_pages_render(client, language, word):
    node = node_of(client)
    await make_quarter(node)
    root = await make_resident(node, "root", role="admin", language=language)
    await make_resident(node, "alice", verified=False)
    org = await commit(
        node, organisations.create, root, "amicale", "Amicale", "association", "centre"
    )
    await commit(node, organisations.add_member, root, org.id, "root")
    await login(client, "alice")
    await post_file(client, "/settings/verification", "document", PDF, "b.pdf", "application/pdf")
    await switch_to(client, "root")
    for path in PAGES + [f"/admin/organisations/{org.id}"]:
        response = await client.get(path)
        text = await response.text()
        assert response.status == 200, (path, text[-500:])
        assert f'lang="{language}"' in text and word in text, path
    assert "Alice" in await (await client.get("/admin/verification")).text()
