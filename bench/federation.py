"""Three loopback nodes (FR, DE, IT quarters, twinned): how fast a listing becomes visible elsewhere.

Prints the time from publishing a listing on the French node to it being stored on the two others
(median and p95 over N listings, published one after the other), then the deliveries per second
the French node sends during a burst. Each node runs its own background workers (run_workers) and
its own SQLite database. Run: python bench/federation.py [N] [BURST]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [
    str(Path(__file__).resolve().parents[1]),
    str(Path(__file__).resolve().parents[1] / "tests"),
    str(Path(__file__).resolve().parents[1] / "tests" / "borders"),
]

from border_support import publish, start_site  # noqa: E402

from node.activitypub import twinning  # noqa: E402
from node.activitypub.models import Delivery, Follower  # noqa: E402
from node.commit import commit  # noqa: E402
from node.local import twins  # noqa: E402
from node.local.listings.models import Listing  # noqa: E402
from node.settings import load_settings  # noqa: E402

POLL = 0.002  # seconds between looks at the receivers' databases (the workers run on their own)


async def until(check, node, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not await node.db.run(check):
        if time.perf_counter() > deadline:
            raise TimeoutError("timed out")
        await asyncio.sleep(POLL)


async def main(count: int, burst: int) -> None:
    tmp = tempfile.mkdtemp()

    def make_settings(name, **overrides):
        values = {
            "data_dir": f"{tmp}/{name}",
            "database_url": f"sqlite:///{tmp}/{name}/q.db",
            "secret_key": "bench",
            "run_workers": True,
            "tile_url": "",
        }
        Path(values["data_dir"]).mkdir(parents=True, exist_ok=True)
        values.update(overrides)
        return load_settings({}, None, **values)

    fr, de, it = [await start_site(make_settings, code) for code in ("fr", "de", "it")]
    for other in (de, it):
        await twinning.request(fr.node, fr.moderator.id, fr.quarter.slug, other.handle)
        await until(lambda: twins.Twin.select().exists(), other.node)
        asked = await other.node.db.run(lambda: twins.Twin.get())
        await commit(other.node, twins.decide, other.moderator.id, asked.id, True)
    await until(
        lambda: twins.Twin.select().where(twins.Twin.state == "accepted").count() == 2, fr.node
    )
    # the twins' Groups follow ours back: public items reach them through the quarter's Announces
    await until(lambda: Follower.select().where(Follower.state == "accepted").count() == 2, fr.node)

    delays = []
    for n in range(count):
        start = time.perf_counter()
        listing = await publish(fr, f"Objet {n}", "twins" if n % 2 else "public")
        ref = fr.node.urls.listing(listing.id)
        for site in (de, it):
            await until(
                lambda ref=ref: Listing.select().where(Listing.external_ref == ref).exists(),
                site.node,
            )
        delays.append(time.perf_counter() - start)
    delays.sort()
    p95 = delays[max(0, int(round(0.95 * len(delays))) - 1)]
    print(f"publish → visible on both other nodes, {count} listings:")
    print(f"  median {statistics.median(delays) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")

    sent_before = await fr.node.db.run(
        lambda: Delivery.select().where(Delivery.state == "sent").count()
    )
    start = time.perf_counter()
    for n in range(burst):
        await publish(fr, f"Rafale {n}", "twins")
    await until(
        lambda: Delivery.select().where(Delivery.state != "sent").count() == 0, fr.node, 120
    )
    elapsed = time.perf_counter() - start
    sent = (
        await fr.node.db.run(lambda: Delivery.select().where(Delivery.state == "sent").count())
        - sent_before
    )
    print(
        f"burst of {burst} listings → {sent} deliveries in {elapsed:.2f} s: {sent / elapsed:.0f}/s"
    )
    for site in (it, de, fr):
        await site.runner.cleanup()


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    asyncio.run(main(*(args + [100, 200][len(args) :])))
