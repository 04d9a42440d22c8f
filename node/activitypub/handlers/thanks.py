"""Thanks from another node: a direct Note to one of our residents (resolve: thanks-note).

After a loan it carries `loanStep: thanked` and names the agreement, as `context`. For a
service, a gift or an event it carries `thanksFor` and names, as `context`, the listing or event:
ours, or our copy of the sender's. It is recorded through the same rules as thanks given here
(thanks.receive): the sender talked with the listing's author, or went to the event; and the one
addressed must be the one those rules name — else it is refused with the reason.
"""

from __future__ import annotations

from node.activitypub import agreements, embedded, resolve
from node.activitypub.actors import author_of
from node.activitypub.from_as import Unacceptable, note_text
from node.activitypub.vocab import get_id
from node.local import thanks
from node.local.errors import Conflict, DomainError
from node.local.loans import remote as loan_remote
from node.local.loans import write as loans
from node.local.tx import Tx
from node.runtime import Node

KINDS = ("service", "gift", "event")


def on_thanks(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """Thanks after a loan, or for a service, a gift or an event, recorded once."""
    obj = activity["object"]
    embedded.check_owner(sender, obj)
    if obj.get("loanStep") == "thanked":
        return _after_loan(tx, node, sender, activity)
    kind = obj.get("thanksFor")
    if kind not in KINDS:
        raise Unacceptable("thanks for an unknown kind of help")
    recipients = resolve.direct_recipients(node, sender, activity, obj)
    if len(recipients) != 1:
        raise Unacceptable("thanks go to exactly one resident of this node")
    item = resolve.known_item(node, get_id(obj.get("context")) or "")
    if item is None:
        raise Unacceptable("the thanks name no listing or event known here")
    if (item[0] == "event") != (kind == "event"):
        raise Unacceptable(f"thanks for a {kind} naming a {item[0]}")
    author = author_of(sender)
    try:
        thanks.receive(tx, author.id, recipients[0].id, item[0], item[1], note_text(obj))
    except Conflict:
        return "thanks already recorded"  # the same thanks delivered again count once
    except DomainError as exc:
        raise Unacceptable(f"refused: {exc}") from exc
    return None


def _after_loan(tx: Tx, node: Node, sender: str, activity: dict) -> str | None:
    """Either party of a returned loan thanks the other, once (loans.thank's rules)."""
    obj = activity["object"]
    if loan_remote.step_seen(obj["id"]):
        return "step already applied"
    found = resolve.find_loan(node, agreements.refs(activity))
    if found is None:
        raise Unacceptable("no loan matches this activity")
    try:
        loans.thank(tx, author_of(sender).id, found[0].id, note_text(obj))
    except DomainError as exc:
        raise Unacceptable(f"refused: {exc}") from exc
    loan_remote.stamp_step(found[0].id, obj["id"])
    return None
