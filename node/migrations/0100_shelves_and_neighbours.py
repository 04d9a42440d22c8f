"""Shelves that answer requests (index, residents' words, matches), adjacent quarters, and
notifications that keep their message so they are shown in the reader's current language."""

import datetime as dt

import peewee as pw

from node.migrations import create


def _now():
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class _M(pw.Model):
    class Meta:
        legacy_table_names = False


class Quarter(_M):
    class Meta:
        table_name = "quarter"


class Resident(_M):
    class Meta:
        table_name = "resident"


class Listing(_M):
    class Meta:
        table_name = "listing"


class Notification(_M):
    class Meta:
        table_name = "notification"


class ShelfTerm(_M):
    listing = pw.ForeignKeyField(Listing, on_delete="CASCADE")
    quarter = pw.ForeignKeyField(Quarter, null=True, on_delete="CASCADE")
    term = pw.CharField(max_length=100)

    class Meta:
        table_name = "shelf_term"
        indexes = (
            (("term", "quarter"), False),
            (("listing", "term"), True),
        )


class LearnedWord(_M):
    word = pw.CharField(max_length=64)
    concept = pw.CharField(max_length=40)
    uses = pw.IntegerField(default=1)

    class Meta:
        table_name = "learned_word"
        indexes = ((("word", "concept"), True),)


class ShelfMatch(_M):
    request = pw.ForeignKeyField(Listing, on_delete="CASCADE")
    item = pw.ForeignKeyField(Listing, on_delete="CASCADE")
    owner = pw.ForeignKeyField(Resident, on_delete="CASCADE")
    notification = pw.ForeignKeyField(Notification, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=_now)
    answered_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "shelf_match"
        indexes = ((("request", "owner"), True),)


class QuarterNeighbour(_M):
    quarter = pw.ForeignKeyField(Quarter, on_delete="CASCADE")
    neighbour = pw.ForeignKeyField(Quarter, on_delete="CASCADE")
    created_at = pw.DateTimeField(default=_now)

    class Meta:
        table_name = "quarter_neighbour"
        indexes = ((("quarter", "neighbour"), True),)


def _columns(db: pw.Database, table: str) -> set[str]:
    if isinstance(db, pw.PostgresqlDatabase):  # the current schema (tests use one per run)
        rows = db.execute_sql(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s",
            (table,),
        ).fetchall()
        return {row[0] for row in rows}
    return {column.name for column in db.get_columns(table)}


def up(db: pw.Database) -> None:
    create(db, [ShelfTerm, LearnedWord, ShelfMatch, QuarterNeighbour])
    # Plain ADD COLUMN with defaults: no table rebuild on SQLite. Old notifications keep their
    # stored text (message stays empty); new ones keep the English message and its variables.
    # 0095 (loops) may have added them already, recovering old rows' messages
    have = _columns(db, "notification")
    if "message" not in have:
        db.execute_sql("ALTER TABLE notification ADD COLUMN message TEXT NOT NULL DEFAULT ''")
    if "params" not in have:
        db.execute_sql("ALTER TABLE notification ADD COLUMN params TEXT NOT NULL DEFAULT ''")
    # the shelf items of an older node are indexed by the `shelf_index` background step
