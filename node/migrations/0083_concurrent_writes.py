"""Concurrent writes: edit versions, one thanks per party, an object lent once per day, and what a
queued delivery is about (so an Update never follows the Delete of its object).

Overlapping loans: on PostgreSQL an exclusion constraint over (listing, date range) for accepted
and handed-over loans. With the btree_gist extension it reads `listing_id WITH =`; a role that may
not create extensions (PostgreSQL 15 no longer lets every role create in `public`) gets the same
guarantee without it, by comparing the listing as a one-value integer range (range types have GiST
support built in). Which form was chosen is logged. On SQLite two triggers refuse the same rows.
Rows that already overlap (the bug this fixes could make them) are logged and left as they are:
the constraint is then not created, and the per-listing lock in loans.accept still serialises.
"""

import logging

import peewee as pw

log = logging.getLogger("quartier.migrations")

ACTIVE = "('accepted', 'handed_over')"
OVERLAPS = (
    "SELECT a.id, b.id FROM loan a JOIN loan b ON a.listing_id = b.listing_id AND a.id < b.id "
    f"WHERE a.state IN {ACTIVE} AND b.state IN {ACTIVE} "
    'AND a."start" <= b."until" AND b."start" <= a."until"'
)
SQLITE_CHECK = f"""
SELECT RAISE(ABORT, 'loan_lent_once') WHERE EXISTS (
    SELECT 1 FROM loan AS other
    WHERE other.listing_id = NEW.listing_id AND other.id != NEW.id AND other.state IN {ACTIVE}
      AND other."start" <= NEW."until" AND other."until" >= NEW."start");
"""
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER loan_lent_once_insert BEFORE INSERT ON loan
    WHEN NEW.state IN {ACTIVE}
    BEGIN {SQLITE_CHECK} END""",
    # only a loan that starts holding the object, or changes its dates, is checked: a pair that
    # overlapped before this migration can still be handed over and returned
    f"""CREATE TRIGGER loan_lent_once_update BEFORE UPDATE OF state, "start", "until" ON loan
    WHEN NEW.state IN {ACTIVE} AND (OLD.state NOT IN {ACTIVE}
        OR NEW."start" != OLD."start" OR NEW."until" != OLD."until")
    BEGIN {SQLITE_CHECK} END""",
]


def _btree_gist(db: pw.Database) -> bool:
    try:
        with db.atomic():  # a savepoint: a refusal leaves the migration's transaction usable
            # in `public`, not the first schema of the search path, so that a node (or a test)
            # living in its own schema never owns the database-wide extension
            db.execute_sql("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public")
        return True
    except pw.DatabaseError as exc:
        log.warning("btree_gist not available (%s); using the int4range form", exc)
        return False


def _lent_once_postgres(db: pw.Database) -> None:
    overlapping = db.execute_sql(OVERLAPS).fetchall()
    if overlapping:
        log.warning(
            "loans already overlapping (pairs of ids %s): resolve them; the exclusion "
            "constraint loan_lent_once is not created",
            overlapping[:20],
        )
        return
    listing = (
        "listing_id WITH ="
        if _btree_gist(db)
        else "int4range(listing_id, listing_id, '[]') WITH &&"
    )
    db.execute_sql(
        f"ALTER TABLE loan ADD CONSTRAINT loan_lent_once EXCLUDE USING gist ({listing}, "
        f'daterange("start", "until", \'[]\') WITH &&) WHERE (state IN {ACTIVE})'
    )
    log.info("loan_lent_once: exclusion constraint over (%s, dates)", listing.split()[0])


def up(db: pw.Database) -> None:
    postgres = isinstance(db, pw.PostgresqlDatabase)
    # plain ALTERs: SQLite's migrator would rebuild the tables and drop their FTS triggers
    db.execute_sql("ALTER TABLE listing ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
    db.execute_sql("ALTER TABLE event ADD COLUMN version INTEGER NOT NULL DEFAULT 1")
    db.execute_sql("ALTER TABLE delivery ADD COLUMN verb VARCHAR(20) NOT NULL DEFAULT ''")
    db.execute_sql("ALTER TABLE delivery ADD COLUMN object_ref VARCHAR(500) NOT NULL DEFAULT ''")
    db.execute_sql("CREATE INDEX delivery_object_ref ON delivery (object_ref)")

    # thanks: once per party; extra steps from before are history that never happened
    db.execute_sql(
        "DELETE FROM loan_step WHERE step = 'thanked' AND actor_id IS NOT NULL AND id NOT IN "
        "(SELECT MIN(id) FROM loan_step WHERE step = 'thanked' AND actor_id IS NOT NULL "
        "GROUP BY loan_id, actor_id)"
    )
    db.execute_sql(
        "CREATE UNIQUE INDEX loan_step_thanked_once ON loan_step (loan_id, actor_id) "
        "WHERE step = 'thanked'"
    )

    if postgres:
        _lent_once_postgres(db)
    else:
        for sql in SQLITE_TRIGGERS:
            db.execute_sql(sql)
