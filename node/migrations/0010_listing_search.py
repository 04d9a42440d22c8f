"""Listings: full-text search (SQLite FTS5 kept by triggers / PostgreSQL GIN expression index)
and the built-in categories."""

import peewee as pw

BUILTIN_SLUGS = [
    "diy",
    "garden",
    "kitchen",
    "children",
    "transport",
    "moving",
    "it",
    "animals",
    "lessons",
    "clothes",
    "books",
    "games",
    "elderly",
    "other",
]

SQLITE = [
    # external-content table: the text lives in `listing`, FTS5 keeps only the index
    "CREATE VIRTUAL TABLE listing_fts USING fts5(title, description, category, "
    "content='listing', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER listing_fts_insert AFTER INSERT ON listing BEGIN "
    "INSERT INTO listing_fts(rowid, title, description, category) "
    "VALUES (new.id, new.title, new.description, new.category); END",
    "CREATE TRIGGER listing_fts_delete AFTER DELETE ON listing BEGIN "
    "INSERT INTO listing_fts(listing_fts, rowid, title, description, category) "
    "VALUES ('delete', old.id, old.title, old.description, old.category); END",
    "CREATE TRIGGER listing_fts_update AFTER UPDATE OF title, description, category ON listing "
    "BEGIN "
    "INSERT INTO listing_fts(listing_fts, rowid, title, description, category) "
    "VALUES ('delete', old.id, old.title, old.description, old.category); "
    "INSERT INTO listing_fts(rowid, title, description, category) "
    "VALUES (new.id, new.title, new.description, new.category); END",
    "INSERT INTO listing_fts(listing_fts) VALUES ('rebuild')",
]

# the same expression is used by node/local/search.py, so the planner picks the index
POSTGRES = [
    "CREATE INDEX listing_search_idx ON listing USING GIN (to_tsvector('simple', "
    "coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce(category, '')))",
]


def up(db):
    postgres = isinstance(db, pw.PostgresqlDatabase)
    for sql in POSTGRES if postgres else SQLITE:
        db.execute_sql(sql)
    mark = "%s" if postgres else "?"
    for position, slug in enumerate(BUILTIN_SLUGS):
        exists = db.execute_sql(f"SELECT 1 FROM category WHERE slug = {mark}", (slug,)).fetchone()
        if not exists:
            db.execute_sql(
                f"INSERT INTO category (slug, label, position, builtin) "
                f"VALUES ({mark}, '', {mark}, {mark})",
                (slug, position * 10, True),
            )
