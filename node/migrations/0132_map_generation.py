"""A counter of changes to what the map shows, kept by the database itself.

node/local/mapcache.py keeps map answers in memory and serves one again only while this number
is the same: triggers add one whenever a row of listing or event, or of the tables their
who-sees rules read (quarter_neighbour, twin), is inserted, updated or deleted, whoever writes
it (the web, the inbox, a worker, another process, a hand-run UPDATE).

On PostgreSQL the trigger is a deferred constraint trigger: it runs at COMMIT, once per
transaction (a transaction-local setting remembers it ran), so the counter's row is locked
only for the instant of the commit and always last; taken at the first write it would make
every transaction that writes a listing wait for every other one until it commits, and could
deadlock two of them. The counter commits with the rows it counts: a reader that reads the
counter and then the rows never sees older rows than the counter says."""

import peewee as pw

WATCHED = ("listing", "event", "quarter_neighbour", "twin")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION map_generation_bump() RETURNS trigger AS $$
BEGIN
    IF current_setting('quartier.map_bumped', true) IS DISTINCT FROM txid_current()::text THEN
        PERFORM set_config('quartier.map_bumped', txid_current()::text, true);
        UPDATE map_generation SET n = n + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def up(db: pw.Database) -> None:
    db.execute_sql("CREATE TABLE map_generation (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)")
    db.execute_sql("INSERT INTO map_generation (id, n) VALUES (1, 0)")
    if isinstance(db, pw.PostgresqlDatabase):
        db.execute_sql(POSTGRES_FUNCTION)
        for table in WATCHED:
            db.execute_sql(
                f"CREATE CONSTRAINT TRIGGER {table}_map_generation "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "EXECUTE FUNCTION map_generation_bump()"
            )
        return
    for table in WATCHED:
        for action in ("INSERT", "UPDATE", "DELETE"):
            db.execute_sql(
                f"CREATE TRIGGER {table}_map_generation_{action.lower()} "
                f"AFTER {action} ON {table} "
                "BEGIN UPDATE map_generation SET n = n + 1 WHERE id = 1; END"
            )
