"""HANDLERS: the one dispatch table {(activity type, object type): handler}; "*" = a bare id."""

from node.activitypub.handlers import (
    actors,
    announces,
    loans,
    messages,
    moderation,
    objects,
    rsvps,
    twins,
)

HANDLERS = {
    ("Follow", "*"): twins.on_follow,
    ("Undo", "Follow"): twins.on_undo_follow,  # maybe ending a twinning
    ("Accept", "Follow"): twins.on_accept,  # a follow, maybe settling a twinning
    ("Accept", "*"): loans.on_accept,  # our loan Offer or extension, else a Follow
    ("Reject", "Follow"): twins.on_reject,
    ("Reject", "*"): loans.on_reject,
    ("Create", "Note"): messages.on_create_note,  # direct Notes first, then objects
    ("Create", "Page"): objects.on_create_note,
    ("Create", "Article"): objects.on_create_note,
    ("Create", "Event"): objects.on_create_event,
    ("Update", "Note"): objects.on_update_note,
    ("Update", "Page"): objects.on_update_note,
    ("Update", "Article"): objects.on_update_note,
    ("Update", "Event"): objects.on_update_event,
    ("Delete", "*"): objects.on_delete,
    ("Delete", "Tombstone"): objects.on_delete,
    ("Delete", "Note"): objects.on_delete,
    ("Announce", "*"): announces.on_announce,
    ("Announce", "Create"): announces.on_announce,
    ("Announce", "Update"): announces.on_announce,
    ("Announce", "Delete"): announces.on_announce,
    ("Announce", "Note"): announces.on_announce,
    ("Announce", "Page"): announces.on_announce,
    ("Announce", "Event"): announces.on_announce,
    ("Like", "*"): moderation.on_like,
    ("Flag", "*"): moderation.on_flag,
    ("Block", "*"): actors.on_block,
    ("Undo", "Block"): actors.on_undo_block,
    ("Update", "Person"): actors.on_update_actor,
    ("Update", "Group"): actors.on_update_actor,
    ("Update", "Organization"): actors.on_update_actor,
    ("Update", "Service"): actors.on_update_actor,
    ("Update", "Application"): actors.on_update_actor,
    # across the border: loans (FEP-0837), RSVPs (Mobilizon), see docs/federation.md
    ("Offer", "Agreement"): loans.on_offer,
    ("Accept", "Offer"): loans.on_accept,
    ("Reject", "Offer"): loans.on_reject,
    ("Undo", "Offer"): loans.on_undo,
    ("Undo", "Accept"): loans.on_undo,
    ("Create", "EconomicEvent"): loans.on_custody,
    ("Join", "*"): rsvps.on_join,
    ("Leave", "*"): rsvps.on_leave,
    ("Accept", "Join"): rsvps.on_accept_join,
    ("TentativeAccept", "Join"): rsvps.on_tentative_accept_join,
    ("TentativeAccept", "*"): rsvps.on_answer_by_id,
    ("Reject", "Join"): rsvps.on_reject_join,
}
