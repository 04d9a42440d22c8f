"""The `quartier` command line, run as a real subprocess (python -m node)."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from helpers import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli_env(tmp_path, database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUARTIER_")}
    env.update(
        QUARTIER_DATA_DIR=str(tmp_path / "cli"),
        QUARTIER_DATABASE_URL=database_url("cli"),
        QUARTIER_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def quartier(env, *args, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "node", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_migrate_and_admin_commands(cli_env, tmp_path):
    first = quartier(cli_env, "migrate")
    assert first.returncode == 0, first.stderr
    assert "0001_initial" in first.stdout
    assert "up to date" in quartier(cli_env, "migrate").stdout

    boundary = tmp_path / "q.geojson"
    boundary.write_text(
        json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]})
    )
    made = quartier(
        cli_env,
        "admin",
        "create-quarter",
        "--slug",
        "saint_servan",
        "--name",
        "Saint-Servan",
        "--postcodes",
        "35400,35800",
        "--boundary",
        str(boundary),
        "--rural",
    )
    assert made.returncode == 0, made.stderr
    assert "saint_servan" in made.stdout
    person = quartier(
        cli_env,
        "admin",
        "create-resident",
        "--username",
        "camille",
        "--email",
        "c@example.test",
        "--password",
        "long enough",
        "--quarter",
        "saint_servan",
        "--verified",
        "--role",
        "admin",
    )
    assert person.returncode == 0, person.stderr
    assert "role admin" in person.stdout
    token = quartier(cli_env, "admin", "create-token", "--username", "camille")
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().startswith("qt_")
    duplicate = quartier(
        cli_env, "admin", "create-quarter", "--slug", "saint_servan", "--name", "Again"
    )
    assert duplicate.returncode != 0
    assert "already taken" in duplicate.stderr
    unknown = quartier(cli_env, "admin", "create-token", "--username", "nobody")
    assert unknown.returncode != 0


def test_invalid_setting_exits_non_zero_naming_the_variable(cli_env):
    cli_env["QUARTIER_SMTP_PORT"] = "many"
    result = quartier(cli_env, "migrate")
    assert result.returncode != 0
    assert "QUARTIER_SMTP_PORT" in result.stderr


def test_serve_starts_and_answers_healthz(cli_env):
    port = free_port()
    cli_env["QUARTIER_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "node", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    status = r.status
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)  # waiting for another process to listen, not for our own work
        assert status == 200, process.stdout.read().decode() if process.poll() is not None else ""
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_log_level_from_the_toml_file_is_obeyed(cli_env, tmp_path):
    env = {k: v for k, v in cli_env.items() if k != "QUARTIER_LOG_LEVEL"}
    config = tmp_path / "quartier.toml"
    config.write_text('log_level = "debug"\n', encoding="utf-8")
    loud = quartier(env, "--config", str(config), "migrate")
    assert loud.returncode == 0, loud.stderr
    assert " DEBUG " in loud.stderr
    config.write_text('log_level = "ERROR"\n', encoding="utf-8")
    quiet = quartier(env, "--config", str(config), "migrate")
    assert quiet.returncode == 0 and " DEBUG " not in quiet.stderr
    config.write_text('log_level = "chatty"\n', encoding="utf-8")
    bad = quartier(env, "--config", str(config), "migrate")
    assert bad.returncode == 2 and "QUARTIER_LOG_LEVEL" in bad.stderr
