"""The node's taxonomy of listings (rubriques): built-in ones translated in code, custom ones by label."""

from __future__ import annotations

from node.i18n import _
from node.local.errors import Invalid
from node.local.notify import N_
from node.local.sharing_models import Category
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
    """(slug, custom label) pairs in the node's order; translate them with `labelled`."""
    rows = all_categories()
    if not rows:
        return [(slug, "") for slug in BUILTIN]
    return [(row.slug, row.label) for row in rows]


def labelled(raw: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(slug, label) in the current language (call it where the reader's language is set)."""
    return [(slug, label(slug, custom)) for slug, custom in raw]


def choices() -> list[tuple[str, str]]:
    return labelled(raw_choices())


def check(slug: str) -> str:
    slug = (slug or "").strip() or DEFAULT
    if slug in BUILTIN or Category.select().where(Category.slug == slug).exists():
        return slug
    message = _("Unknown category.")
    raise Invalid(message, {"category": message})


def add(tx: Tx, slug: str, text: str, position: int = 500) -> Category:
    """A node-specific category (admins); its label is shown as written."""
    slug = slug.strip().lower()
    if not slug or len(slug) > 40 or Category.select().where(Category.slug == slug).exists():
        message = _("Choose a new, short identifier.")
        raise Invalid(message, {"slug": message})
    return Category.create(slug=slug, label=text.strip()[:80], position=position, builtin=False)
