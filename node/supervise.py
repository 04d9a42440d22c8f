"""`quartier serve --processes N`: N serve processes on one port, supervised by this one.

Each child is an ordinary `quartier serve --reuse-port`: it binds the same host and port with
SO_REUSEPORT, so the kernel spreads new connections over the children, and each runs its own
worker loop (unless --no-workers). The parent applies pending migrations once before starting
them, restarts a child that dies (with a growing pause if it keeps dying), and on SIGTERM or SIGINT
passes SIGTERM on, waits for every child to finish its requests and give its queue claims back,
and exits. Work in flight is safe in any case: queues live in rows with leases (node/queue.py).

Only on PostgreSQL: SQLite lets one process write at a time, so more processes on one SQLite file
add lock waits, not throughput (one `serve`, and at most a `quartier worker` beside it, is the
SQLite layout).

The counters of all the children are added up by /metrics through prometheus-client's
multiprocess mode: the parent gives them one PROMETHEUS_MULTIPROC_DIR, emptied at start.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from node.settings import Settings, SettingsError

log = logging.getLogger("quartier.supervise")

STOP_SECONDS = 30  # a child gets this long to finish after SIGTERM, then it is killed
STEADY_SECONDS = 60  # a child that ran this long before dying is restarted at once


def check(settings: Settings, processes: int) -> None:
    """Refuse a layout that cannot work (raises SettingsError with the reason)."""
    if processes < 1:
        raise SettingsError("--processes must be at least 1")
    url = settings.effective_database_url
    if processes > 1 and not url.startswith(("postgres://", "postgresql://")):
        raise SettingsError(
            "--processes above 1 needs PostgreSQL (QUARTIER_DATABASE_URL=postgresql://…): SQLite "
            "lets one process write at a time, so more processes add lock waits, not speed. "
            "On SQLite run one `quartier serve` (and, if you like, one `quartier worker`)."
        )


class Supervisor:
    def __init__(self, argv: list[str], processes: int, env: dict[str, str]) -> None:
        self.argv = argv
        self.processes = processes
        self.env = env
        self.children: dict[int, subprocess.Popen] = {}  # slot → process
        self.started: dict[int, float] = {}
        self.pause: dict[int, float] = {}
        self.stopping = False

    def start(self, slot: int) -> None:
        proc = subprocess.Popen(self.argv, env=self.env)
        self.children[slot] = proc
        self.started[slot] = time.monotonic()
        log.info("serve process %d started (pid %d)", slot, proc.pid)

    def stop(self, *_: object) -> None:
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for slot in range(self.processes):
            self.start(slot)
        restart_at: dict[int, float] = {}
        while not self.stopping:
            time.sleep(0.2)
            now = time.monotonic()
            for slot, proc in list(self.children.items()):
                if slot in restart_at or proc.poll() is None:
                    continue
                ran = now - self.started[slot]
                pause = 0.0 if ran > STEADY_SECONDS else min(2 * self.pause.get(slot, 0.5), 30.0)
                self.pause[slot] = pause
                log.warning(
                    "serve process %d (pid %d) exited with %s after %.0f s; restarting in %.0f s",
                    slot, proc.pid, proc.returncode, ran, pause,
                )  # fmt: skip
                restart_at[slot] = now + pause
            for slot, when in list(restart_at.items()):
                if now >= when and not self.stopping:
                    del restart_at[slot]
                    self.start(slot)
        return self.shutdown()

    def shutdown(self) -> int:
        live = [p for p in self.children.values() if p.poll() is None]
        log.info("stopping %d serve process(es)", len(live))
        for proc in live:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for proc in live:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("serve process pid %d did not stop in time: killed", proc.pid)
                proc.kill()
                proc.wait()
        return 0


def child_argv(config: str | None, host: str, port: int, no_workers: bool) -> list[str]:
    argv = [sys.executable, "-m", "node"]
    if config:
        argv += ["--config", config]
    argv += ["serve", "--host", host, "--port", str(port), "--reuse-port"]
    if no_workers:
        argv.append("--no-workers")
    return argv


def serve_many(
    settings: Settings, config: str | None, host: str, port: int, processes: int, no_workers: bool
) -> int:
    from node import ops

    check(settings, processes)
    ran = ops.migrate(settings)  # once, before the children start (they would race for it)
    if ran:
        log.info("applied migrations: %s", ", ".join(ran))
    env = dict(os.environ)
    own_dir = None
    if not env.get("PROMETHEUS_MULTIPROC_DIR"):
        own_dir = tempfile.mkdtemp(prefix="quartier-metrics-")
        env["PROMETHEUS_MULTIPROC_DIR"] = own_dir
    else:
        folder = Path(env["PROMETHEUS_MULTIPROC_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
    log.info("Quartier: %d serve processes on http://%s:%s", processes, host, port)
    try:
        return Supervisor(child_argv(config, host, port, no_workers), processes, env).run()
    finally:
        if own_dir:
            shutil.rmtree(own_dir, ignore_errors=True)
