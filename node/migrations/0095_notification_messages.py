"""Notifications keep their source message and parameters, so pages render them in the reader's
current language (node/local/notice_text.py). Existing rows: their stored text is matched against
the known messages in the resident's language to recover message + parameters; rows that match
nothing keep showing their stored text."""

import json
import re

import peewee as pw

# The notification messages known when this migration was written (frozen: the live code may change).
KNOWN = (
    "%(name)s accepted to lend you “%(title)s”.",
    "%(name)s agreed: keep “%(title)s” longer.",
    "%(name)s asks to borrow “%(title)s”.",
    "%(name)s asks to join “%(title)s”.",
    "%(name)s asks to keep “%(title)s” until %(until)s.",
    "%(name)s cancelled the loan of “%(title)s”.",
    "%(name)s cannot lend you “%(title)s” this time.",
    "%(name)s confirmed that “%(title)s” is back. Thank you!",
    "%(name)s confirmed the handover of “%(title)s”.",
    "%(name)s needs “%(title)s” back on the planned date.",
    "%(name)s thanks you for the loan of “%(title)s”.",
    "A moderator warns you: %(reason)s",
    "A place freed up: you are now going to “%(title)s”.",
    "New message from %(name)s.",
    "Reminder: “%(title)s” goes back tomorrow.",
    "The event “%(title)s” has changed.",
    "The event “%(title)s” is cancelled.",
    "You are going to “%(title)s”.",
    "Your account is suspended for %(days)d days by a moderator: %(reason)s",
    "Your request to join “%(title)s” was accepted.",
    "Your request to join “%(title)s” was declined.",
    "Your suspension was lifted by a moderator. %(reason)s",
    "“%(title)s” is full: you are on the waiting list.",
    "“%(title)s” was due back on %(until)s.",
)
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


def _pattern(template: str) -> re.Pattern:
    parts, last, seen = [], 0, set()
    for match in PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[last : match.start()]))
        name, conversion = match.groups()
        if name in seen:
            parts.append(f"(?P={name})")
        else:
            parts.append(rf"(?P<{name}>-?\d+)" if conversion == "d" else rf"(?P<{name}>.*?)")
            seen.add(name)
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.S)


def _recover(text: str, language: str) -> tuple[str, dict] | None:
    from node import i18n  # a leaf utility: the catalogues as shipped

    catalogue = i18n.translations(language if language in i18n.ui_languages() else "en")
    for message in KNOWN:
        match = _pattern(catalogue.ugettext(message)).fullmatch(text)
        if match:
            conversions = dict(PLACEHOLDER.findall(message))
            params = {
                k: int(v) if conversions.get(k) == "d" else v for k, v in match.groupdict().items()
            }
            if ISO_DAY.fullmatch(params.get("until", "") or ""):
                params["until"] = {"date": params["until"]}  # formatted in the reader's locale
            return message, params
    return None


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
    # 0100 (shelves) adds the same two columns: whichever runs first adds them, the other skips
    have = _columns(db, "notification")
    if "message" not in have:
        db.execute_sql("ALTER TABLE notification ADD COLUMN message TEXT NOT NULL DEFAULT ''")
    if "params" not in have:
        db.execute_sql("ALTER TABLE notification ADD COLUMN params TEXT NOT NULL DEFAULT ''")
    mark = "%s" if isinstance(db, pw.PostgresqlDatabase) else "?"
    rows = db.execute_sql(
        "SELECT n.id, n.text, r.language FROM notification n JOIN resident r ON r.id = n.resident_id"
        " WHERE n.message = ''"
    ).fetchall()
    for note_id, text, language in rows:
        found = _recover(text or "", language or "en")
        if found:
            message, params = found
            db.execute_sql(
                f"UPDATE notification SET message = {mark}, params = {mark} WHERE id = {mark}",
                (message, json.dumps(params, ensure_ascii=False, sort_keys=True), note_id),
            )
