"""Photos of listings: up to six, type checked from the bytes, re-encoded without EXIF/GPS."""

from __future__ import annotations

import re
from pathlib import Path

from node.i18n import _
from node.local import uploads
from node.local.errors import Invalid, InvalidTransition, NotAllowed, NotFound
from node.local.sharing_models import Listing, ListingPhoto
from node.local.tx import Tx

MAX_PHOTOS = 6
FULL_SIDE = 1600
THUMB_SIDE = 400
NAME = re.compile(r"^[A-Za-z0-9_-]{8,64}\.(jpg|png|webp)$")


def media_dir(data_dir: str | Path) -> Path:
    """Where listing photos live: <data_dir>/media/listings/."""
    return Path(data_dir) / "media" / "listings"


def add(
    tx: Tx,
    resident_id: int,
    listing_id: int,
    data: bytes,
    folder: Path,
    alt: str = "",
    max_bytes: int = 10 * 1024 * 1024,
) -> ListingPhoto:
    """Store a photo (full size and thumbnail) for the author's listing."""
    listing = Listing.get_or_none(Listing.id == listing_id)
    if listing is None:
        raise NotFound(_("No such listing."))
    if listing.author_id != resident_id:
        raise NotAllowed(_("Only the author can change this listing."))
    count = ListingPhoto.select().where(ListingPhoto.listing == listing_id).count()
    if count >= MAX_PHOTOS:
        message = _("A listing has at most %(n)d photos.", n=MAX_PHOTOS)
        raise Invalid(message, {"photo": message})
    mime = uploads.check_upload(data, uploads.IMAGE_TYPES, max_bytes, field="photo")
    # re-encoding drops EXIF (and its GPS position) and any other metadata
    full = uploads.process_image(data, FULL_SIDE, mime)
    thumb = uploads.process_image(full.data, THUMB_SIDE, full.mime)
    extension = uploads.IMAGE_TYPES[full.mime]
    return ListingPhoto.create(
        listing=listing_id,
        position=count,
        name=uploads.store(folder, full.data, extension),
        thumb=uploads.store(folder, thumb.data, extension),
        mime=full.mime,
        width=full.width,
        height=full.height,
        alt=alt.strip()[:300],
    )


def remove(tx: Tx, resident_id: int, photo_id: int, folder: Path) -> None:
    photo = (
        ListingPhoto.select(ListingPhoto, Listing)
        .join(Listing)
        .where(ListingPhoto.id == photo_id)
        .first()
    )
    if photo is None:
        raise NotFound(_("No such photo."))
    if photo.listing.author_id != resident_id:
        raise NotAllowed(_("Only the author can change this listing."))
    photo.delete_instance()
    for name in (photo.name, photo.thumb):
        if name and NAME.match(name):
            (folder / name).unlink(missing_ok=True)


def path_of(folder: Path, name: str) -> Path | None:
    """The file of a stored photo name, or None for anything that is not one of ours."""
    if not NAME.match(name or ""):
        return None
    path = folder / name
    return path if path.is_file() else None


def describe(tx: Tx, resident_id: int, listing_id: int, photo_id: int, alt: str) -> ListingPhoto:
    """The author's alt text for a photo; the listing's followers get the updated Note."""
    from node.local.listings import ListingUpdated

    photo = ListingPhoto.get_or_none(
        (ListingPhoto.id == photo_id) & (ListingPhoto.listing == listing_id)
    )
    if photo is None:
        raise NotFound(_("No such photo."))
    listing = Listing.get_by_id(listing_id)
    if listing.author_id != resident_id:
        raise NotAllowed(_("Only the author can change this listing."))
    if listing.state == "withdrawn":  # withdrawal is final: nothing more to tell its followers
        raise InvalidTransition(_("A withdrawn listing can no longer be edited."))
    photo.alt = alt.strip()[:300]
    photo.save()
    tx.record(ListingUpdated(listing_id))
    return photo
