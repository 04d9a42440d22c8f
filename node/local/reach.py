"""Who may read which item (`may_see`, `readable`), the reader's scope and languages.

Local items: `public` by anyone; `quarter`, `nearby` and `twins` by the verified residents of
their quarter (a claimed postcode proves nothing); `nearby` and `twins` also by those of the
quarters adjacent to it (node/local/adjacency.py); `twins` also by a signed fetch from a node
hosting a twin of the quarter. The reaches grow: quarter ⊂ nearby ⊂ twins ⊂ public. Remote items keep the Quarter stub of their origin quarter: `twins` items are seen by
the residents of the local quarters twinned with it, public ones by everyone. Moderators see their
quarter's items and what was reported to them, admins everything; hidden or withdrawn items only
their author and moderators. Feeds show visitors the quarter's own public items only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from node.i18n import _
from node.local import adjacency, geo, twins
from node.local.errors import BadQuery, DomainError, NotAllowed, NotFound
from node.local.events.models import Event
from node.local.listings.models import Listing, ListingPhoto
from node.local.models import Announcement, Comment, Quarter
from node.local.moderation.models import Report

SCOPES = ("quarter", "nearby", "twins", "all")
NEIGHBOURLY = ("nearby", "twins")  # local reaches that the adjacent quarters' residents see too


def parse_scope(value: str | None) -> str:
    value = (value or "all").strip()
    if value not in SCOPES:
        raise BadQuery(_("scope is quarter, nearby, twins or all."), {"scope": "choice"})
    return value


def parse_languages(value: str | None) -> tuple[str, ...]:
    """ "fr, de" → ("fr", "de"); empty means every language."""
    parts = [p.strip().lower()[:8] for p in (value or "").replace(";", ",").split(",")]
    return tuple(dict.fromkeys(p for p in parts if p))


def set_languages(resident_id: int, languages: tuple[str, ...]) -> tuple[str, ...]:
    """Store the languages a resident reads (empty: every language); returns what was kept."""
    from node.local.models import Resident

    kept: list[str] = []
    for code in languages:
        if len(",".join([*kept, code])) > 120:
            break
        kept.append(code)
    Resident.update(languages_seen=",".join(kept)).where(Resident.id == resident_id).execute()
    return tuple(kept)


def _twin_ids(quarter_id: int | None) -> Any:
    """twins.twin_quarter_ids as a subquery: the database answers it along with the list's
    rows, instead of one more round trip for every list a page shows (bench/sharing.py)."""
    twin = twins.Twin
    return twin.select(twin.remote_quarter).where(
        (twin.quarter == (quarter_id or 0))
        & (twin.state == "accepted")
        & twin.remote_quarter.is_null(False)
    )


def _adjacent_ids(quarter_id: int | None) -> Any:
    """adjacency.adjacent_ids as a subquery (see _twin_ids)."""
    link = adjacency.QuarterNeighbour
    return link.select(link.neighbour).where(link.quarter == (quarter_id or 0))


def visible(
    model: Any,
    quarter_id: int | None,
    scope: str = "all",
    languages: tuple[str, ...] = (),
    public_only: bool = False,
) -> Any:
    """A where-clause for Listing or Event rows a resident of `quarter_id` may see in `scope`."""
    mine = (model.quarter == (quarter_id or 0)) & model.external_ref.is_null()
    if public_only:
        return mine & (model.reach == "public")
    remote = model.external_ref.is_null(False)
    from_twins = remote & model.quarter.in_(_twin_ids(quarter_id))
    neighbours = (
        model.external_ref.is_null()
        & model.quarter.in_(_adjacent_ids(quarter_id))
        & model.reach.in_([*NEIGHBOURLY, "public"])
    )
    if scope == "quarter":
        clause = mine
    elif scope == "nearby":
        clause = mine | neighbours
    elif scope == "twins":
        clause = from_twins
    else:
        clause = mine | neighbours | from_twins | (remote & (model.reach == "public"))
    if languages:
        clause = clause & ((model.language == "") | model.language.in_(list(languages)))
    return clause


def origin_of(row: Any) -> dict[str, Any]:
    """Where a remote item comes from: its quarter's name, node host and country."""
    if not getattr(row, "external_ref", None):
        return {}
    quarter = Quarter.get_or_none(Quarter.id == row.quarter_id) if row.quarter_id else None
    return {
        "origin_quarter": quarter.name if quarter else "",
        "origin_country": quarter.country if quarter else "",
    }


def distance(resident: Any, row: Any) -> int | None:
    """Metres from the resident's (private) position to the item's coarse one, rounded to 100 m."""
    lat, lon = getattr(row, "lat", None), getattr(row, "lon", None)  # announcements have none
    if resident is None or None in (resident.lat, resident.lon, lat, lon):
        return None
    return int(round(geo.distance_m(resident.lat, resident.lon, lat, lon), -2))


# ---------------------------------------------------------------- who may read what
#
# One decision for every read path (pages, JSON API, ICS, Atom, GeoJSON, photos, comments,
# participants, ActivityPub fetches): `may_see` for one item, `readable` as the same rule in SQL
# for lists. A detail that is refused answers 404, never 403, so existence is not confirmed.


@dataclass(frozen=True)
class Viewer:
    """Who reads: a visitor, a resident of this node, or another node's signed fetch."""

    resident_id: int | None = None
    quarter_id: int | None = None
    role: str = ""
    verified: bool = False
    server: str = ""  # host of the node whose signed GET this is ("" for people)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_moderator(self) -> bool:
        return self.role == "moderator"

    @property
    def reads_quarter(self) -> bool:
        """Quarter-only items need a resident whose address was checked (or a moderator)."""
        return self.resident_id is not None and (self.verified or self.role in STAFF)


STAFF = ("moderator", "admin")
ANONYMOUS = Viewer()


def viewer_of(who: Any) -> Viewer:
    """A Viewer from a Resident (or None for a visitor); Viewers pass through."""
    if who is None:
        return ANONYMOUS
    if isinstance(who, Viewer):
        return who
    if getattr(who, "external_ref", None) is not None:
        # a remote person's stub never logs in here; they read what their node may read
        # (public items, and twins items of our quarters twinned with it): RSVPs of twins
        return server_viewer(who.host) if who.host else ANONYMOUS
    return Viewer(who.id, who.quarter_id, who.role, who.verified_at is not None)


def server_viewer(host: str) -> Viewer:
    """The viewer of a fetch signed by an actor of another node (its host, lower case)."""
    return Viewer(server=host.lower())


def _twin_hosts_of(quarter_id: int | None) -> set[str]:
    """Hosts of the remote quarters twinned (accepted) with a local quarter."""
    if quarter_id is None:
        return set()
    rows = twins.Twin.select(twins.Twin.actor_uri).where(
        (twins.Twin.quarter == quarter_id) & (twins.Twin.state == "accepted")
    )
    return {urlsplit(r.actor_uri).netloc.lower() for r in rows}


def _quarters_twinned_with_host(host: str) -> list[int]:
    rows = twins.Twin.select(twins.Twin.quarter, twins.Twin.actor_uri).where(
        twins.Twin.state == "accepted"
    )
    return sorted({r.quarter_id for r in rows if urlsplit(r.actor_uri).netloc.lower() == host})


def moderates(viewer: Viewer, quarter_id: int | None) -> bool:
    return viewer.is_admin or (
        viewer.is_moderator and quarter_id is not None and viewer.quarter_id == quarter_id
    )


def _reported_to(viewer: Viewer, kind: str, item_id: int) -> bool:
    """A moderator sees what was reported to their quarter (to decide on it)."""
    if not viewer.is_moderator or viewer.quarter_id is None:
        return False
    return (
        Report.select()
        .where(
            (Report.target_type == kind)
            & (Report.target_id == item_id)
            & (Report.quarter == viewer.quarter_id)
        )
        .exists()
    )


def _author_id(item: Any) -> int | None:
    return item.organiser_id if isinstance(item, Event) else item.author_id


def _removed(item: Any) -> bool:
    return bool(item.hidden) or (isinstance(item, Listing) and item.state == "withdrawn")


def reaches(item: Any, viewer: Viewer) -> bool:
    """The reach rule alone (quarter, twins, public) for a Listing, Event or Announcement."""
    if viewer.is_admin:
        return True
    local = item.external_ref is None
    if item.reach == "public":
        return True
    if viewer.server:  # another node: twins items of a quarter twinned with it, never more
        return local and item.reach == "twins" and viewer.server in _twin_hosts_of(item.quarter_id)
    if not viewer.reads_quarter or item.quarter_id is None:
        return False
    if local:  # my own quarter's items; nearby and twins ones of the quarters next to mine
        if item.quarter_id == viewer.quarter_id:
            return True
        return item.reach in NEIGHBOURLY and viewer.quarter_id in adjacency.adjacent_ids(
            item.quarter_id
        )
    # a remote twins item: addressed to the local quarters twinned with its origin quarter
    return item.reach == "twins" and item.quarter_id in twins.twin_quarter_ids(viewer.quarter_id)


def may_see(item: Any, who: Any) -> bool:
    """Whether `who` (a Resident, a Viewer or None) may read this listing, event, announcement,
    comment or listing photo. Hidden and withdrawn items: their author and moderators only."""
    viewer = viewer_of(who)
    if isinstance(item, ListingPhoto):
        listing = Listing.get_or_none(Listing.id == item.listing_id)
        return listing is not None and may_see(listing, viewer)
    if isinstance(item, Comment):
        model = Listing if item.target_type == "listing" else Event
        parent = model.get_or_none(model.id == item.target_id)
        if parent is None or not may_see(parent, viewer):
            return False
        if not item.hidden or moderates(viewer, parent.quarter_id):
            return True
        return viewer.resident_id is not None and viewer.resident_id == item.author_id
    kind = {Listing: "listing", Event: "event", Announcement: "announcement"}[type(item)]
    if viewer.resident_id is not None and viewer.resident_id == _author_id(item):
        return True
    if viewer.is_admin or moderates(viewer, item.quarter_id):
        return True
    if not _removed(item) and reaches(item, viewer):
        return True
    return _reported_to(viewer, kind, item.id)


def refusal(item: Any, who: Any, not_allowed: str, not_found: str) -> DomainError:
    """Why someone may not act on an item: 403 if they may read it, else 404 (never confirm
    that an item they may not read exists)."""
    return NotAllowed(not_allowed) if may_see(item, who) else NotFound(not_found)


def readable(model: Any, who: Any) -> Any:
    """`may_see` as a where-clause for lists of Listing, Event or Announcement rows (hidden and
    withdrawn rows are left to each list's own filter: lists never show them)."""
    viewer = viewer_of(who)
    public = model.reach == "public"
    if viewer.is_admin:
        return model.id.is_null(False)
    if viewer.server:
        quarters = _quarters_twinned_with_host(viewer.server)
        return public | (
            model.external_ref.is_null()
            & (model.reach == "twins")
            & model.quarter.in_(quarters or [0])
        )
    clause = public
    author = model.organiser if model is Event else model.author
    if viewer.resident_id is not None:
        clause = clause | (author == viewer.resident_id)
    if viewer.reads_quarter and viewer.quarter_id is not None:
        mine = model.external_ref.is_null() & (model.quarter == viewer.quarter_id)
        from_twins = (
            model.external_ref.is_null(False)
            & (model.reach == "twins")
            & model.quarter.in_(_twin_ids(viewer.quarter_id))
        )
        next_door = (
            model.external_ref.is_null()
            & model.reach.in_(list(NEIGHBOURLY))
            & model.quarter.in_(_adjacent_ids(viewer.quarter_id))
        )
        clause = clause | mine | next_door | from_twins
    return clause
