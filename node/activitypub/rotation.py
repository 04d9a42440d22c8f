"""Key rotation: a new RSA key for one of our actors, announced by an Update of the actor."""

from __future__ import annotations

from node.activitypub import actors, audience, keys, outbox, residence, residence_out, trust
from node.activitypub.models import INSTANCE, ActorKey
from node.local.errors import NotFound
from node.local.tx import Tx
from node.runtime import Node


def rotate_key(tx: Tx, node: Node, handle: str) -> int:
    """Replace the key pair, then send Update(actor) to its followers and every host it reached.

    Receivers whose cached key no longer verifies refetch the actor once (inbox.receive), so the
    Update signed with the new key is accepted and the new key is cached.
    """
    if actors.find_local(handle) is None:
        raise NotFound(f"no local actor @{handle}")
    private = keys.generate_private_key()
    values = {
        "private_pem": keys.private_key_to_pem(private),
        "public_pem": keys.public_key_to_pem(private),
    }
    if ActorKey.update(**values).where(ActorKey.handle == handle).execute() == 0:
        ActorKey.create(handle=handle, **values)
    node.keys.forget(handle)
    if handle == INSTANCE:
        node.keys.instance_signer = None
    found = actors.find_local(handle)
    quarter = found is not None and found[0] == "quarter"
    if quarter:
        residence.rotate_key(handle)  # the Group's attestation key goes with its RSA key
    sent = 0
    for signer, activity, inboxes in outbox._actor_update(
        node, handle, f"key-{tx.now.isoformat()}"
    ):
        known = audience.group_inboxes(trust.known_inboxes(handle))
        sent += outbox.enqueue(node, signer, activity, trust.one_per_host(inboxes + known))
    if quarter:
        # the Group's Update (new key) goes first; then every attestation it signed, re-signed
        for signer, activity, inboxes in residence_out.reissue_quarter(
            node, handle, f"key-{tx.now.isoformat()}"
        ):
            sent += outbox.enqueue(node, signer, activity, inboxes)
    return sent
