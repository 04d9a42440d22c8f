"""Translated labels of stored codes (roles, kinds of organisation), for pages and forms."""

from __future__ import annotations

from node.i18n import _
from node.local.events.drafts import CATEGORIES
from node.local.moderation_notices import action_name, target_name


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


def event_category_labels() -> dict[str, str]:
    """Every event category (Mobilizon's ids), translated; the common ones first."""
    return {
        "COMMUNITY": _("Community"),
        "PARTY": _("Party"),
        "MEETING": _("Meeting"),
        "FOOD_DRINK": _("Food and drink"),
        "FAMILY": _("Family"),
        "SPORTS": _("Sports"),
        "OUTDOORS_ADVENTURE": _("Outdoors"),
        "LEARNING": _("Learning"),
        "ARTS": _("Arts"),
        "MUSIC": _("Music"),
        "GAMES": _("Games"),
        "CRAFTS": _("Crafts"),
        "CAUSES": _("Causes"),
        "BOOK_CLUBS": _("Book clubs"),
        "BUSINESS": _("Business"),
        "COMEDY": _("Comedy"),
        "HEALTH": _("Health"),
        "AUTO_BOAT_AIR": _("Cars, boats and planes"),
        "FASHION_BEAUTY": _("Fashion and beauty"),
        "FILM_MEDIA": _("Film and media"),
        "LANGUAGE_CULTURE": _("Languages and cultures"),
        "LGBTQ": _("LGBTQ+"),
        "MOVEMENTS_POLITICS": _("Movements and politics"),
        "NETWORKING": _("Networking"),
        "PERFORMING_VISUAL_ARTS": _("Performing and visual arts"),
        "PETS": _("Pets"),
        "PHOTOGRAPHY": _("Photography"),
        "SPIRITUALITY_RELIGION_BELIEFS": _("Spirituality, religion and beliefs"),
        "SCIENCE_TECH": _("Science and technology"),
        "THEATRE": _("Theatre"),
    }


def event_category_options() -> list[tuple[str, str]]:
    known = event_category_labels()
    return list(known.items()) + [
        (c, c.replace("_", " ").capitalize()) for c in CATEGORIES if c not in known
    ]


def event_category_label(code: str) -> str:
    return event_category_labels().get(code, code.replace("_", " ").capitalize())


def moderation_action(action: str) -> str:
    return action_name(action)


def moderation_target(target_type: str, target_id: int) -> str:
    return target_name(target_type, target_id)


GLOBALS = {
    "role_label": role_label,
    "kind_label": kind_label,
    "event_category_label": event_category_label,
    "moderation_action": moderation_action,
    "moderation_target": moderation_target,
}
