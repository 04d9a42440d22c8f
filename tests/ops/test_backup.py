"""`quartier admin backup` and `restore` (SQLite): real archives, real files, real processes."""

from __future__ import annotations

import sqlite3
import stat
import tarfile
from pathlib import Path

import pytest
from helpers import make_quarter, make_resident
from node_process import node_env, quartier

from node import migrations
from node.local.models import Resident
from node.runtime import make_node

ROOT = Path(__file__).resolve().parents[2]


async def seeded(make_settings, name: str):
    """A SQLite node (whatever database the run is for: backup is the SQLite path) with alice,
    a photo and a proof document on disk."""
    data_dir = Path(make_settings(name).data_dir)
    settings = make_settings(name, database_url=f"sqlite:///{data_dir / 'quartier.db'}")
    node = make_node(settings)
    await node.db.run(migrations.apply, node.db.peewee)
    await make_quarter(node)
    await make_resident(node, "alice")
    photo = data_dir / "media" / "listings" / "drill.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 40)
    proof = data_dir / "documents" / "proof-1.pdf"
    proof.parent.mkdir(parents=True)
    proof.write_bytes(b"%PDF-1.4 proof of address")
    return settings, node


def usernames(node) -> list[str]:
    return sorted(r.username for r in Resident.select())


def env_for(settings) -> dict[str, str]:
    return node_env(
        Path(settings.data_dir), settings.database_url, str(ROOT),
        QUARTIER_SECRET_KEY=settings.secret_key,
    )  # fmt: skip


async def test_backup_then_restore_round_trips_the_database_and_files(make_settings, tmp_path):
    settings, node = await seeded(make_settings, "live")
    env = env_for(settings)
    data_dir = Path(settings.data_dir)
    archive = tmp_path / "backups" / "quartier-1.tar.gz"
    try:
        # Given a node whose database is open (the node keeps running during the backup)
        assert await node.db.run(usernames, node) == ["alice"]
        # When it is backed up
        done = quartier(env, ROOT, "admin", "backup", str(archive))
        assert done.returncode == 0, done.stderr
        assert "2 file(s)" in done.stdout
        # Then the archive is owner-only and holds the database and the files
        assert stat.S_IMODE(archive.stat().st_mode) == 0o600
        with tarfile.open(archive) as tar:
            names = set(tar.getnames())
        assert {"quartier.db", "quartier-backup.json", "data/media/listings/drill.jpg"} <= names
        assert "data/documents/proof-1.pdf" in names
        assert not [n for n in names if n.endswith(("-wal", "-shm"))]
        # …and a second backup to the same name is refused
        again = quartier(env, ROOT, "admin", "backup", str(archive))
        assert again.returncode == 1 and "exists already" in again.stderr

        # When bob signs up and the photo is lost after the backup
        await make_resident(node, "bob")
        (data_dir / "media" / "listings" / "drill.jpg").unlink()
        # Then restore refuses to replace the database without --force
        refused = quartier(env, ROOT, "admin", "restore", str(archive))
        assert refused.returncode == 1 and "--force" in refused.stderr
        # …and refuses while a process holds the database, even with --force
        holder = sqlite3.connect(data_dir / "quartier.db")
        holder.execute("BEGIN")
        holder.execute("SELECT count(*) FROM resident").fetchone()
        busy = quartier(env, ROOT, "admin", "restore", "--force", str(archive))
        holder.close()
        assert busy.returncode == 1 and "in use" in busy.stderr, busy.stderr
    finally:
        node.db.close()
    # When the node is stopped and restore runs with --force
    done = quartier(env, ROOT, "admin", "restore", "--force", str(archive))
    assert done.returncode == 0, done.stderr
    # Then the data is as it was at the backup: alice without bob, the photo back, owner-only
    restored = make_node(settings)
    try:
        assert await restored.db.run(usernames, restored) == ["alice"]
    finally:
        restored.db.close()
    photo = data_dir / "media" / "listings" / "drill.jpg"
    assert photo.read_bytes() == b"\xff\xd8\xff" + bytes(range(256)) * 40
    assert stat.S_IMODE(photo.stat().st_mode) == 0o600
    assert stat.S_IMODE((data_dir / "quartier.db").stat().st_mode) == 0o600


async def test_restore_on_a_new_machine_and_the_node_serves_it(make_settings, tmp_path):
    settings, node = await seeded(make_settings, "old")
    node.db.close()
    archive = tmp_path / "move.tar.gz"
    assert quartier(env_for(settings), ROOT, "admin", "backup", str(archive)).returncode == 0
    # Given an empty data dir elsewhere (a new server)
    fresh_dir = tmp_path / "new-server"
    fresh = make_settings("new", data_dir=str(fresh_dir), database_url="")
    env = env_for(fresh)
    env.pop("QUARTIER_DATABASE_URL")
    # When the archive is restored there (no database yet: no --force needed)
    done = quartier(env, ROOT, "admin", "restore", str(archive))
    assert done.returncode == 0, done.stderr
    # Then the node's own commands read the restored data
    stats = quartier(env, ROOT, "admin", "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    assert '"residents": 1' in stats.stdout
    assert (fresh_dir / "documents" / "proof-1.pdf").read_bytes() == b"%PDF-1.4 proof of address"


async def test_a_damaged_or_foreign_archive_is_refused(make_settings, tmp_path):
    settings, node = await seeded(make_settings, "n")
    node.db.close()
    env = env_for(settings)
    fake = tmp_path / "fake.tar.gz"
    with tarfile.open(fake, "w:gz") as tar:
        note = tmp_path / "note.txt"
        note.write_text("not a backup")
        tar.add(note, arcname="note.txt")
    done = quartier(env, ROOT, "admin", "restore", "--force", str(fake))
    assert done.returncode == 1 and "not a Quartier backup" in done.stderr
    # the database was left alone
    conn = sqlite3.connect(Path(settings.data_dir) / "quartier.db")
    assert conn.execute("SELECT count(*) FROM resident").fetchone() == (1,)
    conn.close()


@pytest.mark.postgres
def test_backup_on_postgresql_points_to_pg_dump(make_settings, tmp_path):
    settings = make_settings("pg")
    done = quartier(env_for(settings), ROOT, "admin", "backup", str(tmp_path / "x.tar.gz"))
    assert done.returncode == 2
    assert "pg_dump" in done.stderr
