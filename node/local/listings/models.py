"""Tables of listings: the taxonomy (Category), listings, their photos and revisions.

Rows that came from another node carry `external_ref` (their ActivityPub id) and `origin` (the
node's host); local rows have external_ref NULL and origin ""."""

from __future__ import annotations

import peewee as pw

from node.db import BaseModel
from node.local.models import Organisation, Quarter, Resident, fk, utcnow

LISTING_KINDS = ("offer", "request")
LISTING_TYPES = ("service", "gift", "loan", "paid")
LISTING_STATES = ("open", "reserved", "done", "withdrawn")


class Category(BaseModel):
    """A rubrique of the node's taxonomy; built-in ones have translated labels in code."""

    slug = pw.CharField(max_length=40, unique=True)
    label = pw.CharField(max_length=80, default="")  # custom label (built-ins are translated)
    position = pw.IntegerField(default=0)
    builtin = pw.BooleanField(default=False)
    hidden = pw.BooleanField(default=False)  # no longer offered for new listings


class Listing(BaseModel):
    author = fk(Resident, "listings")
    quarter = fk(Quarter, "listings", null=True, on_delete="SET NULL")
    organisation = fk(Organisation, "listings", null=True, on_delete="SET NULL")
    kind = pw.CharField(max_length=8)  # offer | request
    type = pw.CharField(max_length=8)  # service | gift | loan | paid
    title = pw.CharField(max_length=200)
    description = pw.TextField(default="")  # Markdown source
    description_html = pw.TextField(default="")  # sanitised HTML
    category = pw.CharField(max_length=40, default="other")
    price = pw.DecimalField(max_digits=10, decimal_places=2, null=True)
    currency = pw.CharField(max_length=3, default="EUR")
    price_unit = pw.CharField(max_length=8, default="")  # hour | day | once
    availability = pw.CharField(max_length=300, default="")
    language = pw.CharField(max_length=8, default="")
    reach = pw.CharField(max_length=8, default="quarter")
    state = pw.CharField(max_length=10, default="open", index=True)
    shelf = pw.BooleanField(default=False)  # always willing to lend: stays open
    hidden = pw.BooleanField(default=False)  # hidden by a moderator
    lat = pw.FloatField(null=True)  # coarse position only
    lon = pw.FloatField(null=True)
    expires_at = pw.DateTimeField(null=True, index=True)
    created_at = pw.DateTimeField(default=utcnow, index=True)
    updated_at = pw.DateTimeField(default=utcnow)
    external_ref = pw.CharField(max_length=500, null=True, unique=True)
    origin = pw.CharField(max_length=255, default="", index=True)
    url = pw.CharField(max_length=500, default="")  # remote page
    remote_updated = pw.CharField(max_length=40, default="")  # origin's `updated` (ordering)
    version = pw.IntegerField(default=1)  # +1 on every local write: ETag / If-Match, edit form

    class Meta:
        indexes = ((("state", "created_at"), False),)  # the feed's newest open ones: migration 0131


class ListingPhoto(BaseModel):
    listing = fk(Listing, "photos")
    position = pw.IntegerField(default=0)
    name = pw.CharField(max_length=120, default="")  # stored file (media dir)
    thumb = pw.CharField(max_length=120, default="")
    mime = pw.CharField(max_length=40, default="image/jpeg")
    width = pw.IntegerField(default=0)
    height = pw.IntegerField(default=0)
    alt = pw.CharField(max_length=300, default="")
    remote_url = pw.CharField(max_length=500, default="")


class ListingRevision(BaseModel):
    """A listing as it was before an edit (kept for moderators)."""

    listing = fk(Listing, "revisions")
    editor = fk(Resident, "listing_edits", null=True, on_delete="SET NULL")
    title = pw.CharField(max_length=200)
    description = pw.TextField(default="")
    edited_at = pw.DateTimeField(default=utcnow)


LISTING_MODELS = [Category, Listing, ListingPhoto, ListingRevision]
