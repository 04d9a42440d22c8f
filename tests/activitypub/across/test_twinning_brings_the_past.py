"""Twinning brings the past: once accepted, each twin receives the other quarter's open shared
listings and upcoming events (at most 200), through ordinary deliveries. Two real nodes."""

from __future__ import annotations

import datetime as dt

from three_nodes import publish, settle, start_site, twin

from node.activitypub import twin_past
from node.activitypub.models import Delivery
from node.commit import commit
from node.local.events import write as events
from node.local.events.drafts import EventDraft
from node.local.events.models import Event
from node.local.listings import write as listings
from node.local.listings.models import Listing
from node.local.models import utcnow


async def schedule(site, title, reach, days=5):
    start = (utcnow() + dt.timedelta(days=5)).replace(microsecond=0, second=0)
    draft = EventDraft.parse(
        {
            "title": title,
            "description": "Tous bienvenus.",
            "start": start.strftime("%Y-%m-%dT%H:%M"),
            "end": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "timezone": "UTC",
            "reach": reach,
        }
    )
    event = await commit(site.node, events.schedule, site.resident.id, draft)
    if days < 0:  # an event that is over (moved into the past behind the domain's back)
        moved = utcnow() + dt.timedelta(days=days)
        await site.node.db.atomic(
            lambda: (
                Event.update(starts_at=moved, ends_at=moved + dt.timedelta(hours=2))
                .where(Event.id == event.id)
                .execute()
            )
        )
        event = await site.node.db.run(Event.get_by_id, event.id)
    return event


async def arrived(node, model, origin):
    return await node.db.run(
        lambda: sorted(r.title for r in model.select().where(model.origin == origin))
    )


async def test_both_twins_receive_the_open_shared_past_of_the_other(make_settings):
    fr = await start_site(make_settings, "fr")
    de = await start_site(make_settings, "de")
    try:
        # Before any twinning: what each quarter has, shared or not, open or not.
        await publish(fr, "Échelle", "twins")
        await publish(fr, "Tente", "public")
        await publish(fr, "Secret du quartier", "quarter")
        gone = await publish(fr, "Perceuse donnée", "twins")
        await commit(fr.node, listings.withdraw, fr.resident.id, gone.id)
        await schedule(fr, "Fête des voisins", "twins")
        await schedule(fr, "Réunion interne", "quarter")
        past = await schedule(fr, "Vide-grenier d'hier", "twins", days=-2)
        assert past.ends_at < utcnow()
        await publish(de, "Leiter", "twins")
        await schedule(de, "Hoffest", "public")
        await settle(fr, de)
        assert await arrived(de.node, Listing, fr.node.urls.host) == []

        await twin(fr, de)

        assert await arrived(de.node, Listing, fr.node.urls.host) == ["Tente", "Échelle"]
        assert await arrived(de.node, Event, fr.node.urls.host) == ["Fête des voisins"]
        assert await arrived(fr.node, Listing, de.node.urls.host) == ["Leiter"]
        assert await arrived(fr.node, Event, de.node.urls.host) == ["Hoffest"]
        # …through ordinary outbox rows, signed by each item's author, delivered once
        rows = await fr.node.db.run(
            lambda: [
                (d.signer, d.verb, d.state)
                for d in Delivery.select().where(Delivery.host == de.node.urls.host)
                if d.object_ref.startswith(fr.node.urls.base + "/listings/")
                or d.object_ref.startswith(fr.node.urls.base + "/events/")
            ]
        )
        assert sorted(rows) == [(fr.resident.username, "Create", "sent")] * 3
        # the French twins listing is a twins item there, as if it had been published today
        seen = await de.node.db.run(lambda: Listing.get(Listing.title == "Échelle").reach)
        assert seen == "twins"
    finally:
        await fr.runner.cleanup()
        await de.runner.cleanup()


async def test_at_most_the_latest_200(make_settings):
    fr = await start_site(make_settings, "fr")
    try:
        for n in range(203):
            await publish(fr, f"Objet {n:03d}", "public")
        items = await fr.node.db.run(twin_past.past_items, fr.quarter.id, utcnow())
        assert len(items) == 200
        assert items[0].title == "Objet 003" and items[-1].title == "Objet 202"
    finally:
        await fr.runner.cleanup()
