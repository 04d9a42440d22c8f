"""One durable queue: deliveries, inbox items and mail carry a claim with a lease and its holder."""

import peewee as pw

TABLES = ("delivery", "inbox_item", "outgoing_mail")


def up(db: pw.Database) -> None:
    stamp = "TIMESTAMP" if isinstance(db, pw.PostgresqlDatabase) else "DATETIME"
    for table in TABLES:
        # Plain ADD COLUMN (nullable, or with a default): no table rebuild on SQLite.
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN claimed_until {stamp} NULL")
        db.execute_sql(
            f"ALTER TABLE {table} ADD COLUMN claimed_by VARCHAR(100) NOT NULL DEFAULT ''"
        )
    # Nothing to carry over: a delivery left "sending" by an old worker has no claimed_until and
    # is free at once (at-least-once; receivers dedupe by id).
