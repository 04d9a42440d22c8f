"""A resident's standing as shown on profiles and in the API: verification (ours or a twin's
signed attestation) and the thanks neighbours gave them (never stars)."""

from __future__ import annotations

from typing import Any

from node.activitypub import actors, residence
from node.i18n import _
from node.local import thanks
from node.local.models import Resident
from node.runtime import Node


async def verdict(node: Node, resident: Resident) -> residence.Verdict:
    """The verdict; a twin's key not fetched yet is fetched once, then the claim judged again."""
    found = await node.db.run(residence.verdict, node, resident)
    if not resident.is_local and found.reason in ("no_key", "bad_signature"):
        await actors.fetch_issuer_keys(node, resident.external_ref)
        found = await node.db.run(residence.verdict, node, resident)
    return found


def label(found: residence.Verdict) -> str:
    """ "Verified in Saint-Servan (FR)", or "" when not verified."""
    if not found.verified:
        return ""
    if found.country:
        return _(
            "Verified in %(quarter)s (%(country)s)", quarter=found.quarter, country=found.country
        )
    return _("Verified in %(quarter)s", quarter=found.quarter)


def verification_json(found: residence.Verdict) -> dict[str, Any]:
    return {
        "verified": found.verified,
        "verified_by": found.verified_by or None,
        "verified_since": found.since or None,
        "quarter": found.quarter or None,
        "country": found.country or None,
    }


def thanks_json(summary: thanks.Summary) -> dict[str, Any]:
    return {
        "count": summary.count,
        "latest": [
            {**item, "created_at": item["created_at"].isoformat() + "Z"} for item in summary.latest
        ],
    }
