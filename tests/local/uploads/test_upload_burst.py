"""Heavy photo uploads (#13.8): a burst of huge PNGs neither takes the node down nor grows its memory.

The node runs as `python -m node serve` in its own process (its RSS read from /proc); twelve listings
are created at once through the real form, each with six photos, over twelve real connections.
"""

from __future__ import annotations

import asyncio
import io
import time

import aiohttp
import pytest
from PIL import Image
from served import Served, probe_while, start, stop

pytestmark = pytest.mark.slow

BURST = 12
PHOTOS = 6
RSS_LIMIT_MB = 400
HEALTH_LATENCY_S = 2.0
CAP_SIDE = 5000  # 5000 × 5000 = 25 megapixels: the default cap (max_image_pixels), just allowed


def flat_png(side: int) -> bytes:
    """A one-colour PNG: a few hundred kB on the wire, side × side pixels once decoded."""
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 120, 40)).save(out, "PNG", optimize=True)
    return out.getvalue()


@pytest.fixture
def served(tmp_path, database_url):
    node = start(tmp_path, database_url("served"))
    yield node
    stop(node)


async def burst(served: Served, photo: bytes) -> tuple[list[tuple[int, str]], float]:
    """BURST concurrent listing creations with PHOTOS copies of photo; (status, page) each."""
    timeout = aiohttp.ClientTimeout(total=600)
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of an IP host (127.0.0.1)
    connector = aiohttp.TCPConnector(limit=0)  # one real connection per request
    async with aiohttp.ClientSession(timeout=timeout, cookie_jar=jar, connector=connector) as s:
        csrf = await served.login(s)

        async def create(n: int) -> tuple[int, str]:
            form = aiohttp.FormData()
            fields = {"kind": "offer", "type": "loan", "title": f"Perceuse {n}", "csrf_token": csrf}
            for key, value in fields.items():
                form.add_field(key, value)
            for i in range(PHOTOS):
                form.add_field("photos", photo, filename=f"p{i}.png", content_type="image/png")
            async with s.post(served.url + "/listings", data=form, allow_redirects=False) as r:
                return r.status, await r.text()

        started = time.monotonic()
        load = asyncio.ensure_future(asyncio.gather(*(create(n) for n in range(BURST))))
        probes = await probe_while(served, load)
        results = await load
        elapsed = time.monotonic() - started
    print(
        f"\n{BURST}×{PHOTOS} photos: {sorted({status for status, _ in results})} in {elapsed:.1f} s;"
        f" /healthz {probes.summary()}; RSS peak {served.peak_mb():.0f} MB"
        f" (sampled {probes.peak_mb:.0f} MB)"
    )
    assert all(status == 200 for status in probes.statuses), probes.answers
    assert probes.worst < HEALTH_LATENCY_S, probes.answers
    return results, elapsed


async def stored(served: Served) -> list[dict]:
    headers = {"Authorization": f"Bearer {served.token}"}
    async with aiohttp.ClientSession() as s:
        async with s.get(served.url + "/api/v1/listings?limit=100", headers=headers) as r:
            assert r.status == 200
            return await r.json()


async def test_photos_over_the_pixel_cap_are_refused_before_decoding(served):
    big = flat_png(6300)  # 39.7 megapixels, 131 kB
    assert len(big) < 200_000
    results, _ = await burst(served, big)
    assert [status for status, _ in results] == [400] * BURST
    for _, page in results:
        assert "too large" in page and "megapixels" in page
    assert served.peak_mb() < RSS_LIMIT_MB
    # nothing stored: no listing, no file
    assert await stored(served) == []
    media = served.data_dir / "media" / "listings"
    assert not media.exists() or list(media.iterdir()) == []


async def test_photos_just_under_the_cap_are_kept_with_bounded_memory(served):
    results, _ = await burst(served, flat_png(CAP_SIDE))
    assert [status for status, _ in results] == [303] * BURST
    listings = await stored(served)
    assert len(listings) == BURST
    assert all(len(listing["photos"]) == PHOTOS for listing in listings)
    files = list((served.data_dir / "media" / "listings").iterdir())
    assert len(files) == BURST * PHOTOS * 2  # full size and thumbnail, nothing left over
    assert served.peak_mb() < RSS_LIMIT_MB
