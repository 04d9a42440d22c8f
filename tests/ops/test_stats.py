"""`quartier admin stats`: the figures in a terminal, text and JSON, from a real process; with
PROMETHEUS_MULTIPROC_DIR, the counters every serve process wrote too."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
from helpers import make_quarter, make_resident
from node_process import node_env, quartier, serving

from node import migrations
from node.local.models import OutgoingMail
from node.runtime import make_node

ROOT = Path(__file__).resolve().parents[2]


async def test_stats_prints_the_queues_residents_and_the_counters_of_the_serve_processes(
    make_settings, tmp_path
):
    settings = make_settings("n")
    node = make_node(settings)
    try:
        await node.db.run(migrations.apply, node.db.peewee)
        await make_quarter(node)
        await make_resident(node, "alice")
        await make_resident(node, "bob")
        # Given two e-mails waiting (no SMTP host) and one given up
        for state in ("pending", "pending", "failed"):
            await node.db.run(
                lambda s=state: OutgoingMail.create(
                    to="x@example.test", subject="s", text="t", state=s
                )
            )
    finally:
        node.db.close()
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = node_env(
        Path(settings.data_dir), settings.database_url, str(ROOT),
        QUARTIER_SECRET_KEY=settings.secret_key, QUARTIER_RUN_WORKERS="false",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )  # fmt: skip
    # …and a serve process that answered three requests, counted in the shared directory
    with serving(env, ROOT) as (base, _lines):
        async with aiohttp.ClientSession() as session:
            for _ in range(3):
                async with session.get(f"{base}/livez") as resp:
                    assert resp.status == 200
    # When an operator asks for the figures
    text = quartier(env, ROOT, "admin", "stats")
    assert text.returncode == 0, text.stderr
    # Then the text names the queues, the residents and the requests of the stopped process
    assert "mail      2 pending, 1 failed" in text.stdout
    assert "Residents: 2;" in text.stdout
    assert "method=GET,route=/livez,status=200: 3" in text.stdout
    # …and --json carries the same for scripts
    data = json.loads(quartier(env, ROOT, "admin", "stats", "--json").stdout)
    assert data["figures"]["queues"]["mail"] == {"pending": 2, "failed": 1}
    assert data["figures"]["residents"] == 2
    requests = data["counters"]["quartier_http_requests_total"]
    assert requests["method=GET,route=/livez,status=200"] == 3
    assert set(data["last_24h"]) >= {"inbox_received", "mail_waiting", "active_residents"}
