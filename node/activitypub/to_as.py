"""Domain rows → ActivityStreams dicts; pure. The converters live by concern in as_actors (actors),
as_objects (listings, events, announcements, comments) and as_activities (wrappers); this module keeps
the one name every caller imports.
"""

from __future__ import annotations

from node.activitypub.as_activities import (
    accept,
    activity_id,
    announce,
    follow,
    iso,
    iso_precise,
    reject,
    undo,
    wrap_create,
    wrap_delete,
    wrap_update,
)
from node.activitypub.as_actors import (
    instance_actor,
    organisation_to_actor,
    quarter_to_group,
    resident_to_actor,
)
from node.activitypub.as_objects import (
    announcement_to_note,
    comment_to_note,
    event_to_as,
    listing_to_note,
)
from node.activitypub.vocab import AS_CONTEXT, PUBLIC

__all__ = [
    "AS_CONTEXT",
    "PUBLIC",
    "accept",
    "activity_id",
    "announce",
    "announcement_to_note",
    "comment_to_note",
    "event_to_as",
    "follow",
    "instance_actor",
    "iso",
    "iso_precise",
    "listing_to_note",
    "organisation_to_actor",
    "quarter_to_group",
    "reject",
    "resident_to_actor",
    "undo",
    "wrap_create",
    "wrap_delete",
    "wrap_update",
]
