"""Full-text search over listings: SQLite FTS5 or PostgreSQL full text, chosen from the database."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import peewee as pw

from node.local.listings.models import Listing
from node.local.listings.read import attach_photos
from node.local.listings.write import VISIBLE_STATES
from node.local.models import Quarter, Resident

WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12
MAX_PHRASES = 60


def is_postgres() -> bool:
    return isinstance(Listing._meta.database.obj, pw.PostgresqlDatabase)


def terms(query: str) -> list[str]:
    """The words of a query: punctuation and FTS operators are dropped, so input is never syntax."""
    return [w.lower() for w in WORD.findall(query or "")][:MAX_TERMS]


def _fts5_query(words: list[str]) -> str:
    # every word quoted (no operator can be injected) and prefix-matched: "dri"* finds "drill"
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)


def _tsquery(words: list[str]) -> str:
    # \w+ words only, each a quoted lexeme with prefix match: 'dri':* & 'cord':*
    return " & ".join("'" + w.replace("'", "''").replace("\\", "") + "':*" for w in words)


def matching(words: list[str]) -> pw.Expression:
    """The condition "the listing's text holds every word" (as a prefix), for any query."""
    return _matching(words)


def _phrases_fts5(phrases: list[list[str]]) -> str:
    # any of the phrases, each quoted as a phrase whose last word is a prefix: "machine a coudre"*
    return " OR ".join('"' + " ".join(p).replace('"', '""') + '"*' for p in phrases)


def _phrases_tsquery(phrases: list[list[str]]) -> str:
    # any of the phrases, its words one after the other: ('machine' <-> 'à' <-> 'coudre':*)
    def lexeme(word: str) -> str:
        return "'" + word.replace("'", "''").replace("\\", "") + "'"

    return " | ".join(
        "(" + " <-> ".join([*map(lexeme, p[:-1]), lexeme(p[-1]) + ":*"]) + ")" for p in phrases
    )


def _matching_any(phrases: list[str]) -> pw.Expression:
    """Listings whose text has any of these words or phrases (words of other languages)."""
    split = [terms(p) for p in phrases]
    split = [p for p in split if p][:MAX_PHRASES]
    if is_postgres():
        query = pw.fn.to_tsquery(pw.SQL("'simple'"), _phrases_tsquery(split))
        return pw.Expression(_document(), "@@", query)
    return Listing.id.in_(
        pw.SQL("(SELECT rowid FROM listing_fts WHERE listing_fts MATCH ?)", [_phrases_fts5(split)])
    )


def _document() -> pw.Expression:
    # the expression of the GIN index made by migration 0010, so the planner uses the index
    return pw.fn.to_tsvector(
        pw.SQL("'simple'"),
        pw.fn.coalesce(Listing.title, "")
        .concat(" ")
        .concat(pw.fn.coalesce(Listing.description, ""))
        .concat(" ")
        .concat(pw.fn.coalesce(Listing.category, "")),
    )


def _matching(words: list[str]) -> pw.Expression:
    if is_postgres():
        # the expression of the GIN index made by migration 0010, so the planner uses the index
        simple = pw.SQL("'simple'")
        document = pw.fn.to_tsvector(
            simple,
            pw.fn.coalesce(Listing.title, "")
            .concat(" ")
            .concat(pw.fn.coalesce(Listing.description, ""))
            .concat(" ")
            .concat(pw.fn.coalesce(Listing.category, "")),
        )
        return pw.Expression(document, "@@", pw.fn.to_tsquery(simple, _tsquery(words)))
    return Listing.id.in_(
        pw.SQL("(SELECT rowid FROM listing_fts WHERE listing_fts MATCH ?)", [_fts5_query(words)])
    )


def search_listings(
    query: str = "",
    quarter_ids: Iterable[int] | None = None,
    kind: str | None = None,
    type: str | None = None,
    category: str | None = None,
    limit: int = 20,
    before: int | None = None,
    states: Iterable[str] = VISIBLE_STATES,
    public_only: bool = False,
    where: Any = None,
    labels: dict[str, set[str]] | None = None,
    also: list[str] | None = None,
) -> list[Listing]:
    """Visible listings matching the words and filters, newest first (page with before=<id>).

    `labels` ({word: category slugs}) lets a word be satisfied by the listing's category as well
    as by its text: "Bricolage" finds the diy listings (search_query.categories_named). `also`:
    words or phrases any of which satisfies the whole query (the same object named in the other
    shipped languages: "Leiter" also finds "Échelle", search_query.same_object)."""
    select = (
        Listing.select(Listing, Resident, Quarter)
        .join(Resident, on=(Listing.author == Resident.id))
        .switch(Listing)
        .join(Quarter, on=(Listing.quarter == Quarter.id), join_type=pw.JOIN.LEFT_OUTER)
        .where(Listing.state.in_(list(states)) & (Listing.hidden == False))  # noqa: E712
    )
    words = terms(query)
    labels = labels or {}
    plain = [w for w in words if not labels.get(w)]
    clauses = [_matching(plain)] if plain else []
    for word in words:
        if labels.get(word):
            clauses.append(_matching([word]) | Listing.category.in_(sorted(labels[word])))
    if clauses:
        every = clauses[0]
        for clause in clauses[1:]:
            every = every & clause
        select = select.where((every | _matching_any(also)) if also else every)
    if quarter_ids is not None:
        select = select.where(Listing.quarter.in_(list(quarter_ids)))
    if kind:
        select = select.where(Listing.kind == kind)
    if type:
        select = select.where(Listing.type == type)
    if category:
        select = select.where(Listing.category == category)
    if public_only:
        select = select.where(Listing.reach == "public")
    if where is not None:  # e.g. node/local/reach.visible: my quarter, its twins, everything
        select = select.where(where)
    if before is not None:
        select = select.where(Listing.id < before)
    rows = list(select.order_by(Listing.id.desc()).limit(limit))
    return attach_photos(rows)
