"""Comment forms under listings and events (the comments are shown by those pages)."""

from __future__ import annotations

from aiohttp import web

from node.activitypub import outbox
from node.activitypub.vocab import PUBLIC, wants_activity_json
from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import comments, reach
from node.local.errors import Invalid, NotFound
from node.local.models import Comment
from node.runtime import Node
from node.web.federation import as_response
from node.web.guards import current, require_verified
from node.web.render import redirect

PAGES = {"listing": "/listings/{id}", "event": "/events/{id}"}


def _poster(target_type: str):
    async def post(request: web.Request) -> web.StreamResponse:
        me = require_verified(request)
        node = request.app[node_key]
        target_id = int(request.match_info["id"])
        form = await request.post()
        page = PAGES[target_type].format(id=target_id)
        try:
            comment = await commit(
                node,
                comments.post,
                me.id,
                target_type,
                target_id,
                str(form.get("text", "")),
                actor_id=me.id,
            )
        except Invalid as exc:
            raise redirect(page + "#comments", str(exc)) from None
        raise redirect(f"{page}#comment-{comment.id}", _("Your comment is published."))

    return post


def _public_note(node: Node, comment_id: int, viewer) -> tuple[Comment | None, dict | None]:
    comment = Comment.get_or_none(Comment.id == comment_id)
    if comment is None or not reach.may_see(comment, viewer):
        return None, None
    if comment.hidden:  # only its author finds it on the page (marked hidden); servers never
        mine = viewer is not None and viewer.id == comment.author_id
        return (comment if mine else None), None
    built = outbox.comment_note(node, comment)
    public = built is not None and PUBLIC in built[0]["to"]
    return comment, built[0] if public else None


async def show(request: web.Request) -> web.StreamResponse:
    """A comment's id: its Note for servers (public ones only), its place on the page for people."""
    node = request.app[node_key]
    viewer = current(request)
    comment, note = await node.db.run(_public_note, node, int(request.match_info["id"]), viewer)
    if wants_activity_json(request.headers.get("Accept")):
        if note is None:
            return web.json_response({"error": "rejected", "message": "no such note"}, status=404)
        return as_response(note)
    if comment is None:
        raise NotFound(_("No such comment."))
    page = PAGES[comment.target_type].format(id=comment.target_id)
    raise web.HTTPSeeOther(f"{page}#comment-{comment.id}")


ROUTES = [
    ("GET", r"/comments/{id:\d+}", show, "comment"),
    ("POST", r"/listings/{id:\d+}/comments", _poster("listing"), "listing_comment"),
    ("POST", r"/events/{id:\d+}/comments", _poster("event"), "event_comment"),
]
