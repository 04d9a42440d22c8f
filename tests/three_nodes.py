"""Three real nodes on loopback (French, German, Italian quarters) for the cross-border tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ap_support import start_node
from helpers import make_quarter, make_resident, make_token

from node import following
from node.commit import commit
from node.local import twins
from node.local.listings import drafts as listing_drafts
from node.local.listings import write as listings

QUARTERS = {
    "fr": ("saint_servan", "Saint-Servan", "35400", "FR", "fr", 48.636, -2.017),
    "de": ("burtscheid", "Burtscheid", "52066", "DE", "de", 50.764, 6.094),
    "it": ("trastevere", "Trastevere", "00153", "IT", "it", 41.889, 12.470),
}


@dataclass
class Site:
    node: Any
    runner: Any
    quarter: Any
    moderator: Any
    resident: Any
    token: str

    @property
    def handle(self) -> str:
        return f"@{self.quarter.slug}@{self.node.urls.host}"


async def start_site(make_settings, code: str, **overrides) -> Site:
    slug, name, postcode, country, lang, lat, lon = QUARTERS[code]
    node, runner = await start_node(make_settings, code, node_country=country, **overrides)
    quarter = await make_quarter(
        node, slug, name, postcodes=(postcode,), country=country, language=lang
    )
    from node.local.models import Quarter

    await node.db.atomic(
        lambda: (
            Quarter.update(center_lat=lat, center_lon=lon).where(Quarter.id == quarter.id).execute()
        )
    )
    moderator = await make_resident(
        node, f"mod_{code}", quarter=slug, role="moderator", language=lang
    )
    resident = await make_resident(node, f"resident_{code}", quarter=slug, language=lang)
    token = await make_token(node, moderator.id)
    return Site(node, runner, quarter, moderator, resident, token)


async def settle(*sites, rounds: int = 8) -> None:
    """Run every node's background steps until none of them has anything left to do."""
    for _ in range(rounds):
        if not sum([await s.node.drain() for s in sites]):
            return


async def twin(a: Site, b: Site, accept: bool = True, *others: Site) -> None:
    """a asks b; b's moderator decides; everything settles."""

    await following.request_twin(a.node, a.moderator.id, a.quarter.slug, b.handle)
    await settle(a, b, *others)
    asked = await b.node.db.run(lambda: twins.Twin.get(twins.Twin.direction == "incoming"))
    await commit(b.node, twins.decide, b.moderator.id, asked.id, accept)
    await settle(a, b, *others)


async def publish(site: Site, title: str, reach: str, **fields) -> Any:
    data = {
        "kind": "offer",
        "type": "loan",
        "title": title,
        "description": "Bien entretenu.",
        "reach": reach,
    }
    data.update(fields)
    draft = listing_drafts.ListingDraft.parse(data)
    return await commit(site.node, listings.publish, site.resident.id, draft)


async def logged_in_session(site, username: str, password: str = "correct horse"):
    """An aiohttp session logged in on a served node (cookies on 127.0.0.1 need an unsafe jar)."""
    import aiohttp
    from helpers import CSRF

    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.get(site.node.urls.base + "/login") as resp:
        token = CSRF.search(await resp.text()).group(1)
    form = {"login": username, "password": password, "csrf_token": token}
    async with session.post(
        site.node.urls.base + "/login", data=form, allow_redirects=False
    ) as resp:
        assert resp.status == 303
    return session
