"""node.app.frozen: what start-up keeps leaves the garbage collector's full passes."""

import gc

from node.app import frozen


async def test_objects_made_at_start_up_are_frozen_once_the_app_started(aiohttp_client, app):
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    app.on_startup.append(frozen)
    try:
        await aiohttp_client(app)
        # modules, models, the template environment...: tens of thousands of objects
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # the rest of the test run collects as before
