"""The verification queue: open a proof (logged), approve or reject it with a reason."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local import verification
from node.local.errors import Invalid
from node.web.render import redirect, render
from node.web.ui.admin import require_verifier


async def queue(request: web.Request, status=200, errors=None) -> web.Response:
    node = request.app[node_key]
    me = require_verifier(request)
    proofs = await node.db.run(verification.queue, me, node.settings)
    return render(
        request, "admin/verification.html", status=status, proofs=proofs, errors=errors or {}
    )


async def document(request: web.Request) -> web.Response:
    node = request.app[node_key]
    me = require_verifier(request)
    data, mime = await commit(
        node, verification.open_document, me, int(request.match_info["id"]), actor_id=me.id
    )
    extension = "pdf" if mime == "application/pdf" else mime.rsplit("/", 1)[-1]
    return web.Response(
        body=data,
        headers={
            "Content-Type": mime,
            # attachment: whatever slipped through is saved, never rendered as a page of this origin
            "Content-Disposition": f'attachment; filename="proof-{request.match_info["id"]}.{extension}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )


async def decide(request: web.Request) -> web.StreamResponse:
    node = request.app[node_key]
    me = require_verifier(request)
    form = await request.post()
    approve = form.get("decision") == "approve"
    try:
        await commit(
            node,
            verification.decide,
            me,
            int(request.match_info["id"]),
            approve,
            str(form.get("reason", "")),
            actor_id=me.id,
        )
    except Invalid as exc:
        return await queue(request, 400, {f"reason-{request.match_info['id']}": exc.message})
    message = _("The address is verified.") if approve else _("The proof is rejected.")
    raise redirect("/admin/verification", message)


ROUTES = [
    ("GET", "/admin/verification", queue, "admin_verification"),
    ("GET", "/admin/verification/{id:\\d+}/document", document, "admin_verification_document"),
    ("POST", "/admin/verification/{id:\\d+}/decide", decide, "admin_verification_decide"),
]
