"""Translated labels of stored codes (roles, kinds of organisation), for pages and forms."""

from __future__ import annotations

from node.i18n import _


def role_label(role: str) -> str:
    return {
        "resident": _("resident"),
        "ambassador": _("ambassador"),
        "moderator": _("moderator"),
        "admin": _("administrator"),
    }.get(role, role)


def kind_label(kind: str) -> str:
    return {
        "association": _("Association"),
        "shop": _("Shop"),
        "town_hall": _("Town hall"),
        "social_landlord": _("Social landlord"),
        "partner": _("Partner service"),
    }.get(kind, kind)


def kind_options() -> list[tuple[str, str]]:
    from node.local.models import Organisation

    return [(kind, kind_label(kind)) for kind in Organisation.KINDS]


def quarter_options(quarters) -> list[tuple[str, str]]:
    return [("", _("none"))] + [(q.slug, q.name) for q in quarters]


GLOBALS = {"role_label": role_label, "kind_label": kind_label}
