"""Ending a twinning: either side's moderator ends it, the other node follows, twins items stop."""

import aiohttp
import pytest
from helpers import CSRF
from three_nodes import logged_in_session, publish, settle, start_site, twin

from node import following
from node.activitypub.models import Follower, Following
from node.local import twins
from node.local.listings.models import Listing


@pytest.fixture
async def pair(make_settings):
    started = [await start_site(make_settings, code) for code in ("fr", "de")]
    yield started
    for site in started:
        await site.runner.cleanup()


def state(site):
    return site.node.db.run(lambda: [(t.direction, t.state) for t in twins.Twin.select()])


def follows(site):
    return site.node.db.run(
        lambda: (
            sorted((r.handle, r.state) for r in Follower.select()),
            sorted((r.handle, r.state) for r in Following.select()),
        )
    )


def remote_titles(site):
    return site.node.db.run(
        lambda: sorted(r.title for r in Listing.select().where(Listing.external_ref.is_null(False)))
    )


async def call(site, method, path, token=None):
    async with aiohttp.ClientSession() as session:
        async with session.request(
            method,
            site.node.urls.base + path,
            headers={"Authorization": f"Bearer {token or site.token}"},
        ) as resp:
            return resp.status, await resp.json()


async def test_the_asked_side_ends_a_twinning_through_the_api(pair):
    fr, de = pair
    await twin(fr, de)
    assert await state(fr) == [("outgoing", "accepted")]
    await publish(fr, "Perceuse jumelle", "twins")
    await settle(fr, de)
    assert await remote_titles(de) == ["Perceuse jumelle"]
    [incoming] = (await call(de, "GET", "/api/v1/twins"))[1]
    # A resident may not end it; a moderator of the other node's quarter has no say here.
    from helpers import make_token

    resident_token = await make_token(de.node, de.resident.id)
    assert (await call(de, "POST", f"/api/v1/twins/{incoming['id']}/end", resident_token))[0] == 403
    status, body = await call(de, "POST", f"/api/v1/twins/{incoming['id']}/end")
    assert status == 200 and body["state"] == "ended"
    await settle(fr, de)
    assert await state(fr) == [("outgoing", "ended")]
    assert await state(de) == [("incoming", "ended")]
    # Both follow directions are gone on both nodes.
    assert await follows(fr) == ([], [])
    assert await follows(de) == ([], [])
    # Ending twice is refused.
    assert (await call(de, "POST", f"/api/v1/twins/{incoming['id']}/end"))[0] == 409
    # Later `twins` items go nowhere, either way.
    await publish(fr, "Scie après la fin", "twins")
    await publish(de, "Säge nach dem Ende", "twins")
    await settle(fr, de)
    assert await remote_titles(de) == ["Perceuse jumelle"]
    assert await remote_titles(fr) == []
    # And the twinning can be asked again.
    await twin(fr, de)
    assert await state(fr) == [("outgoing", "accepted")]
    await publish(fr, "Marteau rejumelé", "twins")
    await settle(fr, de)
    assert "Marteau rejumelé" in await remote_titles(de)


async def test_the_asking_side_ends_it_from_the_admin_page(pair, cleanup):
    fr, de = pair
    await twin(fr, de)
    await publish(de, "Bohrmaschine", "twins")
    await settle(fr, de)
    assert await remote_titles(fr) == ["Bohrmaschine"]
    session = await logged_in_session(fr, fr.moderator.username)
    cleanup.push_async_callback(session.close)
    async with session.get(fr.node.urls.base + "/admin/twins") as resp:
        page = await resp.text()
    [row] = await fr.node.db.run(lambda: list(twins.Twin.select()))
    assert f'action="/admin/twins/{row.id}/end"' in page and "Mettre fin au jumelage" in page
    token = CSRF.search(page).group(1)
    async with session.post(
        fr.node.urls.base + f"/admin/twins/{row.id}/end",
        data={"csrf_token": token},
        allow_redirects=False,
    ) as resp:
        assert resp.status == 303
    await settle(fr, de)
    async with session.get(fr.node.urls.base + "/admin/twins") as resp:
        page = await resp.text()
    assert "Terminé" in page and "/end" not in page  # the moderator reads French
    assert await state(de) == [("incoming", "ended")]
    assert await follows(fr) == ([], []) and await follows(de) == ([], [])
    await publish(de, "Säge", "twins")
    await settle(fr, de)
    assert await remote_titles(fr) == ["Bohrmaschine"]
    # The other side asks again: a new request that waits for fr's moderators, not an old answer.
    await following.request_twin(de.node, de.moderator.id, de.quarter.slug, fr.handle)
    await settle(fr, de)
    assert await state(fr) == [("incoming", "requested")]
    assert await state(de) == [("outgoing", "requested")]
