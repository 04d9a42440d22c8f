"""A node served by `python -m node serve` in its own process, so its memory can be read from /proc.

Seeded through the CLI (a quarter, one verified resident, an API token); tests talk to it over real
loopback connections only.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "long enough password"


def cli(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "node", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def proc_status_kb(pid: int, key: str) -> int:
    """VmRSS (now) or VmHWM (peak resident set since start) of a process, in kB."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{key}:\s+(\d+) kB", text, re.M).group(1))


@dataclass
class Served:
    url: str
    process: subprocess.Popen
    token: str
    data_dir: Path
    samples: list[int] = field(default_factory=list)

    def log(self) -> str:
        """What the server has written to stderr so far (its warnings and errors)."""
        return (self.data_dir / "serve.log").read_text(errors="replace")

    def rss_mb(self) -> float:
        return proc_status_kb(self.process.pid, "VmRSS") / 1024

    def peak_mb(self) -> float:
        return proc_status_kb(self.process.pid, "VmHWM") / 1024

    async def login(self, session: aiohttp.ClientSession) -> str:
        """Log in through the real form; the CSRF token of the listing form afterwards."""
        page = await (await session.get(self.url + "/login")).text()
        token = CSRF.search(page).group(1)
        response = await session.post(
            self.url + "/login",
            data={"login": "camille", "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
        )
        assert response.status == 303, await response.text()
        page = await (await session.get(self.url + "/listings/new")).text()
        return CSRF.search(page).group(1)


def start(tmp_path: Path, database_url: str, **settings: str) -> Served:
    data_dir = tmp_path / "served"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
    port = free_port()
    env.update(
        QUARTIER_DATA_DIR=str(data_dir),
        QUARTIER_DATABASE_URL=database_url,
        QUARTIER_PUBLIC_URL=f"http://127.0.0.1:{port}",
        QUARTIER_LOG_LEVEL="WARNING",
        QUARTIER_DEFAULT_LANGUAGE="en",
        QUARTIER_TILE_URL="",
        PYTHONPATH=str(ROOT),
        **{f"QUARTIER_{k.upper()}": v for k, v in settings.items()},
    )
    cli(env, "migrate")
    cli(env, "admin", "create-quarter", "--slug", "centre", "--name", "Centre")
    cli(
        env,
        "admin",
        "create-resident",
        "--username",
        "camille",
        "--email",
        "camille@example.test",
        "--password",
        PASSWORD,
        "--quarter",
        "centre",
        "--verified",
    )
    token = cli(env, "admin", "create-token", "--username", "camille").strip()
    process = subprocess.Popen(
        [sys.executable, "-m", "node", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        # a file, not a pipe: nobody reads a pipe while the server runs, and a full one would
        # block the server mid-request; the tests print it when an answer is not what they expect
        stderr=(data_dir / "serve.log").open("ab"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, (data_dir / "serve.log").read_text(errors="replace")
        try:
            with contextlib.closing(socket.create_connection(("127.0.0.1", port))):
                break
        except OSError:
            assert time.monotonic() < deadline, "the server did not start listening"
            time.sleep(0.1)  # another process is starting: nothing of ours to wait on
    return Served(url=url, process=process, token=token, data_dir=data_dir)


def stop(served: Served) -> str:
    served.process.terminate()
    try:
        served.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait()
    return served.log()


@dataclass
class Probes:
    """What the health endpoint answered while the load ran: (status or None, seconds) each."""

    answers: list[tuple[int | None, float]] = field(default_factory=list)
    peak_mb: float = 0.0

    @property
    def worst(self) -> float:
        return max(seconds for _, seconds in self.answers)

    @property
    def statuses(self) -> list[int | None]:
        return [status for status, _ in self.answers]

    def summary(self) -> str:
        ok = sum(1 for s in self.statuses if s == 200)
        return f"{ok}/{len(self.answers)} answered 200, slowest {self.worst:.2f} s"


def _probe(served: Served, path: str, stop: threading.Event, probes: Probes) -> None:
    host, port = served.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    while True:
        started = time.monotonic()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            status: int | None = response.status
        except (OSError, http.client.HTTPException):
            status = None
            conn.close()
        probes.answers.append((status, time.monotonic() - started))
        probes.peak_mb = max(probes.peak_mb, served.rss_mb())
        # one probe every 0.2 s, like an orchestrator would (a pace, not a wait for our work)
        if stop.wait(0.2):
            break
    conn.close()


async def probe_while(served: Served, load: asyncio.Future, path: str = "/healthz") -> Probes:
    """Ask `path` one request after another, on a connection of its own, until `load` is done.

    The probe runs on a thread of its own, so its figures are the server's, not the delay of this
    process's event loop busy with the load. Reads the server's RSS between probes."""
    probes = Probes()
    stop = threading.Event()
    load.add_done_callback(lambda _: stop.set())
    await asyncio.to_thread(_probe, served, path, stop, probes)
    return probes
