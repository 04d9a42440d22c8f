"""Tables of shelf matching: the shelf index, residents' own words, and the matches made."""

from __future__ import annotations

import peewee as pw

from node.db import BaseModel
from node.local.listings.models import Listing
from node.local.models import Quarter, Resident, utcnow
from node.local.notifications.models import Notification


class ShelfTerm(BaseModel):
    """One term of a local shelf item: `c:<concept>` or `w:<word>`, with the owner's quarter, so
    that a request looks its terms up by index instead of reading every listing's text."""

    listing = pw.ForeignKeyField(Listing, lazy_load=False, on_delete="CASCADE", backref="+")
    quarter = pw.ForeignKeyField(
        Quarter, null=True, lazy_load=False, on_delete="CASCADE", backref="+"
    )
    term = pw.CharField(max_length=100)

    class Meta:
        table_name = "shelf_term"
        indexes = (
            (("term", "quarter"), False),
            (("listing", "term"), True),
        )


class LearnedWord(BaseModel):
    """A resident's own word for a shipped concept, learned from shelf titles ("Leifheit" on an
    "Escabeau Leifheit" names a ladder); `uses` counts the shelf items that taught it."""

    word = pw.CharField(max_length=64)
    concept = pw.CharField(max_length=40)
    uses = pw.IntegerField(default=1)

    class Meta:
        table_name = "learned_word"
        indexes = ((("word", "concept"), True),)


class ShelfMatch(BaseModel):
    """A request that one of a resident's shelf items may answer; the owner was told once."""

    request = pw.ForeignKeyField(Listing, lazy_load=False, on_delete="CASCADE", backref="+")
    item = pw.ForeignKeyField(Listing, lazy_load=False, on_delete="CASCADE", backref="+")
    owner = pw.ForeignKeyField(Resident, lazy_load=False, on_delete="CASCADE", backref="+")
    notification = pw.ForeignKeyField(
        Notification, null=True, lazy_load=False, on_delete="SET NULL", backref="+"
    )
    created_at = pw.DateTimeField(default=utcnow)
    answered_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "shelf_match"
        indexes = ((("request", "owner"), True),)


SHELF_MODELS = [ShelfTerm, LearnedWord, ShelfMatch]
