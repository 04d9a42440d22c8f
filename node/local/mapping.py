"""Map markers (pure): items that share a point spread around it, clusters by zoom, compact GeoJSON.

Listings sit on the centre of a ~150 m cell (geo.coarsen) and many events share a venue, so
several items often have the very same point: drawn as they are, they make one marker that
hides the others. `spread` places them on a small sunflower spiral around that point (the first
one stays on it), in the order of their ids, so the layout never depends on anything private
and is the same on every load. `cluster` groups the markers that would overlap at the reader's
zoom level (within CLUSTER_PX screen pixels in Web Mercator, as Leaflet draws it) into one
marker with a count; from DETAIL_ZOOM on, every item is its own marker.

`collection` writes the answer of /map.geojson. Its default, compact form is still GeoJSON
(RFC 7946) but holds one MultiPoint feature per kind, with the ids and titles of its points in
the same order, instead of one Feature per item: a Feature's own envelope costs ~75 bytes, more
than the marker's data, so 500 markers weighed ~76 kB that way and ~30 kB this way
(bench/sharing.py). Clusters stay one Point feature each (there are a few dozen at most). The
form "features" (one Point Feature per item, full titles) is kept for GIS tools.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from node.i18n import _
from node.local.errors import Invalid
from node.local.geo import COARSE_GRID_M

CLUSTER_PX = 60  # markers closer than this on screen (pixels) share a cluster
DETAIL_ZOOM = 18  # street level (~0.4 m a pixel): spread items stand apart, no clusters
MAX_ZOOM = 19
SPREAD_STEP_M = 10.0  # distance between neighbours on the spiral (a marker is ~10 m wide at z18)
SPREAD_RADIUS_M = COARSE_GRID_M * 0.4  # a spread group stays inside its cell
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
# ~1 m. Never more: listings are 150 m cells (geo.coarsen) and their markers are spread a few
# metres apart around the cell's centre by their ids only, so the digits say nothing of a home;
# fewer (4 digits: ~11 m) would put the spread markers of a busy cell on top of each other at
# street zoom. Event venues are public and exact to a metre.
DIGITS = 5
TITLE_CHARS = 60  # a marker's tooltip and popup; the whole title is on the item's page
FORMS = ("compact", "features")


class Marker(NamedTuple):  # a tuple: a frozen dataclass cost ~1 µs more per marker to build
    kind: str  # listing | event
    id: int
    title: str
    lat: float
    lon: float


def spread(markers: Iterable[Marker]) -> list[Marker]:
    """The markers, those sharing a point moved onto a spiral around it (the first stays)."""
    groups: dict[tuple[float, float], list[Marker]] = {}
    for marker in markers:
        key = (round(marker.lat, DIGITS), round(marker.lon, DIGITS))
        group = groups.get(key)
        if group is None:
            groups[key] = [marker]
        else:
            group.append(marker)
    out: list[Marker] = []
    for (lat, lon), group in groups.items():
        if len(group) == 1:
            out.append(group[0])
            continue
        group.sort(key=lambda m: (m.kind, m.id))
        step = min(SPREAD_STEP_M, SPREAD_RADIUS_M / math.sqrt(len(group) - 1))
        metres_per_lon = 111_320.0 * max(math.cos(math.radians(lat)), 0.01)
        for k, marker in enumerate(group):
            r, angle = step * math.sqrt(k), k * GOLDEN_ANGLE
            out.append(
                Marker(
                    marker.kind,
                    marker.id,
                    marker.title,
                    lat + r * math.sin(angle) / 111_320.0,
                    lon + r * math.cos(angle) / metres_per_lon,
                )
            )
    return out


def _pixels(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel coordinates at `zoom` (256-pixel tiles), as Leaflet computes them."""
    scale = 256 * 2**zoom
    lat = max(min(lat, 85.05112878), -85.05112878)
    sin = math.sin(math.radians(lat))
    x = (lon + 180.0) / 360.0 * scale
    y = (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * scale
    return x, y


class Cluster(NamedTuple):
    count: int
    lat: float
    lon: float
    bbox: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


def cluster(markers: list[Marker], zoom: int) -> list[Marker | Cluster]:
    """Markers that would overlap at `zoom` as clusters (count, centre, bbox); others as they are.

    Greedy, as Leaflet.markercluster does it: in id order, a marker not yet taken gathers every
    free marker within CLUSTER_PX screen pixels of it (a grid of that size finds them fast).
    """
    if zoom >= DETAIL_ZOOM:
        return list(markers)
    # positions by index in plain lists, squared distances: the map answer's hot loop (~1,000
    # markers at every move of the map; bench/sharing.py profiled it at 5 ms with dicts by id())
    # (_pixels inlined: it was a fifth of the answer's time)
    scale = 256 * 2**zoom
    four_pi = 4 * math.pi
    limit, sin, radians, log = 85.05112878, math.sin, math.radians, math.log
    xs: list[float] = []
    ys: list[float] = []
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, marker in enumerate(markers):
        lat = marker.lat
        s = sin(radians(limit if lat > limit else -limit if lat < -limit else lat))
        x = (marker.lon + 180.0) / 360.0 * scale
        y = (0.5 - log((1 + s) / (1 - s)) / four_pi) * scale
        xs.append(x)
        ys.append(y)
        grid[int(x // CLUSTER_PX), int(y // CLUSTER_PX)].append(index)
    taken = [False] * len(markers)
    reach = CLUSTER_PX * CLUSTER_PX
    out: list[Marker | Cluster] = []
    order = sorted(range(len(markers)), key=lambda i: (markers[i].kind, markers[i].id))
    for s in order:
        if taken[s]:
            continue
        seed, x, y = markers[s], xs[s], ys[s]
        cx, cy = int(x // CLUSTER_PX), int(y // CLUSTER_PX)
        group = []
        for gx in (cx - 1, cx, cx + 1):
            for gy in (cy - 1, cy, cy + 1):
                for other in grid.get((gx, gy), ()):
                    dx, dy = xs[other] - x, ys[other] - y
                    if not taken[other] and dx * dx + dy * dy <= reach:
                        taken[other] = True
                        group.append(markers[other])
        if len(group) == 1:
            out.append(seed)
            continue
        lats, lons = [m.lat for m in group], [m.lon for m in group]
        out.append(
            Cluster(
                len(group),
                sum(lats) / len(lats),
                sum(lons) / len(lons),
                (min(lons), min(lats), max(lons), max(lats)),
            )
        )
    return out


def _point(lat: float, lon: float) -> dict:
    return {"type": "Point", "coordinates": [round(lon, DIGITS), round(lat, DIGITS)]}


def feature(item: Marker | Cluster) -> dict:
    """One GeoJSON Feature with only what a marker needs (the page of an item is /{kind}s/{id})."""
    if isinstance(item, Cluster):
        properties = {
            "type": "cluster",
            "count": item.count,
            "bbox": [round(v, DIGITS) for v in item.bbox],
        }
    else:
        properties = {"type": item.kind, "id": item.id, "title": item.title}
    return {"type": "Feature", "geometry": _point(item.lat, item.lon), "properties": properties}


def short_title(title: str) -> str:
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "…"


def collection(items: list[Marker | Cluster], form: str = "compact") -> dict:
    """The FeatureCollection of these markers and clusters, compact (the map page's) or one
    Feature per item ("features")."""
    if form == "features":
        return {"type": "FeatureCollection", "features": [feature(i) for i in items]}
    features = [feature(i) for i in items if isinstance(i, Cluster)]
    for kind in ("listing", "event"):
        group = [i for i in items if isinstance(i, Marker) and i.kind == kind]
        if not group:
            continue
        coordinates = [[round(m.lon, DIGITS), round(m.lat, DIGITS)] for m in group]
        properties = {
            "type": kind,
            "ids": [m.id for m in group],
            "titles": [short_title(m.title) for m in group],
        }
        geometry = {"type": "MultiPoint", "coordinates": coordinates}
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def parse_form(value: str | None) -> str:
    """?form=compact (the default) or features; Invalid (422) otherwise."""
    value = (value or "compact").strip()
    if value not in FORMS:
        message = _("form is compact or features.")
        raise Invalid(message, {"form": message})
    return value


def parse_zoom(value: str | None) -> int | None:
    """?zoom=0..19 (Leaflet's zoom level): None when absent, Invalid (422) when malformed."""
    if value is None or value == "":
        return None
    if not re.fullmatch(r"[0-9]{1,2}", value.strip()) or int(value.strip()) > MAX_ZOOM:
        message = _("zoom is a whole number from 0 to %(max)d.", max=MAX_ZOOM)
        raise Invalid(message, {"zoom": message})
    return int(value.strip())
