"""Loan pages: asking to borrow, my loans in both directions, one loan with its next moves."""

from __future__ import annotations

from aiohttp import web

from node.appkeys import node_key
from node.commit import commit
from node.i18n import _
from node.local.errors import Invalid, NotFound
from node.local.listings import categories
from node.local.loans import read as loan_reads
from node.local.loans import write as loans
from node.local.models import utcnow
from node.web.guards import require_resident, require_verified
from node.web.render import redirect, render
from node.web.ui.listings import labels


def state_names() -> dict[str, str]:
    return {state: _(label) for state, label in loan_reads.STATE_LABELS.items()}


def step_names() -> dict[str, str]:
    return {
        **state_names(),
        "handed_over": _("handed over"),
        "extension_asked": _("extension asked"),
        "extended": _("extension accepted"),
        "not_extended": _("extension declined"),
        "thanked": _("thanked"),
    }


def _id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise NotFound(_("No such loan.")) from None


async def ask(request: web.Request) -> web.StreamResponse:
    """The "ask to borrow" form of a listing page."""
    me = require_verified(request)
    node = request.app[node_key]
    listing_id = int(request.match_info["id"])
    form = await request.post()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        draft = loans.LoanDraft.parse(data, today=utcnow().date())
        loan = await commit(node, loans.request, me.id, listing_id, draft, actor_id=me.id)
    except Invalid as exc:
        from node.web.ui.listings import detail_data

        page = await node.db.run(detail_data, listing_id, me)
        return render(
            request,
            "listings/detail.html",
            status=400,
            form=data,
            errors={**exc.fields, "_": exc.message},
            category_label=categories.label(page["listing"].category),
            **page,
            **labels(),
        )
    raise redirect(f"/loans/{loan.id}", _("Your request is sent."))


async def index(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    rows = await node.db.run(loan_reads.of_resident, me.id, None, 200, None)
    lent = [loan for loan in rows if loan.lender_id == me.id]
    borrowed = [loan for loan in rows if loan.borrower_id == me.id]
    return render(request, "loans/index.html", lent=lent, borrowed=borrowed, states=state_names())


def _page_data(loan_id: int, resident_id: int) -> dict:
    loan = loan_reads.get(loan_id)
    if resident_id not in (loan.lender_id, loan.borrower_id):
        raise NotFound(_("No such loan."))
    extension = loan_reads.pending_extension(loan_id)
    return {
        "loan": loan,
        "steps": loan_reads.steps(loan_id),
        "extension": extension,
        "moves": loan_reads.moves_for(loan, resident_id, extension),
    }


async def detail(request: web.Request) -> web.Response:
    me = require_resident(request)
    node = request.app[node_key]
    data = await node.db.run(_page_data, _id(request), me.id)
    return render(
        request, "loans/detail.html", states=state_names(), step_names=step_names(), **data
    )


DONE = {
    "accept": lambda: _("You accepted the loan."),
    "decline": lambda: _("You declined the request."),
    "handover": lambda: _("The handover is confirmed."),
    "return": lambda: _("The return is confirmed."),
    "cancel": lambda: _("The loan is cancelled."),
    "extend": lambda: _("Your request for more time is sent."),
    "extend_accept": lambda: _("You agreed to the extension."),
    "extend_decline": lambda: _("You declined the extension."),
    "thank": lambda: _("Your thanks are sent."),
}


async def act(request: web.Request) -> web.StreamResponse:
    me = require_resident(request)
    node = request.app[node_key]
    loan_id = _id(request)
    action = request.match_info["action"]
    form = await request.post()
    moves = {
        "accept": (loans.accept,),
        "decline": (loans.decline,),
        "handover": (loans.hand_over,),
        "return": (loans.give_back,),
        "cancel": (loans.cancel,),
        "extend_accept": (loans.answer_extension, True),
        "extend_decline": (loans.answer_extension, False),
    }
    if action == "extend":
        await commit(
            node,
            loans.ask_extension,
            me.id,
            loan_id,
            loans.parse_until(form.get("until")),
            actor_id=me.id,
        )
    elif action == "thank":
        message = form.get("message")
        text = message if isinstance(message, str) else ""
        await commit(node, loans.thank, me.id, loan_id, text, actor_id=me.id)
    elif action in moves:
        fn, *extra = moves[action]
        await commit(node, fn, me.id, loan_id, *extra, actor_id=me.id)
    else:
        raise NotFound(_("This page does not exist."))
    raise redirect(f"/loans/{loan_id}", DONE[action]())


ROUTES = [
    ("POST", "/listings/{id:\\d+}/loans", ask, "loan_ask"),
    ("GET", "/loans", index, "loans"),
    ("GET", "/loans/{id:\\d+}", detail, "loan"),
    ("POST", "/loans/{id:\\d+}/{action}", act, "loan_act"),
]
