"""create_app(settings): the aiohttp application of one node. Nothing happens at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from node import files, memory, migrations
from node.appkeys import map_cache_key, node_key, templates_key
from node.local.mapview import MapCache
from node.runtime import Node, make_node
from node.settings import Settings, ensure_secret_key
from node.web.middleware import MIDDLEWARES
from node.web.render import Templates
from node.web.routes import setup_routes

log = logging.getLogger("quartier")


def register_steps(node: Node) -> None:
    """Every background step of the node (mail, deliveries, inbox); run by workers and drain()."""
    from node import background

    background.register(node)


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    node = app[node_key]
    files.tighten(node.settings.data_dir)  # what older versions left world-readable

    def migrate() -> list[str]:
        return migrations.apply(node.db.peewee)

    ran = await node.db.run(migrate)
    if ran:
        log.info("applied migrations: %s", ", ".join(ran))
    yield
    node.images.close()
    await asyncio.get_running_loop().run_in_executor(None, node.db.close)


async def resources_ctx(app: web.Application) -> AsyncIterator[None]:
    """Outbound resources (the protocol's HTTP client, …) opened for the app's lifetime."""
    from node import background

    async with background.resources(app[node_key]):
        yield


async def workers_ctx(app: web.Application) -> AsyncIterator[None]:
    node = app[node_key]
    task = asyncio.create_task(node.run_forever()) if node.settings.run_workers else None
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def started(app: web.Application) -> None:
    """Start-up is done (migrations checked, resources open): what it freed goes back to the
    system rather than staying in the process's heaps (node.memory)."""
    memory.give_back(collect=True)


async def frozen(app: web.Application) -> None:
    """What start-up keeps leaves the garbage collector's full passes (node.memory.freeze).
    `quartier serve` adds it after `started`; not create_app itself, since tests make an app
    each and would freeze the previous ones' remains for the rest of the run."""
    memory.freeze()


def create_app(settings: Settings, node: Node | None = None) -> web.Application:
    settings = ensure_secret_key(settings)
    node = node or make_node(settings)
    register_steps(node)
    app = web.Application(
        middlewares=MIDDLEWARES,
        client_max_size=settings.max_upload_bytes * 7 + 1024 * 1024,  # six photos and a form
    )
    app[node_key] = node
    app[templates_key] = Templates(settings.templates_override_dir)  # jinja2 on first page
    app[map_cache_key] = MapCache()
    setup_routes(app)
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(resources_ctx)
    app.cleanup_ctx.append(workers_ctx)
    app.on_startup.append(started)  # after every cleanup_ctx above has started
    return app
