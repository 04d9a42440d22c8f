"""Factories for the social tests: listings written directly (publishing belongs to listings.py)."""

from __future__ import annotations

import datetime as dt

from helpers import make_token

from node.local.listings.models import Listing
from node.local.models import Organisation, OrganisationMember, utcnow


async def make_listing(node, author, title="Drill to lend", **fields):
    """A Listing row as the listings area would publish it (coarse position, open)."""
    values = {
        "author": author.id,
        "quarter": author.quarter_id,
        "kind": "offer",
        "type": "loan",
        "title": title,
        "description": fields.pop("description", "A good drill"),
        "category": "diy",
        "reach": "quarter",
    }
    values.update(fields)
    return await node.db.run(lambda: Listing.create(**values))


async def make_organisation(node, manager, handle="asso", name="Neighbours' Association"):
    def work():
        org = Organisation.create(handle=handle, name=name, quarter=manager.quarter_id)
        OrganisationMember.create(organisation=org.id, resident=manager.id)
        return org

    return await node.db.run(work)


def event_body(**over):
    start = utcnow() + dt.timedelta(days=7)
    body = {
        "title": "Street party",
        "description": "Bring a dish",
        "start": start.strftime("%Y-%m-%dT18:00"),
        "end": start.strftime("%Y-%m-%dT23:00"),
        "timezone": "Europe/Paris",
        "place": "Rue des Lilas",
        "capacity": 0,
        "join_mode": "free",
    }
    body.update(over)
    return body


async def bearer(node, resident):
    return {"Authorization": f"Bearer {await make_token(node, resident.id)}"}
