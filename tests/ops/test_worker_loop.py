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


async def test_an_idle_node_lets_its_worker_loop_sleep(make_settings):
    """The node's own steps, with nothing to do, must not wake the loop: the clock steps commit
    (expiry, loan reminders) and a commit kicks the workers, so each idle round used to start
    the next at once — an idle node spent 30–90 % of a core polling its database."""
    from ap_support import start_node

    node, runner = await start_node(make_settings, "a")
    rounds = []
    node.steps["probe"] = lambda n: _count(rounds)
    task = asyncio.create_task(node.run_forever())
    try:
        await asyncio.sleep(1.2)  # the idle poll waits 0.5 s, then 1 s, then longer
        assert 1 <= len(rounds) <= 4, f"{len(rounds)} rounds in 1.2 s: the loop does not sleep"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await runner.cleanup()


async def _count(rounds: list) -> int:
    rounds.append(1)
    return 0
