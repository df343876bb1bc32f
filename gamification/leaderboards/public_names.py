"""The display names other members see on leaderboards, remembered a while by this process.

A display name is set at sign-up and changes only when the member is erased, and erasure also
takes the member off every board (`erasure.remove_member`, on MEMBER_ANONYMISED): a board page
can show names read up to `TTL_SECONDS` ago and never show a stale one. The top of a board is the
same page for every reader, and a reader refreshes their own neighbourhood: without this, every
board read would spend a database query on names that do not change (21 of them for
`first: 10, around: 5`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from gamification.accounts.members import display_names

TTL_SECONDS = 60.0
_LIMIT = 200_000

_names: dict[int, tuple[float, str]] = {}


async def board_names(member_ids: Sequence[int]) -> list[str]:
    """The members' display names, in order ("" for a member that does not exist)."""
    now = time.monotonic()
    known: dict[int, str] = {}
    missing: list[int] = []
    for member_id in member_ids:
        hit = _names.get(member_id)
        if hit is not None and hit[0] > now:
            known[member_id] = hit[1]
        else:
            missing.append(member_id)
    if missing:
        fetched = await display_names(missing)
        if len(_names) + len(fetched) > _LIMIT:
            _names.clear()
        expires = now + TTL_SECONDS
        for member_id, name in fetched.items():
            _names[member_id] = (expires, name)
        known.update(fetched)
    return [known.get(member_id, "") for member_id in member_ids]


def forget(member_id: int) -> None:
    """Drop this process's copy of the member's name (at erasure; other processes' copies
    lapse within `TTL_SECONDS`, and the member is off every board by then)."""
    _names.pop(member_id, None)


def forget_all() -> None:
    """Forget every name (start-up: a new app may face another database, as in tests)."""
    _names.clear()
