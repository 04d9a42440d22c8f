"""Migration 0083: the database itself refuses an object lent twice for the same day (PostgreSQL:
an exclusion constraint, with btree_gist or without it; SQLite: triggers)."""

import datetime as dt
import importlib

import pytest

from node import migrations
from node.db import Database


@pytest.fixture
def any_database(database_url):
    db = Database(database_url("migrations"))
    db.bind_here()
    yield db
    db.close()


@pytest.fixture
def database(database_url):
    db = Database(database_url("migrations"))
    db.bind_here()
    yield db
    db.close()


def _definition(db) -> str:
    row = db.peewee.execute_sql(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'loan_lent_once' "
        "AND conrelid = 'loan'::regclass"
    ).fetchone()
    return row[0] if row else ""


@pytest.mark.postgres  # the exclusion constraint is PostgreSQL's; SQLite's triggers: below
def test_constraint_uses_btree_gist_when_it_can(database):
    migrations.apply(database.peewee)
    definition = _definition(database)
    assert "listing_id WITH =" in definition and "daterange" in definition


@pytest.mark.postgres
def test_constraint_without_the_extension_compares_ranges(database, monkeypatch, caplog):
    module = importlib.import_module("node.migrations.0083_concurrent_writes")
    monkeypatch.setattr(module, "_btree_gist", lambda db: False)  # a role that may not create it
    migrations.apply(database.peewee)
    definition = _definition(database)
    assert "int4range(listing_id, listing_id" in definition and "WITH &&" in definition
    _refuses_two_on_one_day(database)


def _refuses_two_on_one_day(db) -> None:
    day = dt.date(2026, 1, 1)
    # two accepted loans of listing 1 on the same day in one statement: refused before any
    # foreign key is looked at (the exclusion is checked per row, foreign keys at the end)
    with pytest.raises(Exception, match="loan_lent_once"):
        with db.peewee.atomic():
            p = db.peewee.param
            db.peewee.execute_sql(
                'INSERT INTO loan (listing_id, lender_id, borrower_id, "start", "until", message, '
                "state, created_at, updated_at, reminded_before, reminded_overdue, "
                "lender_thanked, borrower_thanked, origin) "
                f"SELECT 1, 1, 1, {p}, {p}, '', 'accepted', {p}, {p}, 0 = 1, 0 = 1, 0 = 1, 0 = 1, "
                "'' FROM (SELECT 1 AS n UNION ALL SELECT 2) AS v",
                (day, day, "2026-01-01 10:00:00", "2026-01-01 10:00:00"),
            )


def test_the_database_refuses_an_object_lent_twice(any_database):
    migrations.apply(any_database.peewee)
    _refuses_two_on_one_day(any_database)
