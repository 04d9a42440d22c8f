"""Benchmark: the feed page, the map GeoJSON and search over a quarter at 1k, 10k and 100k listings.

Seeds listings (and a tenth as many events) with bulk inserts, starts the real app on 127.0.0.1
and prints the median and p95 of each request and its size (and its gzip size on the wire for the
map), on SQLite and/or PostgreSQL, then one table of the p95 of the three figures of issue #12
(feed page / map GeoJSON as the map page loads it / search API) by size.

    python bench/sharing.py                          # both databases, 1k, 10k and 100k listings
    python bench/sharing.py --db sqlite --sizes 10000 --runs 100

About 1 minute per database for 1k + 10k; the 100k size adds 2-3 minutes per database (seeding).
PostgreSQL: a fresh schema on QUARTIER_BENCH_PG (default postgresql://postgres@127.0.0.1/test).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from node import planner  # noqa: E402
from node.app import create_app, frozen  # noqa: E402
from node.appkeys import node_key  # noqa: E402
from node.commit import commit  # noqa: E402
from node.local import quarters, residents  # noqa: E402
from node.local.events.models import Event  # noqa: E402
from node.local.listings.models import Listing  # noqa: E402
from node.local.models import Quarter, Resident, utcnow  # noqa: E402
from node.settings import load_settings  # noqa: E402

PG = os.environ.get("QUARTIER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
WORDS = "drill ladder bike pram sofa books tent piano garden lessons help moving cake tools".split()
CENTER = (48.1173, -1.6778)


def seed(quarter_id: int, listings: int, events: int, people: int = 200) -> int:
    """Bulk-insert residents, listings and events; returns one resident id."""
    rng = random.Random(42)
    now = utcnow()
    rows = [
        {
            "username": f"bench{i}",
            "email": f"bench{i}@example.test",
            "password_hash": "x",
            "quarter": quarter_id,
            "verified_at": now,
            "verification": "approved",
        }
        for i in range(people)
    ]
    with Resident._meta.database.atomic():
        Resident.insert_many(rows).execute()
    ids = [r.id for r in Resident.select(Resident.id).where(Resident.quarter == quarter_id)]

    def point() -> tuple[float, float]:
        return CENTER[0] + rng.uniform(-0.02, 0.02), CENTER[1] + rng.uniform(-0.03, 0.03)

    batch = []
    for i in range(listings):
        lat, lon = point()
        a, b = rng.sample(WORDS, 2)
        batch.append(
            {
                "author": rng.choice(ids),
                "quarter": quarter_id,
                "kind": rng.choice(("offer", "request")),
                "type": rng.choice(("service", "gift", "loan", "paid")),
                "title": f"{a.title()} and {b} #{i}",
                "description": f"A {a} to share with neighbours, also {b}.",
                "category": rng.choice(("diy", "garden", "kitchen", "children", "other")),
                "reach": rng.choice(("quarter", "public")),
                "state": rng.choice(("open",) * 8 + ("done", "withdrawn")),
                "lat": lat,
                "lon": lon,
                "created_at": now - dt.timedelta(minutes=i),
            }
        )
    for start in range(0, len(batch), 500):
        with Listing._meta.database.atomic():
            Listing.insert_many(batch[start : start + 500]).execute()
    batch = []
    for i in range(events):
        lat, lon = point()
        starts = now + dt.timedelta(hours=rng.randint(-200, 2000))
        a = rng.choice(WORDS)
        batch.append(
            {
                "organiser": rng.choice(ids),
                "quarter": quarter_id,
                "title": f"{a.title()} afternoon #{i}",
                "description": f"Come along for {a} and a chat.",
                "description_html": "",
                "starts_at": starts,
                "ends_at": starts + dt.timedelta(hours=3),
                "lat": lat,
                "lon": lon,
                "created_at": now - dt.timedelta(minutes=3 * i),
            }
        )
    for start in range(0, len(batch), 500):
        with Event._meta.database.atomic():
            Event.insert_many(batch[start : start + 500]).execute()
    return ids[0]


def database_url(kind: str, tmp: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", None
    import psycopg2

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    conn = psycopg2.connect(PG.replace("postgresql://", "postgres://"))
    conn.autocommit = True
    conn.cursor().execute(f"CREATE SCHEMA {schema}")
    conn.close()
    return f"{PG}?schema={schema}&max_connections=8", schema


def drop_schema(schema: str) -> None:
    import psycopg2

    conn = psycopg2.connect(PG.replace("postgresql://", "postgres://"))
    conn.autocommit = True
    conn.cursor().execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    conn.close()


async def measure(
    session, url: str | list[str], headers: dict, runs: int
) -> tuple[float, float, float, int, int]:
    """Median and p95 in ms, CPU ms of this process (server and client) per request, body bytes,
    bytes on the wire when the client accepts gzip. A list of URLs is requested in turn."""
    urls = [url] if isinstance(url, str) else url
    url = urls[0]
    times = []
    size = 0
    cpu = time.process_time()
    for run in range(runs):
        start = time.perf_counter()
        async with session.get(urls[run % len(urls)], headers=headers) as response:
            body = await response.read()
            assert response.status == 200, (url, response.status, body[:300])
        times.append((time.perf_counter() - start) * 1000)
        size = len(body)
    cpu = (time.process_time() - cpu) * 1000 / runs
    async with session.get(
        url, headers={**headers, "Accept-Encoding": "gzip"}, auto_decompress=False
    ) as response:
        wire = len(await response.read())
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, cpu, size, wire


class Profiles:
    """cProfile of the event loop and of the database threads, one pair of files per case."""

    def __init__(self, folder: str | None) -> None:
        self.folder = folder
        if folder:
            import cProfile

            from node.db import Database

            Path(folder).mkdir(parents=True, exist_ok=True)
            self.loop, self.db = cProfile.Profile(), cProfile.Profile()
            call = Database._call
            Database._call = lambda *a: self.db.runcall(call, *a)  # requests come one at a time

    def start(self) -> None:
        if self.folder:
            import cProfile

            self.loop, self.db = cProfile.Profile(), cProfile.Profile()  # this case only
            self.loop.enable()

    def stop(self, name: str) -> None:
        if self.folder:
            self.loop.disable()
            self.loop.dump_stats(f"{self.folder}/{name}.loop.prof")
            self.db.dump_stats(f"{self.folder}/{name}.db.prof")


async def bench(
    kind: str, listings: int, events: int, runs: int, profiles: Profiles | None = None
) -> None:
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        url, schema = database_url(kind, tmp)
        try:
            settings = load_settings(
                {},
                None,
                data_dir=str(tmp),
                database_url=url,
                secret_key="bench",
                run_workers=False,
                tile_url="",
                default_language="en",
            )
            app = create_app(settings)
            app.on_startup.append(frozen)  # as `quartier serve` does
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]
            node = app[node_key]
            quarter = await commit(node, quarters.create_quarter, "centre", "Centre", ["35000"])
            await node.db.run(
                lambda: Quarter.update(center_lat=CENTER[0], center_lon=CENTER[1]).execute()
            )
            started = time.perf_counter()
            resident_id = await node.db.run(seed, quarter.id, listings, events)
            if kind == "postgres":  # as autovacuum leaves a live node (GIN pending lists merged)
                for table in ("listing", "event", "resident"):
                    sql = f"VACUUM ANALYZE {table}"
                    await node.db.run(lambda sql=sql: node.db.peewee.execute_sql(sql))
            else:  # as the node's daily planner_statistics job leaves it (node/planner.py)
                await node.db.run(planner.analyse, node.db.peewee)
            seeded = time.perf_counter() - started
            token = await commit(node, residents.create_token, resident_id, "bench")
            headers = {"Authorization": f"Bearer {token}"}
            base = f"http://127.0.0.1:{port}"
            box = f"{CENTER[1] - 0.01},{CENTER[0] - 0.005},{CENTER[1] + 0.01},{CENTER[0] + 0.005}"
            # the box a 1280×800 map shows at zoom 15 (the map page's opening view)
            view = f"{CENTER[1] - 0.0275},{CENTER[0] - 0.0115},{CENTER[1] + 0.0275},{CENTER[0] + 0.0115}"
            cases = [
                ("feed page (HTML)", "/"),
                ("feed API (20 items)", "/api/v1/feed"),
                (MAP_ROW, f"/map.geojson?bbox={view}&zoom=15"),
                (PAN_ROW, [f"/map.geojson?bbox={b}&zoom=15" for b in panned(runs + 2)]),
                ("map GeoJSON, ~1.5 km at zoom 17", f"/map.geojson?bbox={box}&zoom=17"),
                ("map GeoJSON, no zoom (≤500/kind)", "/map.geojson"),
                ("map GeoJSON, 500 listings no zoom", "/map.geojson?kind=listing"),
                ("search API (q=ladder)", "/api/v1/feed?q=ladder"),
                ("search page (q=piano garden)", "/?q=piano+garden"),
            ]
            print(
                f"\n{kind}: {listings} listings + {events} events seeded in {seeded:.1f} s; "
                f"{runs} requests each"
            )
            print(
                f"  {'request':36} {'median ms':>10} {'p95 ms':>8} {'cpu ms':>7} {'bytes':>9} "
                f"{'gzip':>8}"
            )
            async with aiohttp.ClientSession() as session:
                for _, path in cases:  # warm up caches and connections (not the panned boxes)
                    paths = [path] if isinstance(path, str) else path[-2:]
                    await measure(session, [base + p for p in paths], headers, 2)
                for number, (label, path) in enumerate(cases):
                    if profiles:
                        profiles.start()
                    paths = [path] if isinstance(path, str) else path
                    median, p95, cpu, size, wire = await measure(
                        session, [base + p for p in paths], headers, runs
                    )
                    if profiles:
                        profiles.stop(f"{kind}-{listings}-{number}")
                    print(f"  {label:36} {median:10.1f} {p95:8.1f} {cpu:7.1f} {size:9d} {wire:8d}")
                    SUMMARY[kind, listings, label] = p95
                    CPU[kind, listings, label] = cpu
            await runner.cleanup()
        finally:
            if schema:
                drop_schema(schema)


MAP_ROW = "map GeoJSON, quarter view at zoom 15"
# the same view moved a little at each request: never twice the same box, so every answer is
# made afresh (node/local/mapview.py keeps answers until something changes)
PAN_ROW = "map GeoJSON, zoom 15, panning (uncached)"
TARGETS = ("feed page (HTML)", MAP_ROW, "search API (q=ladder)")


def panned(count: int) -> list[str]:
    """`count` boxes of the zoom-15 view, each ~7 m east of the last."""
    boxes = []
    for step in range(count):
        west = CENTER[1] - 0.0275 + step * 0.0001
        boxes.append(f"{west},{CENTER[0] - 0.0115},{west + 0.055},{CENTER[0] + 0.0115}")
    return boxes


SUMMARY: dict[tuple[str, int, str], float] = {}
CPU: dict[tuple[str, int, str], float] = {}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="listing counts (default 1000,10000,100000)"
    )
    parser.add_argument("--runs", type=int, default=50, help="requests per case (default 50)")
    parser.add_argument(
        "--profile",
        metavar="FOLDER",
        help="write cProfile files of each case there: KIND-SIZE-CASE.loop.prof (event loop) "
        "and .db.prof (database thread); wall figures are then not comparable",
    )
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    sizes = [int(n) for n in args.sizes.split(",")]
    load = os.getloadavg()
    print(f"sharing bench, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    profiles = Profiles(args.profile) if args.profile else None
    for kind in kinds:
        for listings in sizes:
            asyncio.run(bench(kind, listings, max(listings // 10, 10), args.runs, profiles))
    print("\np95 ms (feed page / map GeoJSON as the map loads it / search API), target < 30 at")
    print("10,000 listings and < 50 at 100,000; CPU ms of this process per request beside it;")
    print("then the map panning, every answer made afresh:")
    for kind in kinds:
        for listings in sizes:
            row = " / ".join(f"{SUMMARY[kind, listings, label]:5.1f}" for label in TARGETS)
            cpu = " / ".join(f"{CPU[kind, listings, label]:5.1f}" for label in TARGETS)
            pan = (
                f"{SUMMARY[kind, listings, PAN_ROW]:5.1f} (CPU {CPU[kind, listings, PAN_ROW]:4.1f})"
            )
            print(f"  {kind:9} {listings:>7} listings: {row}   (CPU {cpu})   panning {pan}")
    if len(sizes) > 1:
        print(f"\nhow p95 grows from {sizes[0]} listings (× the p95 at {sizes[0]}):")
        for kind in kinds:
            for label in TARGETS:
                first = SUMMARY[kind, sizes[0], label]
                steps = " → ".join(f"{SUMMARY[kind, n, label] / first:.2f} ({n})" for n in sizes)
                print(f"  {kind:9} {label:22.22} {steps}")


if __name__ == "__main__":
    main()
