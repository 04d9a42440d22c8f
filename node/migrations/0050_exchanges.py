"""Cross-border exchanges: the actor an event is attributed to (its Group), for RSVP answers."""

import peewee as pw


def up(db: pw.Database) -> None:
    # Mobilizon accepts Joins as the organiser or as the event's Group (FEDERATION-NOTES §5.3).
    # A plain ALTER: SQLite's migrator would rebuild the table and drop the event_fts triggers.
    db.execute_sql("ALTER TABLE event ADD COLUMN group_ref VARCHAR(500) NOT NULL DEFAULT ''")
