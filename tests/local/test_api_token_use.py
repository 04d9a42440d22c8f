"""A token's last use is kept to the minute the settings page shows, without a write for every
request it authenticates (a GET used to cost an UPDATE too)."""

import datetime as dt

from helpers import make_quarter, make_resident, make_token, node_of

from node.local import residents
from node.local.models import ApiToken


async def test_a_token_s_last_use_is_written_at_most_once_a_minute(client):
    node = node_of(client)
    await make_quarter(node)
    alice = await make_resident(node, "alice")
    token = await make_token(node, alice.id)

    def use():
        assert residents.resident_for_token(token).id == alice.id
        return ApiToken.get(ApiToken.resident == alice.id).last_used_at

    first = await node.db.run(use)
    assert first is not None
    assert await node.db.run(use) == first  # a second later: nothing written

    def age(minutes):
        earlier = first - dt.timedelta(minutes=minutes)
        ApiToken.update(last_used_at=earlier).where(ApiToken.resident == alice.id).execute()
        return earlier

    kept = await node.db.run(age, 0.5)
    assert await node.db.run(use) == kept
    old = await node.db.run(age, 2)
    assert await node.db.run(use) > old
    assert await node.db.run(lambda: residents.resident_for_token("not-a-token")) is None
