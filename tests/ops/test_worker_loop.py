"""The worker loop never loses a kick that lands while its steps are running."""

import asyncio

from node.runtime import Node


async def test_kick_during_a_round_wakes_the_next_round_at_once(settings):
    node = Node(settings=settings, db=None, urls=None)  # the loop itself needs neither
    calls = []

    async def step(n: Node) -> int:
        calls.append(len(calls))
        if len(calls) == 1:
            n.kick()  # work committed just after this step looked: nothing done this round
        return 0

    node.steps["probe"] = step
    task = asyncio.create_task(node.run_forever())
    try:
        # Given no timer can fire in a few loop turns (the idle poll is 0.5 s)…
        for _ in range(20):
            await asyncio.sleep(0)
        # …the second round has already run: the kick was kept, not cleared after the round.
        assert len(calls) >= 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
