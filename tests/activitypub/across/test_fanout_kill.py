"""`kill -9` of a sending worker mid fan-out: after a restart everything arrives exactly once."""

import dataclasses
import datetime as dt
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

from three_nodes import publish, settle, start_site, twin

from node.activitypub.models import Delivery, InboxItem
from node.local.listings.models import Listing
from node.local.models import utcnow

ROOT = str(pathlib.Path(__file__).resolve().parents[3])
COUNT = 120  # more than one delivery batch (50), so the kill lands mid fan-out


def worker_env(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        if value is None or field.name == "run_workers":
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        env[f"QUARTIER_{field.name.upper()}"] = text
    env["QUARTIER_LOG_LEVEL"] = "WARNING"
    return env


async def test_worker_killed_mid_fan_out_loses_nothing_and_sends_once(make_settings, cleanup):
    fr = await start_site(make_settings, "fr")
    de = await start_site(make_settings, "de")
    cleanup.push_async_callback(fr.runner.cleanup)
    cleanup.push_async_callback(de.runner.cleanup)
    await twin(fr, de)
    for n in range(COUNT):
        await publish(fr, f"Objet {n}", "twins")
    # the French node's deliveries go out from a separate worker process…
    proc = subprocess.Popen(
        [sys.executable, "-m", "node", "worker"], cwd=ROOT, env=worker_env(fr.node.settings),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    received = 0
    deadline = time.monotonic() + 60
    # …which is killed with SIGKILL as soon as the German inbox has part of the burst
    while time.monotonic() < deadline:
        received = await de.node.db.run(lambda: InboxItem.select().count())
        if received >= 1:
            break
        await de.node.drain()  # the German side works in-process; no sleeping
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert received < COUNT
    states = await fr.node.db.run(
        lambda: {d.state for d in Delivery.select() if b"Objet" in bytes(d.body)}
    )
    assert states != {"sent"}  # killed mid fan-out, for real
    # a row claimed by the dead worker is retried once its lease is over (here: expired now)
    await fr.node.db.atomic(
        lambda: (
            Delivery.update(
                claimed_at=utcnow() - dt.timedelta(minutes=10),
                claimed_until=utcnow() - dt.timedelta(minutes=9),
            )
            .where(Delivery.state == "sending")
            .execute()
        )
    )
    await settle(fr, de)
    titles = await de.node.db.run(
        lambda: [r.title for r in Listing.select().where(Listing.external_ref.is_null(False))]
    )
    assert sorted(titles) == sorted(f"Objet {n}" for n in range(COUNT))
    creates = await de.node.db.run(
        lambda: [json.loads(i.body)["object"]["id"] for i in InboxItem.select()
                 if json.loads(i.body)["type"] == "Create"]
    )  # fmt: skip
    assert len(creates) == len(set(creates)) == COUNT  # each activity stored once
