"""Copies of remote events keep the origin's waiting-list count (qr:waitingCount) next to
participant_count, so their page shows the origin's numbers rather than the local rows."""

import peewee as pw


def up(db: pw.Database) -> None:
    db.execute_sql("ALTER TABLE event ADD COLUMN waiting_count INTEGER NOT NULL DEFAULT 0")
