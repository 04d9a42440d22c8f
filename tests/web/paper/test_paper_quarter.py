"""A quarter's poster (public) and weekly digest (its moderators and ambassadors), read back through HTTP."""

import datetime as dt

from helpers import api, login, make_quarter, make_resident, make_token, node_of
from pdf_support import embedded_fonts, page_sizes_mm, qr_codes, text

from node.local.events.models import Event
from node.local.listings.models import Listing
from node.local.models import Resident, utcnow

BASE = "http://127.0.0.1:8080"  # the test node's public URL (conftest)


async def _offer(client, token, title, reach="public", kind="offer", category="diy"):
    body = {"kind": kind, "type": "loan", "title": title, "category": category, "reach": reach}
    status, made, _r = await api(client, "POST", "/api/v1/listings", token, body)
    assert status == 201, made
    return made["id"]


async def _world(client):
    node = node_of(client)
    await make_quarter(node, "oeuvre", "Œuvre-Straße Søndre")
    await make_quarter(node, "autre", "Autre", postcodes=("35000",))
    zoe = await make_resident(node, "zoe", quarter="oeuvre")
    await node.db.run(
        lambda: (
            Resident.update(
                display_name="Zoé Martin-Dupont", address="12 rue des Lilas", postcode="35400"
            )
            .where(Resident.id == zoe.id)
            .execute()
        )
    )
    return node, zoe, await make_token(node, zoe.id)


async def test_poster_is_public_and_shows_only_the_six_newest_public_offers(client):
    node, _zoe, token = await _world(client)
    oldest = await _offer(client, token, "Brouette ancienne")
    for n in range(6):
        await _offer(client, token, f"Offre publique {n}")
    await _offer(client, token, "Perceuse du quartier", reach="quarter")
    await _offer(client, token, "Tente des jumeaux", reach="twins")
    await _offer(client, token, "Cherche échelle", kind="request")
    hidden = await _offer(client, token, "Objet masqué")
    await node.db.run(lambda: Listing.update(hidden=True).where(Listing.id == hidden).execute())
    # the seven public offers in a known order, newest last
    for age, listing_id in enumerate(range(oldest, oldest + 7)):
        stamp = utcnow() - dt.timedelta(hours=10 - age)
        await node.db.run(
            lambda i=listing_id, s=stamp: (
                Listing.update(created_at=s).where(Listing.id == i).execute()
            )
        )

    response = await client.get("/quarters/oeuvre/poster.pdf", headers={"Accept-Language": "fr"})
    assert response.status == 200, await response.text()
    assert response.content_type == "application/pdf"
    body = await response.read()
    assert page_sizes_mm(body) == [(210, 297)]
    words = text(body)
    assert "Œuvre-Straße Søndre" in words and "Rejoignez vos voisins" in words
    assert all(f"Offre publique {n}" in words for n in range(6))
    assert "Brouette ancienne" not in words  # the seventh: only the six newest
    for never in ("Perceuse du quartier", "Tente des jumeaux", "Cherche échelle", "Objet masqué"):
        assert never not in words, never  # quarter-only, twins-only, requests, hidden
    assert "proposé par Zoé" in words and "Dupont" not in words and "Lilas" not in words
    assert qr_codes(body) == [f"{BASE}/signup?quarter=oeuvre"]
    assert embedded_fonts(body) == {"DejaVuSans", "DejaVuSans-Bold"}

    german = await (await client.get("/quarters/oeuvre/poster.pdf?lang=de")).read()
    assert "Kürzlich hier angeboten" in text(german)
    assert (await client.get("/quarters/nowhere/poster.pdf")).status == 404


async def test_poster_of_a_quarter_without_public_offers_invites_the_first(client):
    await _world(client)
    body = await (await client.get("/quarters/autre/poster.pdf")).read()
    assert "Be the first to offer something" in text(body)


async def _week_items(client, node, token):
    this_week = await _offer(client, token, "Perceuse de la semaine", reach="quarter")
    request = await _offer(client, token, "Cherche une échelle", kind="request")
    old = await _offer(client, token, "Annonce ancienne")
    last_month = utcnow() - dt.timedelta(days=30)
    await node.db.run(
        lambda: Listing.update(created_at=last_month).where(Listing.id == old).execute()
    )
    start = (utcnow() + dt.timedelta(days=1)).replace(microsecond=0)
    event = {
        "title": "Fête des voisins",
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "end": (start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "timezone": "UTC",
        "place_name": "Cour de l'immeuble",
        "street": "4 rue Secrète",
        "reach": "quarter",
    }
    status, made, _r = await api(client, "POST", "/api/v1/events", token, event)
    assert status == 201, made
    return this_week, request, made["id"]


async def test_digest_for_an_ambassador_lists_the_week_with_a_qr_code_each(client):
    node, _zoe, token = await _world(client)
    offer, request, event = await _week_items(client, node, token)
    await make_resident(node, "amina", quarter="oeuvre", role="ambassador", language="de")
    await login(client, "amina")
    year, week, _day = utcnow().date().isocalendar()
    response = await client.get(f"/quarters/oeuvre/digest.pdf?week={year}-W{week:02d}")
    assert response.status == 200, await response.text()
    assert response.headers["Cache-Control"] == "private, no-store"
    body = await response.read()
    assert page_sizes_mm(body) == [(210, 297)]  # one page
    words = text(body)
    assert "Angebote" in words and "Gesuche" in words and "Veranstaltungen" in words
    assert "Perceuse de la semaine" in words and "Cherche une échelle" in words
    assert "Fête des voisins" in words and "Annonce ancienne" not in words
    assert "Zoé" in words
    for never in ("Dupont", "Lilas", "35400", "rue Secrète"):  # first names only, no address
        assert never not in words, never
    codes = qr_codes(body)
    assert f"{BASE}/@oeuvre" in codes  # the quarter's page, for the rest
    assert {
        f"{BASE}/listings/{offer}",
        f"{BASE}/listings/{request}",
        f"{BASE}/events/{event}",
    } <= set(codes)
    assert len(codes) == 4

    # without ?week: this week; another week: nothing of this one
    assert (await client.get("/quarters/oeuvre/digest.pdf")).status == 200
    empty = await (await client.get("/quarters/oeuvre/digest.pdf?week=2020-W10")).read()
    assert "Nichts Neues diese Woche." in text(empty)


async def test_digest_refuses_others_and_bad_weeks(client):
    node, _zoe, token = await _world(client)
    await make_resident(node, "max", quarter="oeuvre")
    await make_resident(node, "mod", quarter="autre", role="moderator")
    await make_resident(node, "modo", quarter="oeuvre", role="moderator", language="fr")
    await make_resident(node, "root", quarter="autre", role="admin")

    anonymous = await client.get("/quarters/oeuvre/digest.pdf", allow_redirects=False)
    assert anonymous.status == 303 and anonymous.headers["Location"].startswith("/login")
    status, _b, response = await api(client, "GET", "/quarters/oeuvre/digest.pdf", token)
    assert status == 403  # a resident (by bearer token)
    await login(client, "max")
    assert (await client.get("/quarters/oeuvre/digest.pdf")).status == 403
    client.session.cookie_jar.clear()
    await login(client, "mod")  # a moderator, of another quarter
    assert (await client.get("/quarters/oeuvre/digest.pdf")).status == 403
    assert (await client.get("/quarters/autre/digest.pdf")).status == 200
    client.session.cookie_jar.clear()
    await login(client, "root")
    assert (await client.get("/quarters/oeuvre/digest.pdf")).status == 200
    client.session.cookie_jar.clear()
    await login(client, "modo")
    for bad in ("2026-W54", "2021-W53", "2026-13", "W05", "2026-W5", "x" * 300):
        response = await client.get("/quarters/oeuvre/digest.pdf", params={"week": bad})
        assert response.status == 400, bad
        assert "2026-W05" in await response.text()  # the message says what is expected (in French)
    assert "semaine ISO" in await response.text()
    assert (await client.get("/quarters/nowhere/digest.pdf")).status == 404
    assert (await client.get("/quarters/oeuvre/digest.pdf?week=2020-W53")).status == 200


async def test_digest_holds_on_one_page_and_counts_what_did_not_fit(client):
    node, _zoe, token = await _world(client)
    for n in range(14):  # two more offers than a digest lists: counted with the rest
        await _offer(client, token, f"Offre {n:02d}")
    for n in range(12):
        await _offer(client, token, f"Demande {n:02d}", kind="request")
    zoe = await node.db.run(lambda: Resident.get(Resident.username == "zoe"))
    start = utcnow() + dt.timedelta(hours=1)

    def events():
        for n in range(12):
            Event.create(
                organiser=zoe.id,
                quarter=zoe.quarter_id,
                title=f"Rencontre {n:02d}",
                starts_at=start,
                ends_at=start + dt.timedelta(hours=1),
            )

    await node.db.run(events)
    await node.db.run(
        lambda: Resident.update(role="moderator").where(Resident.id == zoe.id).execute()
    )
    status, _b, response = await api(client, "GET", "/quarters/oeuvre/digest.pdf", token)
    assert status == 200
    body = await response.read()
    assert len(page_sizes_mm(body)) == 1
    words = text(body)
    shown = sum(
        f"{kind} {n:02d}" in words for kind in ("Offre", "Demande", "Rencontre") for n in range(14)
    )
    assert 10 < shown < 36
    assert "Offre 12" not in words and "Offre 13" not in words  # beyond the 12 per kind
    assert f"{38 - shown} more items on the quarter's page." in words
    assert len(qr_codes(body)) == shown + 1
