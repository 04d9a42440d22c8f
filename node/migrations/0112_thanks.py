"""Thanks after any help (frozen copy); loan thanks given before are carried over."""

import datetime as dt

import peewee as pw

from node.migrations import create


def _now():
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class _M(pw.Model):
    class Meta:
        legacy_table_names = False


class Resident(_M):
    class Meta:
        table_name = "resident"


class Thanks(_M):
    author = pw.ForeignKeyField(Resident, on_delete="CASCADE", backref="+")
    recipient = pw.ForeignKeyField(Resident, on_delete="CASCADE", backref="+")
    kind = pw.CharField(max_length=8)
    subject = pw.CharField(max_length=40)
    text = pw.TextField(default="")
    created_at = pw.DateTimeField(default=_now, index=True)

    class Meta:
        indexes = ((("author", "recipient", "subject"), True),)


def up(db: pw.Database) -> None:
    create(db, [Thanks])
    # each "thanked" step of a loan: from its actor to the other party
    db.execute_sql(
        "INSERT INTO thanks (author_id, recipient_id, kind, subject, text, created_at) "
        "SELECT s.actor_id, CASE WHEN s.actor_id = l.lender_id THEN l.borrower_id "
        "ELSE l.lender_id END, 'loan', 'loan:' || CAST(l.id AS VARCHAR(20)), s.note, s.at "
        "FROM loan_step s JOIN loan l ON l.id = s.loan_id "
        "WHERE s.step = 'thanked' AND s.actor_id IS NOT NULL"
    )
