"""Public pages of actors (residents, quarters, organisations) by handle, and uploaded media."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from aiohttp import web

from node.appkeys import node_key
from node.i18n import _
from node.local import organisations, reach, thanks
from node.local.accounts.profile import media_dir
from node.local.errors import NotFound
from node.local.events.models import Event
from node.local.listings.models import Listing
from node.local.models import Announcement, Organisation, Quarter, Resident, utcnow
from node.local.moderation.models import Block
from node.web import standing
from node.web.guards import current
from node.web.render import render

MEDIA_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


def _resident(handle: str) -> Resident | None:
    """A local resident by username, or a remote one by `username@host` (as in their handle)."""
    username, _sep, host = handle.partition("@")
    return Resident.get_or_none(
        (Resident.username == username) & (Resident.host == host) & Resident.deleted_at.is_null()
    )


def _recent_public(quarter_id: int) -> dict[str, list]:
    """The quarter's latest public listings and upcoming public events (what visitors may see)."""
    listings = (
        Listing.select()
        .where(
            (Listing.quarter == quarter_id)
            & (Listing.reach == "public")
            & (Listing.state == "open")
            & (Listing.hidden == False)  # noqa: E712 - peewee expression
        )
        .order_by(Listing.created_at.desc(), Listing.id.desc())
        .limit(8)
    )
    events = (
        Event.select()
        .where(
            (Event.quarter == quarter_id)
            & (Event.reach == "public")
            & (Event.status != "cancelled")
            & (Event.hidden == False)  # noqa: E712 - peewee expression
            & (Event.ends_at > utcnow())
        )
        .order_by(Event.starts_at)
        .limit(5)
    )
    return {"recent_listings": list(listings), "upcoming_events": list(events)}


def _actor(handle: str, viewer: Resident | None) -> tuple[str, dict] | None:
    resident = _resident(handle)
    if resident is not None:
        quarter = (
            Quarter.get_or_none(Quarter.id == resident.quarter_id) if resident.quarter_id else None
        )
        other = viewer is not None and viewer.id != resident.id
        blocked = (
            other
            and Block.select()
            .where((Block.blocker == viewer.id) & (Block.blocked == resident.id))
            .exists()
        )
        return "residents/profile.html", {
            "resident": resident,
            "quarter": quarter,
            "organisations": organisations.managed_by(resident.id) if resident.is_local else [],
            "can_act": other,
            "blocked": blocked,
        }
    quarter = Quarter.get_or_none((Quarter.slug == handle) & Quarter.external_ref.is_null())
    if quarter is not None:
        count = (
            Resident.select()
            .where((Resident.quarter == quarter.id) & Resident.deleted_at.is_null())
            .count()
        )
        orgs = list(Organisation.select().where(Organisation.quarter == quarter.id))
        return "residents/quarter.html", {
            "quarter": quarter,
            "resident_count": count,
            "organisations": orgs,
            **_recent_public(quarter.id),
        }
    org = Organisation.get_or_none(Organisation.handle == handle)
    if org is not None:
        quarter = Quarter.get_or_none(Quarter.id == org.quarter_id) if org.quarter_id else None
        news = (
            Announcement.select()
            .where(
                (Announcement.organisation == org.id)
                & (Announcement.hidden == False)  # noqa: E712 - peewee expression
                & reach.readable(Announcement, viewer)
            )
            .order_by(Announcement.created_at.desc(), Announcement.id.desc())
            .limit(20)
        )
        return "residents/organisation.html", {
            "organisation": org,
            "quarter": quarter,
            "members": organisations.members(org.id),
            "announcements": list(news),
        }
    return None


async def actor_page(request: web.Request) -> web.Response:
    """GET /@{handle}: a resident's profile, a quarter's or an organisation's page (never an address)."""
    node = request.app[node_key]
    found = await node.db.run(_actor, request.match_info["handle"].lower(), current(request))
    if found is None:
        raise NotFound(_("No resident, quarter or organisation has this name."))
    template, data = found
    if "resident" in data:
        data["verdict"] = await standing.verdict(node, data["resident"])
        data["verified_label"] = standing.label(data["verdict"])
        since = data["verdict"].since
        data["verified_since"] = dt.date.fromisoformat(since) if since[:1].isdigit() else None
        data["thanks"] = await node.db.run(thanks.summary, data["resident"].id)
    return render(request, template, **data)


async def media(request: web.Request) -> web.StreamResponse:
    """Uploaded images (avatars, photos); documents are never here."""
    node = request.app[node_key]
    root = media_dir(node.settings).resolve()
    path = (root / request.match_info["path"]).resolve()
    kind = MEDIA_TYPES.get(path.suffix.lower())
    if kind is None or not path.is_relative_to(root) or not path.is_file():
        raise web.HTTPNotFound()
    if path.is_relative_to(root / "listings"):
        raise web.HTTPNotFound()  # listing photos go through /media/listings/ (reach checked)
    return web.Response(
        body=Path(path).read_bytes(),
        headers={
            "Content-Type": kind,
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
            "Cache-Control": "public, max-age=86400",
        },
    )


ROUTES = [
    ("GET", "/media/{path:.+}", media, "media"),
]
