"""HANDLERS is the whole dispatch: every row is reachable, each key one handler, none re-dispatches."""

import inspect

from node.activitypub import announces, dispatch, resolve
from node.activitypub.dispatch import HANDLERS


def reachable(key):
    """A key is reached when an activity's shape is that key (no resolving needed for it), or
    when the resolver may answer that kind for some shape of that activity type."""
    kind, second = key
    for shape, kinds in resolve.RESOLVED.items():
        if shape[0] == kind and second in kinds:
            return True
    return key not in resolve.RESOLVED and not second.islower()


def test_every_row_is_reachable():
    assert [key for key in HANDLERS if not reachable(key)] == []


def test_every_kind_the_resolver_answers_has_its_row():
    missing = [
        (shape[0], kind)
        for shape, kinds in resolve.RESOLVED.items()
        for kind in kinds
        if (shape[0], kind) not in HANDLERS
    ]
    assert missing == []


def test_no_catch_all_row_is_left_to_fall_through():
    # the rows that used to hand over to the next handler ("*" of Accept/Reject/TentativeAccept)
    assert ("Accept", "*") not in HANDLERS
    assert ("Reject", "*") not in HANDLERS
    assert ("TentativeAccept", "*") not in HANDLERS


def test_the_shape_alone_tells_what_may_be_taken():
    assert dispatch.accepts({"type": "Accept", "object": "https://x.example/f/1"}) is None
    assert dispatch.accepts({"type": "Create", "object": {"type": "Note"}}) is None
    assert dispatch.accepts({"type": "Announce", "object": {"type": "Like"}}) == (
        "Announce",
        "Like",
    )
    # a resolved kind is never taken from a payload
    assert dispatch.accepts({"type": "Create", "object": {"type": "direct-note"}}) == (
        "Create",
        "?",
    )
    assert resolve.shape({"type": "Delete", "object": {"type": "actor"}}) == ("Delete", "?")


def test_handlers_take_the_same_arguments():
    for key, handler in HANDLERS.items():
        params = list(inspect.signature(handler).parameters)
        assert params == ["tx", "node", "sender", "activity"], key


def test_only_the_announce_rows_open_an_activity():
    opening = {key for key, handler in HANDLERS.items() if handler is announces.on_announce}
    assert opening == {key for key in HANDLERS if key[0] == "Announce"}
    assert "handler(" not in inspect.getsource(announces)
