"""The public moderation log shows a reason category, never the reason's text."""

import peewee as pw


def up(db: pw.Database) -> None:
    # A plain ADD COLUMN with a default: no table rebuild on SQLite; earlier actions are "other".
    db.execute_sql(
        "ALTER TABLE moderation_action ADD COLUMN category VARCHAR(20) NOT NULL DEFAULT 'other'"
    )
