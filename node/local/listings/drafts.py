"""Listing drafts: checking what a resident typed (kind, type, title, category, price, reach); pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from node.i18n import _, is_language
from node.local.errors import Invalid
from node.local.listings import categories
from node.local.listings.models import LISTING_KINDS, LISTING_TYPES
from node.local.models import REACHES

PRICE_UNITS = ("hour", "day", "once")
CURRENCY = re.compile(r"^[A-Z]{3}$")
SLUG = re.compile(r"^[a-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class ListingDraft:
    """Validated listing input (pure: no database)."""

    kind: str
    type: str
    title: str
    description: str = ""
    category: str = categories.DEFAULT
    price: Decimal | None = None
    currency: str = "EUR"
    price_unit: str = ""
    availability: str = ""
    language: str = ""
    reach: str = ""  # "" = the node's default
    shelf: bool = False

    @classmethod
    def parse(cls, data: dict[str, Any]) -> ListingDraft:
        """Check a form or JSON object; Invalid lists every wrong field."""
        values = _parse(data, partial=False)
        if values["type"] != "paid":
            values.update(price=None, price_unit="")
        return cls(**values)

    @classmethod
    def parse_changes(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Check a partial edit: only the given fields (plus `state`), same rules."""
        values = _parse(data, partial=True)
        if "state" in data:
            values["state"] = str(data["state"] or "").strip()
        return values


def _parse(data: dict[str, Any], partial: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def text(name: str, limit: int) -> str | None:
        if partial and name not in data:
            return None
        raw = data.get(name)
        if raw is not None and not isinstance(raw, str | int | float):
            errors[name] = _("Expected text.")
            return ""
        value = str(raw if raw is not None else "").strip()
        if len(value) > limit:
            errors[name] = _("At most %(n)d characters.", n=limit)
        return value

    for name, choices in (("kind", LISTING_KINDS), ("type", LISTING_TYPES)):
        value = text(name, 10)
        if value is not None:
            if value not in choices:
                errors[name] = _("Choose one of: %(choices)s.", choices=", ".join(choices))
            values[name] = value
    title = text("title", 200)
    if title is not None:
        if not title:
            errors["title"] = _("Give your listing a title.")
        values["title"] = title
    for name, limit in (("description", 20_000), ("availability", 300)):
        value = text(name, limit)
        if value is not None:
            values[name] = value
    category = text("category", 40)
    if category is not None:
        category = category or categories.DEFAULT
        if not SLUG.match(category):
            errors["category"] = _("Unknown category.")
        values["category"] = category
    language = text("language", 8)
    if language is not None:
        if language and not is_language(language):
            errors["language"] = _("Unknown language.")
        values["language"] = language
    reach = text("reach", 8)
    if reach is not None:
        if reach and reach not in REACHES:
            errors["reach"] = _("Choose one of: %(choices)s.", choices=", ".join(REACHES))
        values["reach"] = reach
    price = text("price", 20)
    if price is not None:
        values["price"] = None
        if price:
            try:
                amount = Decimal(price.replace(",", "."))
                if not amount.is_finite() or amount < 0 or amount >= Decimal("100000000"):
                    raise InvalidOperation
                values["price"] = amount.quantize(Decimal("0.01"))
            except InvalidOperation:
                errors["price"] = _("Enter an amount such as 12.50.")
    currency = text("currency", 3)
    if currency is not None:
        currency = currency.upper() or "EUR"
        if not CURRENCY.match(currency):
            errors["currency"] = _("Use a three-letter currency code such as EUR.")
        values["currency"] = currency
    unit = text("price_unit", 8)
    if unit is not None:
        if unit and unit not in PRICE_UNITS:
            errors["price_unit"] = _("Choose one of: %(choices)s.", choices="hour, day, once")
        values["price_unit"] = unit
    if "shelf" in data or not partial:
        values["shelf"] = data.get("shelf") in (True, "1", "on", "true")
    if not partial:
        draft_type = values.get("type")
        if draft_type == "paid":
            if values.get("price") is None and "price" not in errors:
                errors["price"] = _("A paid listing needs a price.")
            if not values.get("price_unit") and "price_unit" not in errors:
                errors["price_unit"] = _("Say whether the price is per hour, per day or once.")
        if values.get("shelf") and (draft_type != "loan" or values.get("kind") != "offer"):
            errors["shelf"] = _("Only objects you lend can go on your shelf.")
    if errors:
        raise Invalid(_("Please correct the marked fields."), errors)
    return values
