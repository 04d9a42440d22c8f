"""Categories can be hidden by the node's admins (no longer offered; existing listings keep theirs)."""

import peewee as pw


def up(db: pw.Database) -> None:
    # A plain ADD COLUMN with a default: nothing references category rows, but keep it one statement.
    db.execute_sql("ALTER TABLE category ADD COLUMN hidden BOOLEAN NOT NULL DEFAULT FALSE")
