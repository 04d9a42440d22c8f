"""Remote listings from nodes like ours keep only their description (not the Mastodon-shaped lines).

The same rule as activitypub/from_as.without_fallback, frozen here: a leading bold title equal to the
listing's title, a "Offer · Loan · diy" line, and a trailing link to the listing's own page."""

import re
from html import unescape

import peewee as pw

TITLE = re.compile(r"^\s*<p><strong>(?P<title>[^<]*)</strong></p>")
FACTS = re.compile(r"^\s*<p>[^<]* · [^<]* · [^<]*</p>")
LINK = re.compile(r'<p><a href="(?P<href>[^"]+)"[^>]*>(?P<text>[^<]+)</a></p>\s*$')


def _clean(html: str, title: str, urls: tuple[str, ...]) -> str:
    head = TITLE.match(html)
    if head is None or unescape(head["title"]).strip() != title.strip():
        return html
    body = html[head.end() :]
    facts = FACTS.match(body)
    if facts is None:  # not our shape: leave it
        return html
    body = body[facts.end() :]
    link = LINK.search(body)
    if link is not None and unescape(link["href"]) == unescape(link["text"]) in urls:
        body = body[: link.start()]
    return body.strip()


def up(db: pw.Database) -> None:
    # the pattern as a parameter: psycopg2 reads a bare % in the SQL as a placeholder
    mark = "%s" if isinstance(db, pw.PostgresqlDatabase) else "?"
    rows = db.execute_sql(
        "SELECT id, title, description_html, url, external_ref FROM listing "
        f"WHERE external_ref IS NOT NULL AND description_html LIKE {mark}",
        ("<p><strong>%",),
    ).fetchall()
    for ident, title, html, url, ref in rows:
        cleaned = _clean(html or "", title or "", (url or "", ref or ""))
        if cleaned != html:
            db.execute_sql(
                "UPDATE listing SET description_html = %s WHERE id = %s"
                if isinstance(db, pw.PostgresqlDatabase)
                else "UPDATE listing SET description_html = ? WHERE id = ?",
                (cleaned, ident),
            )


def down(db: pw.Database) -> None:
    pass  # the removed lines repeat the title and facts shown beside the description
