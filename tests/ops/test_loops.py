"""serve and worker run on asyncio's loop, or on uvloop when the settings say so (node/loops.py)."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from node_process import node_env, serving

from node.loops import loop_name, new_loop

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("choice", "expected"), [("", "asyncio"), ("uvloop", "uvloop")])
def test_serve_runs_on_the_chosen_loop_and_answers(tmp_path, database_url, choice, expected):
    extra = {"QUARTIER_EVENT_LOOP": choice} if choice else {}
    env = node_env(tmp_path / "data", database_url("loops"), str(ROOT), **extra)
    with serving(env, ROOT) as (base, lines):
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as answer:
            assert answer.status == 200
        started = next(line for line in lines if "Quartier listening on" in line)
        assert f"({expected})" in started


def test_worker_runs_on_uvloop_when_told(tmp_path, database_url):
    """(Its SIGTERM stop is tests/ops/test_worker_stop.py's, on the default loop.)"""
    env = node_env(
        tmp_path / "data", database_url("loops"), str(ROOT), QUARTIER_EVENT_LOOP="uvloop"
    )
    spy = (
        "import runpy, sys\n"
        "import node.loops as loops\n"
        "made = loops.new_loop\n"
        "def new_loop(choice='asyncio'):\n"
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


def test_a_missing_uvloop_is_refused_with_a_message(monkeypatch):
    loop = new_loop()
    assert loop_name(loop) == "asyncio"
    loop.close()
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as if not installed
    with pytest.raises(SystemExit, match="uvloop is not installed"):
        new_loop("uvloop")


def test_an_unknown_loop_setting_is_refused(tmp_path, database_url):
    env = node_env(tmp_path / "data", database_url("loops"), str(ROOT), QUARTIER_EVENT_LOOP="trio")
    done = subprocess.run(
        [sys.executable, "-m", "node", "serve", "--port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "QUARTIER_EVENT_LOOP" in done.stderr + done.stdout
