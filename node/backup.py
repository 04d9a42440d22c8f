"""`quartier admin backup` / `restore` for a node on SQLite: one archive with the database and files.

The database is copied with SQLite's online backup API (sqlite3.Connection.backup): a consistent
snapshot, taken while the node keeps serving. Everything else in the data dir comes with it (photos
and avatars under media/, address proofs under documents/, the generated secret_key that keeps
sessions and stored keys valid), so the archive holds secrets: it is written owner-only (0600).

Restore refuses to replace an existing database unless --force, and even then refuses while another
process holds the database (a running node): stop the node first. It checks the archive's database
(PRAGMA integrity_check) before anything is replaced, then swaps the file in with one rename.

PostgreSQL: the database is not in the data dir; back it up with pg_dump (README, "Running a
larger node") and copy the data dir's files beside it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from node import files
from node.settings import Settings, SettingsError

DB_NAME = "quartier.db"
MANIFEST = "quartier-backup.json"
SKIPPED_SUFFIXES = ("-wal", "-shm", "-journal")
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class Summary:
    archive: Path
    files: int
    database_bytes: int
    migrations: list[str]


def sqlite_path(settings: Settings) -> Path:
    url = settings.effective_database_url
    if url.startswith(("postgres://", "postgresql://")):
        raise SettingsError(
            "this node runs on PostgreSQL: back the database up with pg_dump "
            "(pg_dump -Fc -f quartier.dump DBNAME) and copy the data dir "
            f"({settings.data_dir}) beside it; see README, 'Running a larger node'"
        )
    return Path(url.split("sqlite:///", 1)[1] if "sqlite:///" in url else url.split(":", 1)[1])


def _data_files(data_dir: Path, database: Path) -> list[Path]:
    """Files of the data dir to keep: everything but the live database and scratch files."""
    found = []
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        if path.name.startswith("quartier-metrics-") or "prometheus" in path.parts:
            continue
        if path == database or any(path.name == database.name + s for s in SKIPPED_SUFFIXES):
            continue
        found.append(path)
    return found


def _applied(conn: sqlite3.Connection) -> list[str]:
    try:
        return [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name")]
    except sqlite3.DatabaseError:
        return []


def backup(settings: Settings, archive: Path) -> Summary:
    """Write a .tar.gz of the database snapshot and the data dir's files to `archive`."""
    database = sqlite_path(settings)
    data_dir = Path(settings.data_dir)
    if not database.exists():
        raise BackupError(f"no database at {database}: nothing to back up")
    archive = archive.resolve()
    if archive.exists():
        raise BackupError(f"{archive} exists already: choose a new name")
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="quartier-backup-") as scratch:
        snapshot = Path(scratch) / DB_NAME
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
        target = sqlite3.connect(snapshot)
        try:
            source.backup(target)  # consistent, page by page, while writers go on
            migrations = _applied(target)
        finally:
            target.close()
            source.close()
        kept = _data_files(data_dir, database) if data_dir.is_dir() else []
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "public_url": settings.public_url,
            "migrations": migrations,
            "files": [str(p.relative_to(data_dir)) for p in kept],
        }
        partial = archive.with_name(archive.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            body = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(body), 0o600
            tar.addfile(info, io.BytesIO(body))
            tar.add(snapshot, arcname=DB_NAME)
            for path in kept:
                tar.add(path, arcname=f"data/{path.relative_to(data_dir)}")
        os.replace(partial, archive)
        return Summary(archive, len(kept), snapshot.stat().st_size, migrations)


def _in_use(database: Path) -> bool:
    """Whether another process holds the database (a running node keeps it open)."""
    try:
        conn = sqlite3.connect(database, timeout=0.5, isolation_level=None)
    except sqlite3.Error:
        return True
    try:
        # a node's open connection keeps the -shm of WAL mode mapped; an EXCLUSIVE transaction in
        # rollback-journal mode fails at once while anyone else reads or writes
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        return mode.lower() != "wal"
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def restore(settings: Settings, archive: Path, force: bool = False) -> Summary:
    database = sqlite_path(settings)
    data_dir = Path(settings.data_dir)
    if not archive.is_file():
        raise BackupError(f"no archive at {archive}")
    if database.exists() and database.stat().st_size > 0:
        if not force:
            raise BackupError(
                f"a database exists at {database}: restoring would replace it. Stop the node, "
                "keep a backup of it, then run restore again with --force"
            )
        if _in_use(database):
            raise BackupError(
                f"the database at {database} is in use by a running process: stop the node first"
            )
    files.private_dir(data_dir)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=data_dir) as scratch:
        root = Path(scratch)
        try:
            with tarfile.open(archive, mode="r:gz") as tar:
                tar.extractall(root, filter="data")  # no absolute paths, links out or devices
            manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        except (tarfile.TarError, OSError, ValueError) as exc:
            raise BackupError(f"{archive} is not a Quartier backup: {exc}") from exc
        if manifest.get("format") != FORMAT or not (root / DB_NAME).is_file():
            raise BackupError(f"{archive} is not a Quartier backup of a known format")
        check = sqlite3.connect(root / DB_NAME)
        try:
            verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
            migrations = _applied(check)
        finally:
            check.close()
        if verdict != "ok":
            raise BackupError(f"the database in {archive} is damaged: {verdict}")
        restored = 0
        extracted = root / "data"
        if extracted.is_dir():
            for path in sorted(extracted.rglob("*")):
                if path.is_file():
                    target = data_dir / path.relative_to(extracted)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)
                    files.make_private(target)
                    restored += 1
        database.parent.mkdir(parents=True, exist_ok=True)
        for suffix in SKIPPED_SUFFIXES:
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        staged = database.with_name(database.name + ".restoring")
        shutil.copyfile(root / DB_NAME, staged)
        files.make_private(staged)
        os.replace(staged, database)
        files.tighten(data_dir)
        return Summary(archive, restored, database.stat().st_size, migrations)
