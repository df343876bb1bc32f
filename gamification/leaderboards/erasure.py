"""An anonymised member leaves every board and stays off them."""

from __future__ import annotations

import re

from core.redis import RedisClient
from gamification.leaderboards.boards import erased_key


async def remove_member(redis: RedisClient, program_id: int, member_id: int) -> int:
    """Take the member off every board of the program (every family and period: the keys are
    found by their program tag, so boards of any source are covered), and keep them off: they
    join the erased set first, so a change in flight cannot bring them back. Returns how many
    boards listed them."""
    # redis-py types this command for its sync and asyncio clients at once.
    await redis.sadd(erased_key(program_id), str(member_id))  # type: ignore[misc]
    removed = 0
    async for key in redis.scan_iter(match=f"lb:{{p{program_id}}}:*", count=1000):
        name = key.decode() if isinstance(key, bytes) else key
        if name.endswith((":seen", ":erased")) or _REBUILDING.search(name):
            continue
        removed += await redis.zrem(name, str(member_id))
    return removed


# A rebuild's keys in the making (rebuilds.rebuild): matched by their whole suffix, since a board's
# own name may hold ":rebuild:" (the board of an action type of code "rebuild").
_REBUILDING = re.compile(r":rebuild:[0-9a-f]{32}$")
