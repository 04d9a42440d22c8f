"""/settings offers every language the node ships (English + each catalogue), and saving keeps it."""

import re
from importlib import resources

from helpers import login, make_quarter, make_resident, node_of, post_form

from node import i18n
from node.local.models import Resident


def _catalogue_languages() -> set[str]:
    folder = resources.files("node") / "locale"
    return {
        d.name for d in folder.iterdir() if d.is_dir() and any(folder.joinpath(d.name).iterdir())
    }


async def test_settings_offers_every_shipped_language_and_german_is_kept(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "mia", language="de")
    await login(client, "mia")
    page = await (await client.get("/settings")).text()
    select = re.search(r'<select[^>]*name="language".*?</select>', page, re.S).group(0)
    offered = set(re.findall(r'<option value="([a-z]{2,3})"', select))
    assert offered == {"en"} | _catalogue_languages()
    assert {"fr", "de", "en"} <= offered
    assert ">Deutsch<" in select and ">Français<" in select and ">English<" in select
    # the German resident's current choice is selected, and saving it keeps German
    assert re.search(r'<option value="de" selected', select)
    response = await post_form(client, "/settings", display_name="Mia", language="de")
    assert response.status == 303
    assert (await node.db.run(lambda: Resident.get(Resident.username == "mia"))).language == "de"
    assert "Einstellungen" in await (await client.get("/settings")).text()


async def test_an_unshipped_language_is_not_chosen_from_the_browser():
    assert i18n.ui_languages()[0] == "en"
    assert i18n.choose(None, "xx-YY, de;q=0.5", "en") == "de"
    assert i18n.choose(None, "xx", "fr") == "fr"
    assert i18n.native_name("de") == "Deutsch"
