"""Photos of listings: up to six, type checked from the bytes, re-encoded without EXIF/GPS.

The decoding happens before the transaction, on the image threads (node/imaging.py); the rows
here only name files already written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from node.i18n import _
from node.local.errors import Invalid, InvalidTransition, NotAllowed, NotFound
from node.local.listings.models import Listing, ListingPhoto
from node.local.tx import Tx

if TYPE_CHECKING:  # annotations only: the codecs are not loaded for the photos' rows
    from node.local import images

MAX_PHOTOS = 6
FULL_SIDE = 1600
THUMB_SIDE = 400
SIDES = (FULL_SIDE, THUMB_SIDE)
NAME = re.compile(r"^[A-Za-z0-9_-]{8,64}\.(jpg|png|webp)$")


def media_dir(data_dir: str | Path) -> Path:
    """Where listing photos live: <data_dir>/media/listings/."""
    return Path(data_dir) / "media" / "listings"


def add(
    tx: Tx, resident_id: int, listing_id: int, saved: images.Saved, alt: str = ""
) -> ListingPhoto:
    """Record a photo already decoded, re-encoded and written (images.save, off this thread)."""
    listing = Listing.get_or_none(Listing.id == listing_id)
    if listing is None:
        raise NotFound(_("No such listing."))
    if listing.author_id != resident_id:
        raise NotAllowed(_("Only the author can change this listing."))
    count = ListingPhoto.select().where(ListingPhoto.listing == listing_id).count()
    if count >= MAX_PHOTOS:
        message = _("A listing has at most %(n)d photos.", n=MAX_PHOTOS)
        raise Invalid(message, {"photo": message})
    full, thumb = saved.names
    return ListingPhoto.create(
        listing=listing_id,
        position=count,
        name=full,
        thumb=thumb,
        mime=saved.mime,
        width=saved.width,
        height=saved.height,
        alt=alt.strip()[:300],
    )


def remove(tx: Tx, resident_id: int, photo_id: int) -> list[str]:
    """Forget a photo; the names of its files, to delete once the change is committed."""
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
    return [name for name in (photo.name, photo.thumb) if name and NAME.match(name)]


def path_of(folder: Path, name: str) -> Path | None:
    """The file of a stored photo name, or None for anything that is not one of ours."""
    if not NAME.match(name or ""):
        return None
    path = folder / name
    return path if path.is_file() else None


def describe(tx: Tx, resident_id: int, listing_id: int, photo_id: int, alt: str) -> ListingPhoto:
    """The author's alt text for a photo; the listing's followers get the updated Note."""
    from node.local.listings.write import ListingUpdated

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


def receive_remote(listing_id: int, wanted: list[tuple[str, str]]) -> None:
    """A remote listing's images as (url, alt), in order: new ones queued, dropped ones removed.

    The `remote_photos` step fetches them later.
    """
    known = {
        p.remote_url: p for p in ListingPhoto.select().where(ListingPhoto.listing == listing_id)
    }
    for position, (url, alt) in enumerate(wanted):
        if url not in known:
            ListingPhoto.create(
                listing=listing_id, position=position, remote_url=url[:500], alt=alt
            )
    stale = [p.id for u, p in known.items() if u not in {w[0] for w in wanted}]
    if stale:
        ListingPhoto.delete().where(ListingPhoto.id.in_(stale)).execute()


REMOTE_FAILED = "failed"  # ListingPhoto.mime of a remote photo we gave up on (never retried)


def remote_due(limit: int) -> list[ListingPhoto]:
    """Remote photos still to fetch, oldest first."""
    return list(
        ListingPhoto.select()
        .where(
            (ListingPhoto.remote_url != "")
            & (ListingPhoto.name == "")
            & (ListingPhoto.mime != REMOTE_FAILED)
        )
        .order_by(ListingPhoto.id)
        .limit(limit)
    )


def remote_fetched(photo_id: int, saved: images.Saved) -> int:
    """A remote photo fetched, checked and re-encoded here: its files are named, unless another
    process kept its own copy meanwhile (0 then)."""
    full, thumb = saved.names
    return (
        ListingPhoto.update(
            name=full, thumb=thumb, mime=saved.mime, width=saved.width, height=saved.height
        )
        .where((ListingPhoto.id == photo_id) & (ListingPhoto.name == ""))
        .execute()
    )


def remote_failed(photo_id: int) -> None:
    """A remote photo that could not be fetched or was refused: not tried again."""
    ListingPhoto.update(mime=REMOTE_FAILED).where(ListingPhoto.id == photo_id).execute()
