"""Operations: periodic jobs claimed once per interval across processes, and the metric samples
the admin charts read (frozen copies)."""

import datetime as dt

import peewee as pw

from node.migrations import create


def _now():
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class _M(pw.Model):
    class Meta:
        legacy_table_names = False


class PeriodicJob(_M):
    name = pw.CharField(max_length=40, primary_key=True)
    next_run_at = pw.DateTimeField(default=_now)
    ran_at = pw.DateTimeField(null=True)
    ran_by = pw.CharField(max_length=100, default="")


class MetricSample(_M):
    taken_at = pw.DateTimeField(default=_now, index=True)
    name = pw.CharField(max_length=40)
    value = pw.FloatField()

    class Meta:
        indexes = ((("name", "taken_at"), False),)


def up(db: pw.Database) -> None:
    create(db, [PeriodicJob, MetricSample])
