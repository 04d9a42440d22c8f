"""`python -m node demo` starts two twinned nodes; the German one shows a French lendable listing."""

import asyncio
import os
import pathlib
import signal
import subprocess
import sys
import time

import aiohttp
from aiohttp.test_utils import unused_port
from helpers import CSRF

ROOT = str(pathlib.Path(__file__).resolve().parents[2])


async def _up(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(url + "/healthz") as resp:
                return resp.status == 200
    except aiohttp.ClientError:
        return False


async def test_demo_twins_a_french_and_a_german_node(tmp_path):
    port = unused_port()
    while True:  # the second node takes port + 1
        second = port + 1
        import socket

        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", second))
                break
            except OSError:
                port = unused_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "node",
            "demo",
            "--data-dir",
            str(tmp_path / "demo"),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    fr, de = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{second}"
    try:
        deadline = time.monotonic() + 60
        seen = []
        while time.monotonic() < deadline:
            jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
            async with aiohttp.ClientSession(cookie_jar=jar) as session:
                if await _up(fr) and await _up(de):
                    # log in on the German node as mia and look at what the twins share
                    async with session.get(de + "/login") as resp:
                        token = CSRF.search(await resp.text()).group(1)
                    form = {"login": "mia", "password": "quartier-demo", "csrf_token": token}
                    async with session.post(de + "/login", data=form) as resp:
                        pass  # refused while the demo is still seeding: try again
                    async with session.get(de + "/api/v1/listings?scope=twins") as resp:
                        if resp.status == 200:
                            seen = await resp.json()
                    if any(i["title"] == "Perceuse à percussion" for i in seen):
                        admin_pages = [await _admin_page(url) for url in (fr, de)]
                        break
            await asyncio.sleep(0.5)  # a subprocess: there is no drain() to call
        loans = [
            i["title"]
            for i in seen
            if i["type"] == "loan" and i["kind"] == "offer" and i["origin"] == f"127.0.0.1:{port}"
        ]
        assert "Perceuse à percussion" in loans, seen
        assert all(i["language"] == "fr" for i in seen)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert "German node" in out and "jonas" in out
    # the URLs and logins come first (before the migration log) and again once seeded
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[0].startswith("Quartier demo"), lines[:3]
    banners = [i for i, line in enumerate(lines) if line.startswith("Quartier demo")]
    migrations = [i for i, line in enumerate(lines) if "applied migrations" in line]
    assert len(banners) == 2 and banners[0] < migrations[0] < migrations[-1] < banners[1], lines
    assert f"{de}/" in lines[banners[1] + 4] and "admin" in out
    # an administrator on each node, with the demo password
    assert admin_pages == [200, 200]


async def _admin_page(base: str) -> int:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(base + "/login") as resp:
            token = CSRF.search(await resp.text()).group(1)
        form = {"login": "admin", "password": "quartier-demo", "csrf_token": token}
        async with session.post(base + "/login", data=form) as resp:
            pass
        async with session.get(base + "/admin", allow_redirects=False) as resp:
            return resp.status
