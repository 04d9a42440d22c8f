"""Metric samples: one per interval across processes, pruned after 8 days, drawn for admins."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

from helpers import login, make_quarter, make_resident, node_of

from node import samples
from node.activitypub.models import InboxItem
from node.local.models import OutgoingMail
from node.periodic import PeriodicJob
from node.runtime import make_node

T0 = dt.datetime(2026, 12, 1, 8, 0)


def count_samples() -> int:
    return samples.MetricSample.select().count()


async def test_each_interval_is_sampled_once_by_several_processes(app, client):
    node = node_of(client)
    others = [make_node(node.settings) for _ in range(3)]  # three more processes' worth
    everyone = [node, *others]
    try:
        # Given an e-mail waiting and an activity received
        await node.db.run(lambda: OutgoingMail.create(to="a@example.test", subject="s", text="t"))
        await node.db.run(
            lambda: InboxItem.create(activity_id="https://x.test/1", body="{}", sender="x.test")
        )
        # When four processes run the sampling step at the same moment, twice
        for minutes in (0, 1):
            for n in everyone:
                n.clock = lambda m=minutes: T0 + dt.timedelta(minutes=m)
                n.samples_next_try = dt.datetime.min
            await asyncio.gather(*(samples.sample_step(n) for n in everyone))
        # Then one of them sampled once (the second round was within the interval)
        assert await node.db.run(count_samples) == len(samples.NAMES)
        job = await node.db.run(lambda: PeriodicJob.get_by_id(samples.JOB))
        assert job.next_run_at == T0 + samples.EVERY
        # …with the figures of the database
        series = await node.db.run(samples.series, T0 - dt.timedelta(hours=1))
        assert series["mail_waiting"] == [(T0, 1.0)]
        assert series["inbox_waiting"] == [(T0, 1.0)]
        # When the interval is over, the next round samples again, once
        for n in everyone:
            n.clock = lambda: T0 + samples.EVERY
            n.samples_next_try = dt.datetime.min
        await asyncio.gather(*(samples.sample_step(n) for n in everyone))
        assert await node.db.run(count_samples) == 2 * len(samples.NAMES)
        # When eight days and a bit have passed, the old samples are pruned by the job
        later = T0 + samples.KEEP + dt.timedelta(minutes=10)
        node.clock, node.samples_next_try = (lambda: later), dt.datetime.min
        await samples.sample_step(node)
        assert await node.db.run(count_samples) == len(samples.NAMES)
    finally:
        for other in others:
            other.db.close()


async def test_admins_see_the_figures_and_charts_of_the_last_day(app, client):
    node = node_of(client)
    await make_quarter(node)
    await make_resident(node, "root", role="admin", language="fr")
    await make_resident(node, "alice")
    now = samples.utcnow()
    # Given samples over the last two hours, with the node down for half an hour in between
    minutes = [m for m in range(0, 120, 5) if not 40 <= m < 70]
    for m in minutes:
        node.clock, node.samples_next_try = (
            (lambda m=m: now - dt.timedelta(minutes=120 - m)),
            dt.datetime.min,
        )
        await samples.sample_step(node)
    # A resident who is not an admin is refused
    await login(client, "alice")
    assert (await client.get("/admin/stats")).status == 403
    await client.post("/logout", data={})
    client.session.cookie_jar.clear()
    # The admin sees the page in French, with one chart per figure, each an inline SVG
    await login(client, "root")
    response = await client.get("/admin/stats")
    assert response.status == 200
    page = await response.text()
    assert "Chiffres du nœud" in page
    charts = re.findall(r"<svg class=\"chart\".*?</svg>", page, re.S)
    assert len(charts) == 6
    # …the gap where the node was down breaks each line in two
    assert all(len(re.findall("<polyline", svg)) == 2 for svg in charts)
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]
    assert 'aria-label="Activités reçues (par 5 minutes)"' in page
