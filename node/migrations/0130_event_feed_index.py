"""Events by creation time, newest first: the feed and the map list the newest upcoming events.

Without it SQLite read every upcoming event of the quarter through (quarter_id, ends_at) and
sorted them (EXPLAIN QUERY PLAN: 46 ms for 21 rows at 10,000 events); with it both databases
walk the newest events and stop at the page's size (0.4 ms; bench/sharing.py at 100,000)."""

import peewee as pw


def up(db: pw.Database) -> None:
    db.execute_sql("CREATE INDEX IF NOT EXISTS event_created_at ON event (created_at)")
