"""The quarter's map: the markers of the feed's items in a box, and its answers kept in memory
until something they show changes.

A map answer (/map.geojson) reads ~1,000 rows and spreads and clusters them: ~7 ms of Python
at 10,000 listings, for every reader at every move of the map. `answer` keeps the GeoJSON
bytes in a small per-process cache (MapCache) keyed by everything the answer depends on: the
quarter, the whole feed filter (its reader included, so one reader's answer is never another's:
who may see quarter-only, twins and own items differs by reader), the box, the zoom, the cap and
the form. An answer is served again only while

- the database's change counter (`map_generation`, kept by triggers on listing, event,
  quarter_neighbour and twin: migration 0132) is the one read before the answer was made, so
  any write by any process (a new listing, a hidden or withdrawn one, a new neighbour) makes
  every reader's next answer fresh; and
- the first of its items to leave the map by itself (a listing's expiry, an event's end) has
  not left yet.

The counter is read first and the rows after it, and commits with the rows it counts, so an
answer is never kept under a newer counter than its rows.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Any

import orjson

from node.i18n import _
from node.local import feed, geo, mapping
from node.local.errors import Invalid
from node.local.events.models import Event
from node.local.listings.models import Listing

MAP_CAP = 500  # markers per GeoJSON answer: beyond that the reader zooms in
CACHE_SIZE = 128  # answers kept per process (~25-50 kB each: ~3-6 MB at most)


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """?bbox=min_lon,min_lat,max_lon,max_lat (Leaflet's toBBoxString order)."""
    if not value:
        return None
    try:
        parts = [float(p) for p in value.split(",")]
        if len(parts) != 4:
            raise ValueError
    except ValueError:
        raise Invalid(_("bbox is min_lon,min_lat,max_lon,max_lat."), {"bbox": "format"}) from None
    return parts[0], parts[1], parts[2], parts[3]


def map_markers_until(
    quarter_id: int,
    filters: feed.FeedFilter,
    now: dt.datetime,
    bbox: tuple[float, float, float, float] | None = None,
    cap: int = MAP_CAP,
    zoom: int | None = None,
) -> tuple[list[mapping.Marker | mapping.Cluster], dt.datetime | None]:
    """The markers of the feed's listings and events that have a position (mapping.collection
    makes the GeoJSON of them), and the time the first of them leaves the map by itself (a
    listing's expiry, an event's end; None: never): until then, and until a row changes, the
    answer holds (MapCache). Only time takes items away: none comes back with it.

    Listing positions are coarse already; they are coarsened again here, so even a listing that
    slipped in with an exact point never reveals a home. Event venues are public and stay exact.
    Items sharing a point are spread around it; with `zoom` (what the map page sends), markers
    that would overlap at that zoom come as clusters (node/local/mapping.py). A marker holds
    only what the map needs: kind, id, title (the item's page is /{kind}s/{id}), position.
    """
    markers: list[mapping.Marker] = []
    until: dt.datetime | None = None
    sources = (
        (
            "listing",
            Listing,
            Listing.expires_at,
            lambda: feed.listing_query(quarter_id, filters, now),
        ),
        ("event", Event, Event.ends_at, lambda: feed.event_query(quarter_id, filters, now)),
    )
    for kind, model, ends, make in sources:
        if not filters.wants(kind):
            continue
        # only the columns a marker needs, as tuples: this answer can hold hundreds of rows
        query = make().select(model.id, model.title, model.lat, model.lon, ends)
        query = query.where(model.lat.is_null(False) & model.lon.is_null(False))
        if bbox is not None:
            min_lon, min_lat, max_lon, max_lat = bbox
            query = query.where(
                model.lat.between(min_lat, max_lat) & model.lon.between(min_lon, max_lon)
            )
        query = query.order_by(model.created_at.desc(), model.id.desc()).limit(cap)
        # the driver's rows as they come (int, str, float, float, time): peewee's row wrappers
        # cost ~10 µs a row, a third of this answer at 1,000 markers (py-spy, bench/sharing.py)
        rows = model._meta.database.execute(query).fetchall()
        if kind == "listing":
            coarsen = geo.coarsen
            for row_id, title, lat, lon, _ in rows:
                markers.append(mapping.Marker(kind, row_id, title, *coarsen(lat, lon)))
        else:
            markers.extend(mapping.Marker(kind, *row[:4]) for row in rows)
        first = min((row[4] for row in rows if row[4] is not None), default=None, key=_time_order)
        if first is not None:
            first = ends.python_value(first)
            until = first if until is None else min(until, first)
    markers = mapping.spread(markers)
    return (mapping.cluster(markers, zoom) if zoom is not None else markers), until


def _time_order(value: Any) -> Any:
    # SQLite hands times over as text ("2026-12-02 10:00:00.5"), which sorts as the times do
    # once an ISO "T" is read as the space peewee writes
    return value.replace("T", " ") if isinstance(value, str) else value


def generation() -> int:
    """The change counter of what maps show (migration 0132)."""
    row = Listing._meta.database.execute_sql("SELECT n FROM map_generation WHERE id = 1").fetchone()
    return int(row[0])


class MapCache:
    """Map answers by key, each with the counter it was made under and the time it ends; the
    least recently used go first. Shared by the database threads of one node."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[Any, tuple[int, dt.datetime | None, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, generation: int, now: dt.datetime) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            made_under, until, body = entry
            if made_under != generation or (until is not None and until <= now):
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return body

    def put(self, key: Any, generation: int, until: dt.datetime | None, body: bytes) -> None:
        with self._lock:
            self._entries[key] = (generation, until, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def answer(
    cache: MapCache,
    quarter_id: int,
    filters: feed.FeedFilter,
    now: dt.datetime,
    bbox: tuple[float, float, float, float] | None,
    zoom: int | None,
    form: str,
    cap: int = MAP_CAP,
) -> bytes:
    """The GeoJSON of map_markers_until (mapping.collection), from the cache while it holds."""
    key = (quarter_id, filters, bbox, zoom, form, cap)
    counter = generation()  # before the rows: see the module's docstring
    body = cache.get(key, counter, now)
    if body is None:
        items, until = map_markers_until(quarter_id, filters, now, bbox, cap, zoom)
        body = orjson.dumps(mapping.collection(items, form))
        cache.put(key, counter, until, body)
    return body
