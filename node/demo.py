"""`quartier demo`: two twinned nodes on loopback (Saint-Servan in Saint-Malo, Burtscheid in Aachen)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from node import following
from node.app import create_app
from node.appkeys import node_key
from node.commit import commit
from node.local import quarters, residents, twins
from node.local.events import drafts as event_drafts
from node.local.events import write as events
from node.local.listings import drafts as listing_drafts
from node.local.listings import write as listings
from node.local.models import Quarter, Resident
from node.settings import load_settings

DEMO_PASSWORD = "quartier-demo"
WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class DemoQuarter:
    code: str
    slug: str
    name: str
    description: str
    postcode: str
    country: str
    language: str
    lat: float
    lon: float
    people: tuple[tuple[str, str, str], ...]  # username, display name, role
    listings: tuple[dict, ...]
    event: dict


FR = DemoQuarter(
    "fr",
    "saint_servan",
    "Saint-Servan",
    "Quartier de Saint-Malo",
    "35400",
    "FR",
    "fr",
    48.636,
    -2.017,
    (
        ("camille", "Camille", "moderator"),
        ("yann", "Yann", "resident"),
        ("lea", "Léa", "resident"),
        ("admin", "Admin Saint-Servan", "admin"),
    ),
    (
        {
            "kind": "offer",
            "type": "loan",
            "title": "Perceuse à percussion",
            "category": "diy",
            "reach": "twins",
            "description": "Avec un jeu de mèches. Je la prête volontiers pour un week-end.",
        },
        {
            "kind": "offer",
            "type": "loan",
            "title": "Remorque de vélo",
            "category": "transport",
            "reach": "public",
            "description": "Pour les courses ou un petit déménagement.",
        },
        {
            "kind": "offer",
            "type": "gift",
            "title": "Plants de tomates",
            "category": "garden",
            "reach": "quarter",
            "description": "Une dizaine de plants à donner.",
        },
        {
            "kind": "request",
            "type": "service",
            "title": "Aide pour monter une étagère",
            "category": "diy",
            "reach": "twins",
            "description": "Une heure un samedi matin.",
        },
        {
            "kind": "offer",
            "type": "paid",
            "title": "Cours de voile",
            "category": "lessons",
            "reach": "public",
            "price": "25",
            "price_unit": "hour",
            "description": "Initiation en baie de Saint-Malo.",
        },
    ),
    {"title": "Vide-grenier de Saint-Servan", "place": "Place Bouvet", "city": "Saint-Malo"},
)
DE = DemoQuarter(
    "de",
    "burtscheid",
    "Burtscheid",
    "Stadtteil von Aachen",
    "52066",
    "DE",
    "de",
    50.764,
    6.094,
    (
        ("jonas", "Jonas", "moderator"),
        ("mia", "Mia", "resident"),
        ("lukas", "Lukas", "resident"),
        ("admin", "Admin Burtscheid", "admin"),
    ),
    (
        {
            "kind": "offer",
            "type": "loan",
            "title": "Leiter (3 m)",
            "category": "diy",
            "reach": "twins",
            "description": "Stabile Aluleiter, gern auszuleihen.",
        },
        {
            "kind": "offer",
            "type": "loan",
            "title": "Nähmaschine",
            "category": "clothes",
            "reach": "public",
            "description": "Funktioniert gut, mit Anleitung.",
        },
        {
            "kind": "offer",
            "type": "gift",
            "title": "Kinderbücher",
            "category": "books",
            "reach": "quarter",
            "description": "Eine Kiste Bücher für 6-10 Jahre.",
        },
        {
            "kind": "request",
            "type": "loan",
            "title": "Suche Zelt für ein Wochenende",
            "category": "other",
            "reach": "twins",
            "description": "Für zwei Personen.",
        },
    ),
    {"title": "Burtscheider Straßenfest", "place": "Kurpark", "city": "Aachen"},
)


async def seed(node, q: DemoQuarter) -> bool:
    """Seed one quarter once; False when the database already has it."""
    if await node.db.run(lambda: Quarter.select().where(Quarter.external_ref.is_null()).exists()):
        return False
    quarter = await commit(
        node, quarters.create_quarter, q.slug, q.name, [q.postcode], None,
        country=q.country, language=q.language, description=q.description,
    )  # fmt: skip
    await node.db.atomic(
        lambda: (
            Quarter.update(center_lat=q.lat, center_lon=q.lon)
            .where(Quarter.id == quarter.id)
            .execute()
        )
    )
    for username, name, role in q.people:
        draft = residents.SignupDraft.parse(
            {
                "username": username,
                "display_name": name,
                "email": f"{username}@demo.quartier.test",
                "password": DEMO_PASSWORD,
                "language": q.language,
            }
        )
        await commit(
            node, residents.sign_up, draft, role=role, quarter_slug=q.slug, verified=True,
            allow_reserved=role == "admin",
        )  # fmt: skip
    await node.db.atomic(
        lambda: Resident.update(lat=q.lat, lon=q.lon).where(Resident.host == "").execute()
    )
    return True


async def seed_content(node, q: DemoQuarter) -> None:
    people = await node.db.run(
        lambda: {r.username: r.id for r in Resident.select().where(Resident.host == "")}
    )
    authors = [u for u, _n, _r in q.people]
    for index, data in enumerate(q.listings):
        author = people[authors[1 + index % 2]]
        draft = listing_drafts.ListingDraft.parse({**data, "language": q.language})
        await commit(node, listings.publish, author, draft, actor_id=author)
    start = time.strftime("%Y-%m-%dT10:00", time.gmtime(time.time() + 9 * 86400))
    end = time.strftime("%Y-%m-%dT17:00", time.gmtime(time.time() + 9 * 86400))
    body = {**q.event, "start": start, "end": end, "reach": "twins", "capacity": 40,
            "description": q.event["title"], "language": q.language}  # fmt: skip
    draft = event_drafts.EventDraft.parse(body, "twins")
    await commit(node, events.schedule, people[authors[0]], draft)


async def _wait(node, check, what: str) -> None:
    """Poll until check() is true (the workers run in the background); bounded."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not await node.db.run(check):
        if time.monotonic() > deadline:
            raise RuntimeError(f"demo: timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def twin_demo(fr, de) -> None:
    """Twin the quarters through the real protocol: request on FR, accept on DE, both accepted."""

    if await fr.db.run(lambda: twins.Twin.select().where(twins.Twin.state == "accepted").exists()):
        return
    camille = await fr.db.run(lambda: Resident.get(Resident.username == "camille"))
    jonas = await de.db.run(lambda: Resident.get(Resident.username == "jonas"))
    await following.request_twin(fr, camille.id, FR.slug, f"@{DE.slug}@{de.urls.host}")
    await _wait(
        de,
        lambda: twins.Twin.select().where(twins.Twin.state == "requested").exists(),
        "the request",
    )
    asked = await de.db.run(lambda: twins.Twin.get(twins.Twin.direction == "incoming"))
    await commit(de, twins.decide, jonas.id, asked.id, True)
    await _wait(
        fr,
        lambda: twins.Twin.select().where(twins.Twin.state == "accepted").exists(),
        "the acceptance",
    )


def _settings(args: argparse.Namespace, q: DemoQuarter, port: int, data_dir: Path):
    return load_settings(
        dict(os.environ),
        None,
        public_url=f"http://{args.host}:{port}",
        data_dir=str(data_dir / q.code),
        database_url="",
        node_name=f"Quartier {q.name}",
        default_language=q.language,
        node_country=q.country,
        allow_http=True,
        allow_private_addresses=True,
        run_workers=True,
    )


async def _start(settings, host: str, port: int):
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner, app[node_key]


def banner(args: argparse.Namespace, nodes: int, state: str) -> str:
    """The URLs and logins of the demo (printed first and last)."""
    lines = [f"\nQuartier demo ({state})"]
    for q, port in [(FR, args.port), (DE, args.port + 1)][:nodes]:
        people = [u for u, _n, role in q.people if role != "admin"]
        label = (
            "French node (Saint-Servan, Saint-Malo)"
            if q is FR
            else "German node (Burtscheid, Aachen)"
        )
        lines.append(f"  {label + ':':41} http://{args.host}:{port}/")
        lines.append(
            f"    log in as {people[0]} (moderator), {', '.join(people[1:])}; admin (administrator)"
        )
        lines.append(
            f"    invite page (moderators): http://{args.host}:{port}/quarters/{q.slug}/invite"
        )
    if nodes == 2:
        lines.append("  The two quarters are twinned: lend and borrow across the border.")
    lines.append(f"  Password for everyone: {DEMO_PASSWORD!r}")
    if state != "starting":
        lines.append("  Press Ctrl+C to stop.")
    return "\n".join(lines) + "\n"


async def _run(args: argparse.Namespace) -> None:
    data_dir = Path(args.data_dir)
    if args.reset and data_dir.exists():
        shutil.rmtree(data_dir)
    plan = [(FR, args.port)] if args.one else [(FR, args.port), (DE, args.port + 1)]
    started = []
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # keep the banner readable
    # first, before the migration log scrolls by; and again once everything is ready
    print(banner(args, len(plan), "starting"), flush=True)
    try:
        for q, port in plan:
            started.append(await _start(_settings(args, q, port, data_dir), args.host, port))
        fresh = [await seed(node, q) for (q, _p), (_r, node) in zip(plan, started, strict=True)]
        if len(started) == 2:
            await twin_demo(started[0][1], started[1][1])
        for new, (q, _p), (_r, node) in zip(fresh, plan, started, strict=True):
            if new:
                await seed_content(node, q)
        print(banner(args, len(started), "seeded" if any(fresh) else "existing data"), flush=True)
        await asyncio.Event().wait()
    finally:
        for runner, _node in reversed(started):
            await runner.cleanup()


def run(args: argparse.Namespace) -> None:
    try:
        asyncio.run(_run(args))
    except KeyboardInterrupt:
        pass
