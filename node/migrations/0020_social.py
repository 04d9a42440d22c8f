"""Social: full-text search over events, and indexes for the feed, map, messages and moderation."""

import peewee as pw

INDEXES = [
    # the feed and map filter a quarter's open listings and order them by creation time
    ("listing_social_feed", "listing", "quarter_id, state, created_at"),
    ("event_social_feed", "event", "quarter_id, created_at"),
    ("event_social_upcoming", "event", "quarter_id, ends_at"),
    ("announcement_social_feed", "announcement", "quarter_id, created_at"),
    ("rsvp_social_status", "rsvp", "event_id, status, updated_at"),
    ("message_social_thread", "message", "conversation_id, created_at"),
    ("notification_social_unread", "notification", "resident_id, read_at"),
    ("notification_social_digest", "notification", "mailed, created_at"),
    ("report_social_queue", "report", "quarter_id, state"),
    ("moderation_action_social_log", "moderation_action", "quarter_id, created_at"),
]

SQLITE_FTS = [
    # an external-content FTS5 table kept in step with `event` by triggers
    "CREATE VIRTUAL TABLE event_fts USING fts5(title, description, content='event', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER event_fts_ai AFTER INSERT ON event BEGIN "
    "INSERT INTO event_fts(rowid, title, description) VALUES (new.id, new.title, new.description); END",
    "CREATE TRIGGER event_fts_ad AFTER DELETE ON event BEGIN "
    "INSERT INTO event_fts(event_fts, rowid, title, description) "
    "VALUES ('delete', old.id, old.title, old.description); END",
    "CREATE TRIGGER event_fts_au AFTER UPDATE OF title, description ON event BEGIN "
    "INSERT INTO event_fts(event_fts, rowid, title, description) "
    "VALUES ('delete', old.id, old.title, old.description); "
    "INSERT INTO event_fts(rowid, title, description) VALUES (new.id, new.title, new.description); END",
    "INSERT INTO event_fts(event_fts) VALUES ('rebuild')",
]

# node/local/feed.py:event_text_matches uses exactly this expression, so the planner can use the index
POSTGRES_FTS = [
    "CREATE INDEX event_social_fts ON event USING GIN "
    "(to_tsvector('simple', ((title || ' ') || description)))",
]


def up(db):
    for name, table, columns in INDEXES:
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns})')
    for sql in POSTGRES_FTS if isinstance(db, pw.PostgresqlDatabase) else SQLITE_FTS:
        db.execute_sql(sql)
