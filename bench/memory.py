"""Idle memory of `quartier serve`: resident set size (RSS) once it answers /healthz, and after a
few pages have been served (which load what the first visitors need).

Runs the real command in a child process on a fresh SQLite file (and/or a fresh PostgreSQL
schema) on a free loopback port; prints RSS in MB (VmRSS of /proc) and the modules loaded.

    python bench/memory.py                  # SQLite and PostgreSQL
    python bench/memory.py --db sqlite --modules   # and the largest imported packages

A few seconds per database.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def measure(kind: str, show_modules: bool) -> None:
    from sharing import database_url, drop_schema

    tmp = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    url, schema = database_url(kind, tmp)
    port = free_port()
    env = {
        **os.environ,
        "QUARTIER_DATA_DIR": str(tmp),
        "QUARTIER_DATABASE_URL": url,
        "QUARTIER_SECRET_KEY": "bench-memory",
        "QUARTIER_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "QUARTIER_TILE_URL": "",
    }
    migrate = [sys.executable, "-m", "node", "migrate"]
    subprocess.run(migrate, env=env, cwd=ROOT, check=True, capture_output=True)
    serve = [sys.executable, "-m", "node", "serve", "--port", str(port)]
    if show_modules:
        serve = [sys.executable, "-X", "importtime", "-m", "node", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        serve, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(base + "/healthz") == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit(f"serve did not start: {proc.stderr.read()[-2000:]}")
            time.sleep(0.1)
        time.sleep(1.0)  # let start-up work (migrations check, workers' first pass) settle
        idle = rss_mb(proc.pid)
        for path in ("/", "/login", "/map", "/listings", "/events", "/api/v1/feed"):
            get(base + path)
        after = rss_mb(proc.pid)
        print(f"{kind:9} idle after start: {idle:5.1f} MB RSS; after six pages: {after:5.1f} MB")
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        if schema:
            drop_schema(schema)
    if show_modules:
        top: dict[str, int] = {}
        for line in err.splitlines():
            if line.startswith("import time:") and "|" in line:
                self_us, _cumulative, name = line[len("import time:") :].split("|")
                if not self_us.strip().isdigit():
                    continue  # the header line
                package = name.strip().split(".")[0]
                top[package] = top.get(package, 0) + int(self_us)
        print("  slowest packages to import (self time, ms):")
        for name, us in sorted(top.items(), key=lambda kv: -kv[1])[:15]:
            print(f"    {name:28} {us / 1000:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--modules", action="store_true", help="list the heaviest imports")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"memory bench, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        measure(kind, args.modules)


if __name__ == "__main__":
    main()
