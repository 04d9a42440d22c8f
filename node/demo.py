"""`quartier demo`: a ready-to-explore node with a seeded quarter, residents and content."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
from pathlib import Path

from aiohttp import web

from node.app import create_app
from node.commit import commit
from node.local import quarters, residents
from node.local.models import Quarter
from node.settings import load_settings

DEMO_PASSWORD = "quartier-demo"


async def seed(node) -> bool:
    """Seed the demo content once; False when the database already has it."""
    if await node.db.run(lambda: Quarter.select().exists()):
        return False
    await commit(
        node,
        quarters.create_quarter,
        "saint_servan",
        "Saint-Servan",
        ["35400"],
        None,
        country="FR",
        language="fr",
        description="Quartier de Saint-Malo",
    )
    people = [
        ("camille", "Camille", "moderator"),
        ("yann", "Yann", "resident"),
        ("lea", "Léa", "resident"),
    ]
    for username, name, role in people:
        draft = residents.SignupDraft.parse(
            {
                "username": username,
                "display_name": name,
                "email": f"{username}@demo.quartier.test",
                "password": DEMO_PASSWORD,
                "language": "fr",
            }
        )
        await commit(
            node, residents.sign_up, draft, role=role, quarter_slug="saint_servan", verified=True
        )
    return True


async def _run(args: argparse.Namespace) -> None:
    data_dir = Path(args.data_dir)
    if args.reset and data_dir.exists():
        shutil.rmtree(data_dir)
    settings = load_settings(
        dict(os.environ),
        None,
        public_url=f"http://{args.host}:{args.port}",
        data_dir=str(data_dir / "fr"),
        database_url="",
        node_name="Quartier Saint-Servan",
        default_language="fr",
        node_country="FR",
        allow_http=True,
        allow_private_addresses=True,
    )
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    from node.appkeys import node_key

    node = app[node_key]
    site = web.TCPSite(runner, args.host, args.port)
    await site.start()
    fresh = await seed(node)
    print(f"\nQuartier demo {'(seeded)' if fresh else '(existing data)'}")
    print(f"  French node:  http://{args.host}:{args.port}/")
    print(f"  Log in as camille (moderator), yann or lea with the password {DEMO_PASSWORD!r}")
    print("  Press Ctrl+C to stop.\n", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def run(args: argparse.Namespace) -> None:
    try:
        asyncio.run(_run(args))
    except KeyboardInterrupt:
        pass
