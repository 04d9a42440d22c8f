"""The data a real node writes (database, secret key, documents, media) is owner-only, any umask."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import aiohttp
import pytest
from helpers import PDF, png_bytes
from node_process import node_env, quartier, serving

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def modes(folder: Path) -> dict[str, str]:
    """Every path under folder (itself included) -> its permission bits, as octal text."""
    found = {".": oct(stat.S_IMODE(folder.stat().st_mode))}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


async def upload(http, page, path, field, data, filename, content_type):
    async with http.get(page) as response:
        token = re.search(r'name="csrf_token" value="([^"]+)"', await response.text()).group(1)
    form = aiohttp.FormData()
    form.add_field("csrf_token", token)
    form.add_field(field, data, filename=filename, content_type=content_type)
    async with http.post(path, data=form, allow_redirects=False) as response:
        assert response.status == 303, await response.text()


async def test_files_of_a_started_node_are_owner_only_whatever_the_umask(
    tmp_path, database_url, request
):
    data = tmp_path / "data"
    # An operator's folder made under a permissive umask: the node makes it private at start.
    data.mkdir(mode=0o777)
    os.chmod(data, 0o777)
    sqlite = request.config.getoption("--db") == "sqlite"
    url = f"sqlite:///{data / 'quartier.db'}" if sqlite else database_url("modes")
    env = node_env(data, url, str(ROOT))  # no QUARTIER_SECRET_KEY: the node makes its own
    resident = ("admin", "create-resident", "--username", "alice", "--email", "a@example.test")
    for args in (
        ("admin", "create-quarter", "--slug", "centre", "--name", "Centre", "--postcodes", "35400"),
        (*resident, "--password", "long enough", "--quarter", "centre"),
    ):  # fmt: skip
        made = quartier(env, tmp_path, *args, umask=0)
        assert made.returncode == 0, made.stderr

    with serving(env, tmp_path, umask=0) as (base, log):
        async with aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get("/login") as response:
                token = re.search(r'name="csrf_token" value="([^"]+)"', await response.text())
            form = {"login": "alice", "password": "long enough", "csrf_token": token.group(1)}
            async with http.post("/login", data=form, allow_redirects=False) as response:
                assert response.status == 303, await response.text()
            await upload(
                http,
                "/settings/verification",
                "/settings/verification",
                "document",
                PDF,
                "bill.pdf",
                "application/pdf",
            )
            photo = png_bytes((64, 64))
            await upload(
                http, "/settings", "/settings/avatar", "avatar", photo, "me.png", "image/png"
            )
            async with http.get("/settings") as response:
                avatar = re.search(r'src="(/media/[^"]+)"', await response.text()).group(1)
            async with http.get(avatar) as response:  # the server still reads its 0600 media
                assert response.status == 200
                assert (await response.read()).startswith(b"\x89PNG")

        found = modes(data)  # while the node runs: -wal and -shm exist
    expected = {
        ".": "0o700",
        "secret_key": "0o600",
        "documents": "0o700",
        "media": "0o700",
        "media/avatars": "0o700",
    }
    if sqlite:
        expected.update({"quartier.db": "0o600", "quartier.db-wal": "0o600"})
        expected["quartier.db-shm"] = "0o600"
    assert {name: found.get(name) for name in expected} == expected
    documents = [name for name in found if name.startswith("documents/")]
    avatars = [name for name in found if name.startswith("media/avatars/")]
    assert len(documents) == 1 and len(avatars) == 1, found
    open_to_others = {name: mode for name, mode in found.items() if int(mode, 8) & 0o077}
    assert open_to_others == {}


def test_a_data_dir_left_world_readable_by_an_older_version_is_tightened_at_start(
    tmp_path, database_url
):
    data = tmp_path / "old"
    (data / "documents").mkdir(parents=True)
    os.chmod(data, 0o755)
    os.chmod(data / "documents", 0o755)
    (data / "secret_key").write_text("an old secret that is long enough to sign cookies")
    (data / "documents" / "proof.bin").write_bytes(b"QV1\x00" + b"x" * 40)
    for path in (data / "secret_key", data / "documents" / "proof.bin"):
        os.chmod(path, 0o644)
    env = node_env(data, database_url("old"), str(ROOT))
    migrated = quartier(env, tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    with serving(env, tmp_path, umask=0o022):
        pass
    found = modes(data)
    assert found["."] == "0o700" and found["documents"] == "0o700"
    assert found["secret_key"] == "0o600" and found["documents/proof.bin"] == "0o600"
