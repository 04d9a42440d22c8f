"""Schema migrations: numbered modules NNNN_name.py, each with up(db) and its own frozen models.

Applied names are kept in the `schema_migrations` table; each migration runs in one transaction.
Migrations never import live models, so an old database always upgrades the same way.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from importlib import resources

import peewee as pw

MIGRATION_LOCK = 0x51554152  # "QUAR": the advisory lock key of the migration runner
NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.py$")


def available() -> list[str]:
    names = [
        f.name[:-3] for f in resources.files("node.migrations").iterdir() if NAME.match(f.name)
    ]
    return sorted(names)


def _ensure_table(db: pw.Database) -> None:
    db.execute_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR(200) PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)"
    )


def applied(db: pw.Database) -> list[str]:
    _ensure_table(db)
    return sorted(row[0] for row in db.execute_sql("SELECT name FROM schema_migrations").fetchall())


def pending(db: pw.Database) -> list[str]:
    done = set(applied(db))
    return [name for name in available() if name not in done]


def apply(db: pw.Database, upto: str | None = None) -> list[str]:
    """Apply pending migrations in order (up to and including `upto`); return their names."""
    ran = []
    is_postgres = isinstance(db, pw.PostgresqlDatabase)
    for name in pending(db):
        if upto is not None and name > upto:
            break
        module = importlib.import_module(f"node.migrations.{name}")
        with db.atomic():
            # Several processes may start at once (compose: N serve + M workers): one applies each
            # migration, the others wait for it and then find it done. SQLite's IMMEDIATE
            # transaction already serialises them; PostgreSQL takes a transaction advisory lock.
            if is_postgres:
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            if name in applied(db):
                continue
            module.up(db)
            db.execute_sql(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (%s, %s)"
                if isinstance(db, pw.PostgresqlDatabase)
                else "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                (name, dt.datetime.now(dt.UTC).isoformat()),
            )
        ran.append(name)
    return ran


def create(db: pw.Database, models: list[type[pw.Model]]) -> None:
    """Create frozen model tables (and their indexes) on db."""
    with db.bind_ctx(models, bind_refs=False, bind_backrefs=False):
        db.create_tables(models, safe=False)
