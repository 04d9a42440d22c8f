"""Pure geometry: distances, point in a quarter's polygon, coarse positions for privacy."""

from __future__ import annotations

import json
import math
from typing import Any

EARTH_RADIUS_M = 6_371_000.0
COARSE_GRID_M = 150.0  # a resident's position is snapped to this grid before it leaves the server


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def coarsen(lat: float, lon: float, grid_m: float = COARSE_GRID_M) -> tuple[float, float]:
    """Snap a point to the centre of its grid cell (~grid_m a side), so a home is never pinpointed."""
    step_lat = grid_m / 111_320.0
    snapped_lat = (math.floor(lat / step_lat) + 0.5) * step_lat
    step_lon = grid_m / (111_320.0 * max(math.cos(math.radians(snapped_lat)), 0.01))
    snapped_lon = (math.floor(lon / step_lon) + 0.5) * step_lon
    return round(snapped_lat, 6), round(snapped_lon, 6)


def parse_geometry(text: str | dict[str, Any]) -> dict[str, Any]:
    """Accept a GeoJSON geometry, Feature or FeatureCollection; return a (Multi)Polygon geometry."""
    data = json.loads(text) if isinstance(text, str) else text
    if not isinstance(data, dict):
        raise ValueError("GeoJSON must be an object")
    kind = data.get("type")
    if kind == "FeatureCollection":
        polygons: list[Any] = []
        for feature in data.get("features") or []:
            geometry = parse_geometry(feature)
            if geometry["type"] == "Polygon":
                polygons.append(geometry["coordinates"])
            else:
                polygons.extend(geometry["coordinates"])
        if not polygons:
            raise ValueError("GeoJSON FeatureCollection has no polygon")
        return {"type": "MultiPolygon", "coordinates": polygons}
    if kind == "Feature":
        return parse_geometry(data.get("geometry") or {})
    if kind in {"Polygon", "MultiPolygon"}:
        coords = data.get("coordinates")
        if not isinstance(coords, list) or not coords:
            raise ValueError("GeoJSON polygon has no coordinates")
        return {"type": kind, "coordinates": coords}
    raise ValueError(f"GeoJSON type {kind!r} is not a polygon")


def _in_ring(lat: float, lon: float, ring: list[list[float]]) -> bool:
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i][0], ring[i][1]
        x2, y2 = ring[(i + 1) % n][0], ring[(i + 1) % n][1]
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


def _in_polygon(lat: float, lon: float, rings: list[Any]) -> bool:
    # GeoJSON: first ring is the outline, the others are holes; coordinates are [lon, lat]
    if not rings or not _in_ring(lat, lon, rings[0]):
        return False
    return not any(_in_ring(lat, lon, hole) for hole in rings[1:])


def contains(geometry: dict[str, Any], lat: float, lon: float) -> bool:
    if geometry["type"] == "Polygon":
        return _in_polygon(lat, lon, geometry["coordinates"])
    return any(_in_polygon(lat, lon, poly) for poly in geometry["coordinates"])


def centroid(geometry: dict[str, Any]) -> tuple[float, float]:
    """Mean of the outline's vertices: good enough to centre a map on a quarter."""
    ring = (
        geometry["coordinates"][0]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"][0][0]
    )
    lats = [p[1] for p in ring]
    lons = [p[0] for p in ring]
    return sum(lats) / len(lats), sum(lons) / len(lons)


def bbox(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, min_lon, max_lat, max_lon) around a point."""
    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lon - dlon, lat + dlat, lon + dlon
