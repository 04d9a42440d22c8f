"""The shelf: objects a resident is always willing to lend (like stickers on a letterbox)."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import inputs
from node.local.errors import Invalid
from node.local.listings import categories
from node.local.listings import drafts as listing_drafts
from node.local.listings import read as listing_reads
from node.local.listings import write as listings
from node.local.shelves import matching
from node.web.guards import require_resident, require_verified
from node.web.render import redirect, render
from node.web.ui.listings import _id, _publish_with_photos, _uploads, kept_photos


async def shelf(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    rows = await node.db.run(listing_reads.shelf, me.id)
    asked = await node.db.run(matching.asked_of, me.id)
    choices = categories.labelled(await node.db.run(categories.raw_choices))
    return render(
        request,
        "listings/shelf.html",
        items=rows,
        asked=asked,
        categories=choices,
        form={},
        errors={},
    )


async def shelf_add(request: web.Request) -> web.StreamResponse:
    me = require_verified(request)
    node = request.app[node_key]
    form = await request.post()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    data.update(kind="offer", type="loan", shelf="1")
    try:
        draft = listing_drafts.ListingDraft.parse(data)
        photos = _uploads(form)
        async with kept_photos(request, photos) as saved:
            await commit(
                node,
                _publish_with_photos,
                me.id,
                draft,
                list(zip(saved, [alt for _data, alt in photos], strict=True)),
                shelf=True,
                actor_id=me.id,
            )
    except Invalid as exc:
        rows = await node.db.run(listing_reads.shelf, me.id)
        choices = categories.labelled(await node.db.run(categories.raw_choices))
        return render(
            request,
            "listings/shelf.html",
            status=400,
            items=rows,
            categories=choices,
            form=data,
            errors={**exc.fields, "_": exc.message},
        )
    raise redirect("/shelf", _("The object is on your shelf."))


async def shelf_remove(request: web.Request) -> web.StreamResponse:
    me = require_resident(request)
    node = request.app[node_key]
    await commit(node, listings.withdraw, me.id, _id(request), actor_id=me.id)
    raise redirect("/shelf", _("The object is off your shelf."))


async def answer_match(request: web.Request) -> web.StreamResponse:
    """ "I have one" from the notifications page: a message to the requester, then the talk."""
    me = require_verified(request)
    node = request.app[node_key]
    match_id = inputs.record_id(request.match_info["id"], _("No such match."))
    conversation_id = await commit(node, matching.answer, me.id, match_id, actor_id=me.id)
    raise redirect(f"/messages/{conversation_id}", _("Your neighbour now knows you have one."))


ROUTES = [
    ("GET", "/shelf", shelf, "shelf"),
    ("POST", "/shelf", shelf_add, "shelf_add"),
    ("POST", "/shelf/{id:\\d+}/remove", shelf_remove, "shelf_remove"),
    ("POST", "/shelf/matches/{id}/answer", answer_match, "shelf_answer"),
]
