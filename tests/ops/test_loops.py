"""serve and worker run on uvloop when it is installed (node/loops.py), on asyncio's loop when told."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from node_process import node_env, serving

from node.loops import loop_name, new_loop

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("choice", "expected"), [("", "uvloop"), ("asyncio", "asyncio")])
def test_serve_runs_on_the_chosen_loop_and_answers(tmp_path, database_url, choice, expected):
    extra = {"QUARTIER_EVENT_LOOP": choice} if choice else {}
    env = node_env(tmp_path / "data", database_url("loops"), str(ROOT), **extra)
    with serving(env, ROOT) as (base, lines):
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as answer:
            assert answer.status == 200
        started = next(line for line in lines if "Quartier listening on" in line)
        assert f"({expected})" in started


def test_worker_runs_on_uvloop(tmp_path, database_url):
    """(Its SIGTERM stop, on that loop, is tests/ops/test_worker_stop.py's.)"""
    env = node_env(tmp_path / "data", database_url("loops"), str(ROOT))
    spy = (
        "import runpy, sys\n"
        "import node.loops as loops\n"
        "made = loops.new_loop\n"
        "def new_loop(choice='auto'):\n"
        "    loop = made(choice)\n"
        "    print('LOOP', loops.loop_name(loop), flush=True)\n"
        "    return loop\n"
        "loops.new_loop = new_loop\n"
        "sys.argv = ['node', 'worker']\n"
        "runpy.run_module('node', run_name='__main__')\n"
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", spy], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert worker.stdout.readline().strip() == "LOOP uvloop"
    finally:
        worker.kill()
        worker.wait()


def test_unknown_or_missing_loop_is_refused(monkeypatch):
    assert loop_name(loop := new_loop("asyncio")) == "asyncio"
    loop.close()
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as if not installed
    auto = new_loop("auto")
    assert isinstance(auto, asyncio.AbstractEventLoop) and loop_name(auto) == "asyncio"
    auto.close()
    with pytest.raises(SystemExit, match="uvloop is not installed"):
        new_loop("uvloop")
