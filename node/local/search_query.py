"""What a search asks besides its words: a circle (near=LAT,LON&radius=METRES) and category labels
named in any shipped language ("Bricolage", "Heimwerken" → diy). Bad values are refused (400)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from node.i18n import LANGUAGES, _, using
from node.local.errors import BadQuery
from node.local.listings import categories
from node.local.shelves.vocabulary import CONCEPTS
from node.local.shelves.words import FUNCTION_WORDS, analyse, fold, tokens

DEFAULT_RADIUS_M = 1000
MAX_RADIUS_M = 100_000
METRES_PER_DEGREE = 111_320.0
PREFIX_MIN = 4  # "Brico" finds "Bricolage": a label word found by its first letters


@dataclass(frozen=True)
class Circle:
    lat: float
    lon: float
    radius_m: float


def parse_near(near: str | None, radius: str | None) -> Circle | None:
    """near=LAT,LON with radius=METRES (default 1 km); None when neither is given."""
    if near in (None, ""):
        if radius not in (None, ""):
            raise BadQuery(_("radius needs near=LAT,LON."), {"radius": "needs near"})
        return None
    message = _("near is LAT,LON in degrees, for example near=48.6493,-2.0257.")
    parts = str(near).split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise BadQuery(message, {"near": "format"}) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadQuery(message, {"near": "range"})
    metres = DEFAULT_RADIUS_M
    if radius not in (None, ""):
        wrong = _("radius is a number of metres between 1 and %(max)d.", max=MAX_RADIUS_M)
        try:
            metres = float(str(radius))
        except ValueError:
            raise BadQuery(wrong, {"radius": "format"}) from None
        if not (math.isfinite(metres) and 1 <= metres <= MAX_RADIUS_M):
            raise BadQuery(wrong, {"radius": "range"})
    return Circle(lat, lon, metres)


def within(model: Any, circle: Circle) -> Any:
    """A where-clause: the row's (coarse) position lies in the circle. A bounding box the indexes
    can use, then the equirectangular distance, exact enough at a quarter's scale."""
    dlat = circle.radius_m / METRES_PER_DEGREE
    scale = max(math.cos(math.radians(circle.lat)), 0.01)
    dlon = circle.radius_m / (METRES_PER_DEGREE * scale)
    north_south = (model.lat - circle.lat) * METRES_PER_DEGREE
    east_west = (model.lon - circle.lon) * (METRES_PER_DEGREE * scale)
    return (
        model.lat.is_null(False)
        & model.lon.is_null(False)
        & model.lat.between(circle.lat - dlat, circle.lat + dlat)
        & model.lon.between(circle.lon - dlon, circle.lon + dlon)
        & ((north_south * north_south + east_west * east_west) <= circle.radius_m**2)
    )


def _label_words(label: str) -> set[str]:
    return {fold(w) for w in tokens(label) if len(w) >= 3 and w not in FUNCTION_WORDS}


def label_index(raw: list[tuple[str, str]], languages: tuple[str, ...] = ()) -> dict[str, set[str]]:
    """{folded label word: category slugs} over the labels in every shipped language."""
    index: dict[str, set[str]] = {}
    for language in languages or ("en", *LANGUAGES):
        with using(language):
            for slug, custom in raw:
                for word in _label_words(categories.label(slug, custom)) | {slug}:
                    index.setdefault(word, set()).add(slug)
    return index


def categories_named(word: str, index: dict[str, set[str]]) -> set[str]:
    """Categories whose label (in any shipped language) has this word, or starts with it."""
    word = fold(word)
    found = set(index.get(word, set()))
    if len(word) >= PREFIX_MIN:
        for label_word, slugs in index.items():
            if label_word.startswith(word):
                found |= slugs
    return found


def same_object(query: str) -> list[str]:
    """The words for the objects a query names, in every shipped language ("Leiter" → échelle,
    escabeau, ladder, scala, …): a listing written in another language is found too."""
    found: list[str] = []
    for concept in sorted(analyse(query, "", "").concepts):
        for entries in CONCEPTS[concept][1].values():
            found += [e.lower() for e in entries]
    return list(dict.fromkeys(found))
