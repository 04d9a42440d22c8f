"""Who trusted a node's verifications (a username; empty: the command line, the only way before)."""

import peewee as pw


def up(db: pw.Database) -> None:
    db.execute_sql(
        "ALTER TABLE trusted_verifier ADD COLUMN added_by VARCHAR(80) NOT NULL DEFAULT ''"
    )
