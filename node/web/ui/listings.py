"""Listing pages: index with filters and search, new, detail, edit, author actions, photos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

from node import imaging
from node.activitypub import fetches
from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import comments, images, inputs, reach
from node.local.errors import Invalid, NotFound, Stale
from node.local.listings import categories, search
from node.local.listings import drafts as listing_drafts
from node.local.listings import photos as listing_photos
from node.local.listings import read as listing_reads
from node.local.listings import write as listings
from node.local.listings.models import LISTING_KINDS, LISTING_TYPES, Listing, ListingPhoto
from node.local.loans import read as loan_reads
from node.local.models import Resident
from node.local.shelves import matching as shelf_matching
from node.web.guards import current, require_resident, require_verified
from node.web.render import redirect, render

PAGE = 24


def kind_labels() -> dict[str, str]:
    return {"offer": _("Offer"), "request": _("Request")}


def type_labels() -> dict[str, str]:
    return {"service": _("Service"), "gift": _("Gift"), "loan": _("Loan"), "paid": _("Paid")}


def state_labels() -> dict[str, str]:
    return {
        "open": _("Open"),
        "reserved": _("Reserved"),
        "done": _("Done"),
        "withdrawn": _("Withdrawn"),
        "expired": _("Expired"),
    }


def unit_labels() -> dict[str, str]:
    return {"hour": _("per hour"), "day": _("per day"), "once": _("once")}


def reach_labels() -> dict[str, str]:
    return {
        "quarter": _("My quarter only"),
        "nearby": _("My quarter and the quarters next to it"),
        "twins": _("My quarter, the quarters next to it and its twin quarters"),
        "public": _("Everyone"),
    }


def labels() -> dict[str, Any]:
    """Translated names for templates (built in the reader's language)."""
    return {
        "kinds": kind_labels(),
        "types": type_labels(),
        "states": state_labels(),
        "units": unit_labels(),
        "reaches": reach_labels(),
        "loan_states": {state: _(label) for state, label in loan_reads.STATE_LABELS.items()},
    }


def _id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise NotFound(_("No such listing.")) from None


def folder(request: web.Request) -> Path:
    return listing_photos.media_dir(request.app[node_key].settings.data_dir)


def _uploads(form: Any) -> list[tuple[bytes, str]]:
    """(bytes, alt text) of each chosen photo; alt texts are one line each, in the same order."""
    alts = str(form.get("photo_alts") or "").splitlines()
    files = []
    for item in form.getall("photos", []):
        if hasattr(item, "file") and getattr(item, "filename", ""):
            data = item.file.read()
            if data:
                files.append(data)
    return [(data, alts[i].strip() if i < len(alts) else "") for i, data in enumerate(files)]


def kept_photos(request: web.Request, photos: list[tuple[bytes, str]]):
    """The photos checked (header: type, size, pixels), decoded and written on the image threads,
    before any transaction; their files go again if the block that records them fails."""
    if len(photos) > listing_photos.MAX_PHOTOS:
        message = _("A listing has at most %(n)d photos.", n=listing_photos.MAX_PHOTOS)
        raise Invalid(message, {"photo": message})
    node = request.app[node_key]
    datas = [data for data, _alt in photos]
    return imaging.kept(node, datas, folder(request), listing_photos.SIDES, "photo")


def _publish_with_photos(tx, resident_id, draft, photos, shelf=False):
    """One transaction: the listing and its photos (already on disk), so nothing half-made stays."""
    publish = listings.put_on_shelf if shelf else listings.publish
    listing = publish(tx, resident_id, draft)
    _add_photos(tx, resident_id, listing.id, photos)
    return listing


def _add_photos(tx, resident_id, listing_id, photos):
    for saved, alt in photos:
        listing_photos.add(tx, resident_id, listing_id, saved, alt=alt)


async def _form_page(request, template="listings/form.html", status=200, **values):
    choices = categories.labelled(await request.app[node_key].db.run(categories.raw_choices))
    return render(
        request,
        template,
        status=status,
        categories=choices,
        **labels(),
        **values,
    )


async def index(request: web.Request) -> web.Response:
    me = current(request)
    node = request.app[node_key]
    query = request.query
    kind = query.get("kind") if query.get("kind") in LISTING_KINDS else None
    type_ = query.get("type") if query.get("type") in LISTING_TYPES else None
    before = inputs.id_or_none(query.get("before"))

    scope = query.get("scope") if query.get("scope") in reach.SCOPES else "all"

    def load() -> tuple[list, list]:
        # residents also see their twins' and public remote listings (like the feed); visitors don't
        where = reach.readable(Listing, me)  # the one rule; below, what this page lists
        if me and me.quarter_id:
            where = where & reach.visible(
                Listing, me.quarter_id, scope, reach.parse_languages(me.languages_seen)
            )
        rows = search.search_listings(
            query.get("q", ""),
            where=where,
            kind=kind,
            type=type_,
            category=query.get("category") or None,
            limit=PAGE,
            before=before,
            public_only=me is None,
        )
        return rows, categories.raw_choices()

    rows, raw = await node.db.run(load)
    category_choices = categories.labelled(raw)
    more = None
    if len(rows) == PAGE:
        params = {k: v for k, v in query.items() if k != "before"}
        more = request.rel_url.with_query({**params, "before": str(rows[-1].id)})
    return render(
        request,
        "listings/index.html",
        listings=rows,
        q=query.get("q", ""),
        kind=kind,
        type=type_,
        category=query.get("category", ""),
        scope=scope,
        categories=category_choices,
        category_names=dict(category_choices),
        more=more,
        **labels(),
    )


async def new(request: web.Request) -> web.Response:
    require_verified(request)
    node = request.app[node_key]
    form = {"kind": request.query.get("kind", "offer"), "type": request.query.get("type", "loan")}
    form["reach"] = node.settings.default_reach
    return await _form_page(request, form=form, errors={}, listing=None)


async def create(request: web.Request) -> web.StreamResponse:
    me = require_verified(request)
    node = request.app[node_key]
    form = await request.post()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        draft = listing_drafts.ListingDraft.parse(data)
        photos = _uploads(form)
        async with kept_photos(request, photos) as saved:
            alts = [alt for _data, alt in photos]
            listing = await commit(
                node,
                _publish_with_photos,
                me.id,
                draft,
                list(zip(saved, alts, strict=True)),
                actor_id=me.id,
            )
    except Invalid as exc:
        return await _form_page(
            request, status=400, form=data, errors={**exc.fields, "_": exc.message}, listing=None
        )
    raise redirect(f"/listings/{listing.id}", _("Your listing is published."))


def detail_data(listing_id: int, viewer: Resident | None) -> dict[str, Any]:
    listing = listing_reads.get(listing_id)
    if not listing_reads.can_see(listing, viewer):
        raise NotFound(_("No such listing."))
    is_author = viewer is not None and viewer.id == listing.author_id
    history = loan_reads.history(listing_id) if is_author and listing.type == "loan" else []
    return {
        "listing": listing,
        "is_author": is_author,
        "history": history,
        "comments": comments.under("listing", listing_id, viewer),
        "item_origin": reach.origin_of(listing),
        "distance_m": reach.distance(viewer, listing),
        **shelf_matching.pending_for(viewer, listing),
    }


async def detail(request: web.Request) -> web.Response:
    """A listing's page (the ActivityPub layer may answer JSON here by content negotiation)."""
    me = current(request)
    node = request.app[node_key]
    data = await node.db.run(detail_data, _id(request), me)
    return render(
        request,
        "listings/detail.html",
        errors={},
        form={},
        category_label=categories.label(data["listing"].category),
        **data,
        **labels(),
    )


async def edit_form(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    listing = await node.db.run(listing_reads.get, _id(request))
    if listing.author_id != me.id:
        raise NotFound(_("No such listing."))
    form = {
        name: getattr(listing, name)
        for name in (
            "kind",
            "type",
            "title",
            "description",
            "category",
            "currency",
            "price_unit",
            "availability",
            "language",
            "reach",
        )
    }
    form["price"] = "" if listing.price is None else f"{listing.price:.2f}"
    return await _form_page(request, form=form, errors={}, listing=listing)


async def update(request: web.Request) -> web.StreamResponse:
    me = require_resident(request)
    node = request.app[node_key]
    listing_id = _id(request)
    form = await request.post()
    data = {
        k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf_token", "version")
    }
    seen = str(form.get("version") or "")
    expected = (int(seen),) if seen.isdigit() and len(seen) < 10 else None
    try:
        changes = listing_drafts.ListingDraft.parse_changes(data)
        photos = _uploads(form)
        async with kept_photos(request, photos) as saved:
            await commit(node, listings.edit, me.id, listing_id, changes, expected, actor_id=me.id)
            if photos:
                alts = [alt for _data, alt in photos]
                await commit(
                    node,
                    _add_photos,
                    me.id,
                    listing_id,
                    list(zip(saved, alts, strict=True)),
                    actor_id=me.id,
                )
    except Invalid as exc:
        listing = await node.db.run(listing_reads.get, listing_id)
        return await _form_page(
            request,
            status=400,
            form=data,
            errors={**exc.fields, "_": exc.message},
            listing=listing,
        )
    except Stale:
        # someone (another tab, another device) saved first: show what this editor typed, with
        # the current version, so saving again is a deliberate choice
        listing = await node.db.run(listing_reads.get, listing_id)
        message = _(
            "This listing was changed meanwhile: your changes below are not saved. "
            "Check the listing, then save again."
        )
        return await _form_page(
            request,
            status=409,
            form={**data, "version": listing.version},
            errors={"_": message},
            listing=listing,
        )
    raise redirect(f"/listings/{listing_id}", _("Your listing is updated."))


async def act(request: web.Request) -> web.StreamResponse:
    """Author moves from the detail page: reserve, done, reopen, withdraw, renew."""
    me = require_resident(request)
    node = request.app[node_key]
    listing_id = _id(request)
    action = request.match_info["action"]
    if action == "withdraw":
        await commit(node, listings.withdraw, me.id, listing_id, actor_id=me.id)
        raise redirect("/listings", _("Your listing is withdrawn."))
    if action == "renew":
        await commit(node, listings.renew, me.id, listing_id, actor_id=me.id)
        raise redirect(f"/listings/{listing_id}", _("Your listing is renewed."))
    state = {"reserve": "reserved", "done": "done", "reopen": "open"}.get(action)
    if state is None:
        raise NotFound(_("This page does not exist."))
    await commit(node, listings.set_state, me.id, listing_id, state, actor_id=me.id)
    raise redirect(f"/listings/{listing_id}", _("Saved."))


async def describe_photo(request: web.Request) -> web.StreamResponse:
    """The author changes a photo's alt text (read aloud by screen readers, sent with the Note)."""
    me = require_resident(request)
    node = request.app[node_key]
    form = await request.post()
    alt = form.get("alt", "")
    await commit(
        node,
        listing_photos.describe,
        me.id,
        _id(request),
        int(request.match_info["photo"]),
        alt if isinstance(alt, str) else "",
        actor_id=me.id,
    )
    raise redirect(f"/listings/{_id(request)}/edit", _("The photo's description is saved."))


async def remove_photo(request: web.Request) -> web.StreamResponse:
    me = require_resident(request)
    node = request.app[node_key]
    try:
        photo_id = int(request.match_info["photo"])
    except ValueError:
        raise NotFound(_("No such photo.")) from None
    names = await commit(node, listing_photos.remove, me.id, photo_id, actor_id=me.id)
    images.discard(folder(request), names)  # once the row is gone for good
    raise redirect(f"/listings/{_id(request)}/edit", _("The photo is removed."))


def _photo_reach(name: str, viewer: Any) -> str | None:
    """The reach of the listing a stored photo belongs to, if the viewer may see it."""
    photo = ListingPhoto.get_or_none((ListingPhoto.name == name) | (ListingPhoto.thumb == name))
    if photo is None or not reach.may_see(photo, viewer):
        return None
    return Listing.get_by_id(photo.listing_id).reach


async def media(request: web.Request) -> web.StreamResponse:
    """Photos of listings (re-encoded on upload, so they carry no metadata), for those who may
    see the listing: people by their session, other nodes by a signed fetch."""
    node = request.app[node_key]
    name = request.match_info["name"]
    path = listing_photos.path_of(folder(request), name)
    viewer: Any = current(request)
    if viewer is None:  # a signed fetch: the twins' nodes copy the photos of twins items
        host = await fetches.signer_host(node, "GET", request.raw_path, request.headers)
        viewer = reach.server_viewer(host) if host else None
    found = await node.db.run(_photo_reach, name, viewer) if path is not None else None
    if found is None:
        raise NotFound(_("No such photo."))
    cache = "public, max-age=31536000, immutable" if found == "public" else "private, max-age=3600"
    return web.FileResponse(path, headers={"Cache-Control": cache})


ROUTES = [
    ("GET", "/listings", index, "listings"),
    ("GET", "/listings/new", new, "listing_new"),
    ("POST", "/listings", create, "listing_create"),
    ("GET", "/listings/{id:\\d+}/edit", edit_form, "listing_edit"),
    ("POST", "/listings/{id:\\d+}/edit", update, "listing_update"),
    (
        "POST",
        "/listings/{id:\\d+}/photos/{photo:\\d+}/alt",
        describe_photo,
        "listing_photo_alt",
    ),
    (
        "POST",
        "/listings/{id:\\d+}/photos/{photo:\\d+}/delete",
        remove_photo,
        "listing_photo_delete",
    ),
    ("POST", "/listings/{id:\\d+}/{action:reserve|done|reopen|withdraw|renew}", act, "listing_act"),
    ("GET", "/media/listings/{name}", media, "listing_media"),
]
