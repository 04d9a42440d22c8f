"""Operations behind the CLI: serve, worker, migrate and the admin commands."""

from __future__ import annotations

import asyncio
import logging
import signal

from aiohttp import web

from node import files, migrations
from node.app import create_app, frozen, register_steps
from node.loops import loop_name, new_loop
from node.runtime import make_node
from node.settings import Settings, ensure_secret_key

log = logging.getLogger("quartier")


def serve(settings: Settings, host: str, port: int, reuse_port: bool = False) -> None:
    """Run the node; pending migrations are applied at start (documented in the README)."""
    app = create_app(settings)
    app.on_startup.append(frozen)
    loop = new_loop(settings.event_loop)
    web.run_app(
        app,
        host=host,
        port=port,
        reuse_port=reuse_port or None,
        loop=loop,
        print=lambda *_: log.info(
            "Quartier listening on http://%s:%s (%s)", host, port, loop_name(loop)
        ),
    )


async def worker(settings: Settings) -> None:
    settings = ensure_secret_key(settings)
    files.tighten(settings.data_dir)
    node = make_node(settings)
    register_steps(node)
    await node.db.run(migrations.apply, node.db.peewee)
    from node import background

    # SIGTERM (docker stop, systemd, the supervisor) and Ctrl-C stop the loop between steps or
    # mid-step; leaving `resources` then gives every claimed row back at once (no lease wait).
    main = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, main.cancel)
    try:
        async with background.resources(node):
            await node.run_forever()
    except asyncio.CancelledError:
        log.info("worker stopped; its claimed rows were given back")
    finally:
        node.db.close()


def migrate(settings: Settings) -> list[str]:
    node = make_node(settings)
    try:
        node.db.bind_here()
        return migrations.apply(node.db.peewee)
    finally:
        node.db.peewee.close()


async def _admin(settings: Settings, fn, *args, **kwargs):
    from node.commit import commit  # the admin commands' own: `serve` need not load the domain

    settings = ensure_secret_key(settings)
    node = make_node(settings)
    try:
        await node.db.run(migrations.apply, node.db.peewee)
        return await commit(node, fn, *args, **kwargs)
    finally:
        node.db.close()


async def _rotate(settings: Settings, handle: str) -> int:
    from node.activitypub import rotation
    from node.commit import commit

    settings = ensure_secret_key(settings)
    node = make_node(settings)
    try:
        await node.db.run(migrations.apply, node.db.peewee)
        return await commit(node, rotation.rotate_key, node, handle)
    finally:
        node.db.close()


def rotate_key(settings: Settings, handle: str) -> int:
    """New key for @handle; the Update is delivered by the node's workers."""
    return asyncio.run(_rotate(settings, handle))


def create_quarter(
    settings,
    slug,
    name,
    postcodes,
    boundary,
    rural,
    country="",
    language="",
    center=None,
    radius=None,
    adjacent=None,
):
    from node.local import quarters

    return asyncio.run(
        _admin(
            settings,
            quarters.create_quarter,
            slug,
            name,
            postcodes,
            boundary,
            rural,
            country or settings.node_country,
            language or settings.default_language,
            center=center,
            radius=radius,
            adjacent=adjacent,
        )
    )


def create_resident(
    settings, username, email, password, quarter, verified, role, display_name, language=""
):
    from node.local import residents

    draft = residents.SignupDraft.parse(
        {
            "username": username,
            "email": email,
            "password": password,
            "display_name": display_name,
            "language": language,
        }
    )
    return asyncio.run(
        _admin(
            settings, residents.sign_up, draft, role=role, quarter_slug=quarter, verified=verified
        )
    )


def create_token(settings, username, name):
    from node.local import residents

    def make(tx, username, name):
        resident = residents.get_local(username)
        return residents.create_token(tx, resident.id, name)

    return asyncio.run(_admin(settings, make, username, name))


def _trust_verifications(host: str, remove: bool, own_host: str, note: str) -> list[str]:
    from node.activitypub import trusted_nodes

    if host and remove:
        trusted_nodes.distrust(host)
    elif host:
        trusted_nodes.trust(host, own_host, note=note)
    return [t.host for t in trusted_nodes.listing()]


def trust_verifications(
    settings: Settings, host: str, remove: bool = False, note: str = ""
) -> list[str]:
    """Trust (or stop trusting) the verifications of another node's quarters; the list after."""

    async def run() -> list[str]:
        settings_ = ensure_secret_key(settings)
        node = make_node(settings_)
        try:
            await node.db.run(migrations.apply, node.db.peewee)
            return await node.db.atomic(_trust_verifications, host, remove, settings_.host, note)
        finally:
            node.db.close()

    return asyncio.run(run())
