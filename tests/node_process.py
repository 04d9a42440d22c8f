"""A real `python -m node` process on a loopback port: the way an operator runs the node."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from helpers import free_port


def node_env(data_dir: Path, database_url: str, pythonpath: str, **extra: str) -> dict[str, str]:
    """The environment of a node process: no QUARTIER_* from the caller, no map tiles."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUARTIER_", "PYTHON"))}
    env.update(
        QUARTIER_DATA_DIR=str(data_dir),
        QUARTIER_DATABASE_URL=database_url,
        QUARTIER_TILE_URL="",
        QUARTIER_DEFAULT_LANGUAGE="en",
        QUARTIER_LOG_LEVEL="INFO",
        PYTHONPATH=pythonpath,
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def quartier(env, cwd, *args, timeout=90, umask=None) -> subprocess.CompletedProcess:
    """Run one `python -m node …` command and return its result (text)."""
    return subprocess.run(
        [sys.executable, "-m", "node", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        umask=-1 if umask is None else umask,
    )


@contextmanager
def serving(env, cwd, umask=None, timeout=60):
    """Start `python -m node serve` on a free port; yield its base URL once it listens."""
    port = free_port()
    env = {**env, "QUARTIER_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "node", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        umask=-1 if umask is None else umask,
    )
    lines: list[str] = []
    listening = threading.Event()

    def read() -> None:
        # the node logs "Quartier listening on …" once its socket is bound: an event, not a sleep
        for line in process.stdout:
            lines.append(line)
            if "Quartier listening on" in line:
                listening.set()
        listening.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        listening.wait(timeout)
        assert process.poll() is None and any("listening" in line for line in lines), "".join(lines)
        yield f"http://127.0.0.1:{port}", lines
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
