"""A text's language comes from the author's choice or the text itself, not from the page
language: French typed in the English interface is tagged French; short texts say nothing."""

import pytest
from helpers import login, make_quarter, make_resident, node_of, post_form

from node.local.events.models import Event
from node.local.language_guess import detect
from node.local.listings.models import Listing


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Avec un jeu de mèches. Je la prête volontiers pour un week-end.", "fr"),
        ("A drill with a set of bits, happy to lend it for the weekend.", "en"),
        ("Eine Kiste Bücher für 6-10 Jahre, gern auch an die Schule.", "de"),
        ("Trapano con punte, lo presto volentieri per il fine settimana", "it"),
        ("Boormachine te leen voor het weekend, graag terug op maandag", "nl"),
        ("Perceuse à percussion", ""),  # too short to tell
        ("", ""),
        ("1234 !!!", ""),
    ],
)
def test_detect(text, expected):
    assert detect(text) == expected


async def test_french_text_in_the_english_interface_is_tagged_french(client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "alice", language="en")
    await login(client, "alice")
    form = await (await client.get("/listings/new")).text()
    assert "Detect from the text" in form
    response = await post_form(
        client,
        "/listings",
        page="/listings/new",
        kind="offer",
        type="loan",
        title="Perceuse à percussion",
        description="Avec un jeu de mèches. Je la prête volontiers pour un week-end.",
        category="diy",
        reach="quarter",
        language="",
    )
    assert response.status == 303, await response.text()
    short = await post_form(
        client,
        "/listings",
        page="/listings/new",
        kind="offer",
        type="gift",
        title="Ladder",
        category="diy",
        reach="quarter",
        language="",
    )
    assert short.status == 303
    chosen = await post_form(
        client,
        "/listings",
        page="/listings/new",
        kind="offer",
        type="gift",
        title="Leiter",
        description="Stabile Aluleiter, gern auszuleihen.",
        category="diy",
        reach="quarter",
        language="de",
    )
    assert chosen.status == 303
    tagged = await node.db.run(lambda: {x.title: x.language for x in Listing.select()})
    # detected; nothing to detect → the author's page language; the author's explicit choice
    assert tagged == {"Perceuse à percussion": "fr", "Ladder": "en", "Leiter": "de"}
    page = await (await client.get("/events/new")).text()
    assert 'name="language"' in page and "Detect from the text" in page
    response = await post_form(
        client,
        "/events",
        page="/events/new",
        title="Vide-grenier",
        description="Venez vendre et acheter dans la rue, avec les voisins du quartier.",
        start="2031-05-01T09:00",
        end="2031-05-01T17:00",
        timezone="Europe/Paris",
        capacity="0",
        join_mode="free",
        category="COMMUNITY",
        reach="quarter",
        language="",
    )
    assert response.status == 303, await response.text()
    assert await node.db.run(lambda: Event.get().language) == "fr"
