"""Cross-border exchanges: the actor an event is attributed to (its Group), for RSVP answers."""

import peewee as pw
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate


def up(db: pw.Database) -> None:
    migrator = (
        PostgresqlMigrator(db) if isinstance(db, pw.PostgresqlDatabase) else SqliteMigrator(db)
    )
    # Mobilizon accepts Joins as the organiser or as the event's Group (FEDERATION-NOTES §5.3).
    migrate(migrator.add_column("event", "group_ref", pw.CharField(max_length=500, default="")))
