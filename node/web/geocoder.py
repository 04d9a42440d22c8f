"""Optional geocoder client: an address to a position, through a Nominatim or Photon server.

`QUARTIER_GEOCODER_URL` is set by the node's admin (their own Nominatim or Photon, often on the same
host), so it is not behind the federation SSRF guard. Any failure means "no position": the resident is
then attached by postcode, or types the position in.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp

from node import __version__, tls

log = logging.getLogger("quartier.geocoder")

MAX_BYTES = 256 * 1024


def _point(lat: Any, lon: Any) -> tuple[float, float] | None:
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError, OverflowError):
        return None
    if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
        return None
    return lat_f, lon_f


def parse(payload: Any) -> tuple[float, float] | None:
    """The first result's (lat, lon) from a Nominatim list or a Photon FeatureCollection."""
    if isinstance(payload, list):  # Nominatim /search?format=json|jsonv2: lat/lon are strings
        first = payload[0] if payload else None
        if isinstance(first, dict):
            return _point(first.get("lat"), first.get("lon"))
        return None
    if isinstance(payload, dict):  # Photon /api and Nominatim format=geojson: [lon, lat]
        features = payload.get("features")
        if isinstance(features, list) and features and isinstance(features[0], dict):
            geometry = features[0].get("geometry")
            if isinstance(geometry, dict):
                coords = geometry.get("coordinates")
                if isinstance(coords, list) and len(coords) >= 2:
                    return _point(coords[1], coords[0])
    return None


def query_params(url: str, text: str, language: str) -> dict[str, str]:
    """Nominatim wants format=jsonv2 on /search; Photon (/api) takes q, limit and lang only."""
    params = {"q": text, "limit": "1"}
    if url.rstrip("/").endswith("/search"):
        params["format"] = "jsonv2"
        if language:
            params["accept-language"] = language
    elif language in {"en", "de", "fr", "it"}:  # the languages Photon serves
        params["lang"] = language
    return params


async def locate(
    url: str, text: str, language: str = "", timeout: float = 5.0
) -> tuple[float, float] | None:
    """The position of an address, or None (no geocoder, no result, or the geocoder failed)."""
    text = " ".join(text.split())
    if not url or not text:
        return None
    # Nominatim's usage policy asks for an identifying User-Agent.
    headers = {"User-Agent": f"Quartier/{__version__}", "Accept": "application/json"}
    tls.load_ca_store()  # aiohttp's default context, completed on first use (node.tls)
    try:
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=timeout), headers=headers
        ) as session:
            async with session.get(url, params=query_params(url, text, language)) as resp:
                if resp.status != 200:
                    log.warning("geocoder answered %s", resp.status)
                    return None
                body = await resp.content.read(MAX_BYTES + 1)
                if len(body) > MAX_BYTES:
                    log.warning("geocoder answer too large")
                    return None
        return parse(json.loads(body))
    except (aiohttp.ClientError, TimeoutError, ValueError, OSError) as exc:
        log.warning("geocoder failed: %s", exc)
        return None
