"""The node's taxonomy of listings (rubriques): built-in ones translated in code, custom ones by label."""

from __future__ import annotations

import re

import peewee as pw

from node.i18n import _
from node.local.errors import Invalid, NotFound
from node.local.listings.models import Category
from node.local.notifications.send import N_
from node.local.tx import Tx

# slug -> English msgid; labels are translated when shown, so each reader sees their language
BUILTIN = {
    "diy": N_("DIY & tools"),
    "garden": N_("Garden"),
    "kitchen": N_("Kitchen"),
    "children": N_("Children"),
    "transport": N_("Transport"),
    "moving": N_("Moving"),
    "it": N_("IT"),
    "animals": N_("Animals"),
    "lessons": N_("Lessons"),
    "clothes": N_("Clothes"),
    "books": N_("Books"),
    "games": N_("Games"),
    "elderly": N_("Help for the elderly"),
    "other": N_("Other"),
}
DEFAULT = "other"
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def seed(tx: Tx | None = None) -> int:
    """Create the missing built-in categories (idempotent); return how many were added."""
    added = 0
    for position, slug in enumerate(BUILTIN):
        _row, created = Category.get_or_create(
            slug=slug, defaults={"builtin": True, "position": position * 10}
        )
        added += int(created)
    return added


def label(slug: str, custom: str = "") -> str:
    """The label of a category in the current language."""
    if custom:
        return custom
    if slug in BUILTIN:
        return _(BUILTIN[slug])
    return slug


def all_categories() -> list[Category]:
    return list(Category.select().order_by(Category.position, Category.slug))


def raw_choices() -> list[tuple[str, str]]:
    """(slug, custom label) pairs offered, in the node's order; translate them with `labelled`."""
    rows = all_categories()
    if not rows:
        return [(slug, "") for slug in BUILTIN]
    return [(row.slug, row.label) for row in rows if not row.hidden]


def labelled(raw: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(slug, label) in the current language (call it where the reader's language is set)."""
    return [(slug, label(slug, custom)) for slug, custom in raw]


def choices() -> list[tuple[str, str]]:
    return labelled(raw_choices())


def check(slug: str) -> str:
    """A category a listing may take now (hidden ones are refused for new choices)."""
    slug = (slug or "").strip() or DEFAULT
    row = Category.get_or_none(Category.slug == slug)
    if (row is not None and not row.hidden) or (row is None and slug in BUILTIN):
        return slug
    message = _("Unknown category.")
    raise Invalid(message, {"category": message})


def add(tx: Tx, slug: str, text: str, position: int | None = None) -> Category:
    """A node-specific category (admins); its label is shown as written. Last by default."""
    slug = slug.strip().lower()
    if (
        not SLUG.fullmatch(slug)
        or slug in BUILTIN
        or Category.select().where(Category.slug == slug).exists()
    ):
        message = _("Choose a new, short identifier (lower-case letters, digits, dashes).")
        raise Invalid(message, {"slug": message})
    text = _label_text(text)
    if position is None:
        seed()
        last = Category.select(pw.fn.MAX(Category.position)).scalar() or 0
        position = last + 10
    return Category.create(slug=slug, label=text, position=position, builtin=False)


def _label_text(text: str) -> str:
    text = (text or "").strip()[:80]
    if not text:
        message = _("Give the category a name.")
        raise Invalid(message, {"label": message})
    return text


def _row(slug: str) -> Category:
    seed()
    row = Category.get_or_none(Category.slug == slug)
    if row is None:
        raise NotFound(_("Unknown category."))
    return row


def rename(tx: Tx, slug: str, text: str) -> Category:
    """A new label for a custom category; built-in ones keep their translated names."""
    row = _row(slug)
    if row.builtin:
        message = _("Built-in categories keep their translated names.")
        raise Invalid(message, {"label": message})
    row.label = _label_text(text)
    row.save()
    return row


def move(tx: Tx, slug: str, step: int) -> None:
    """Move a category one place up (step -1) or down (+1) in the node's order."""
    row = _row(slug)
    rows = all_categories()
    index = [r.id for r in rows].index(row.id)
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(rows):
        return
    rows[index], rows[other] = rows[other], rows[index]
    for position, each in enumerate(rows):
        if each.position != position * 10:
            Category.update(position=position * 10).where(Category.id == each.id).execute()


def set_hidden(tx: Tx, slug: str, hidden: bool) -> Category:
    """Hide a category from new listings (its listings keep it), or offer it again."""
    row = _row(slug)
    if hidden and row.slug == DEFAULT:
        message = _("The default category cannot be hidden.")
        raise Invalid(message, {"slug": message})
    row.hidden = hidden
    row.save()
    return row
