"""The WebSocket connections of this process, and the check that keeps each one in session.

A connection is authenticated once, in `connection_init`. Afterwards, every
`live_session_check_seconds` the process reads the accounts behind all its connections (a few
batched queries, whatever the number of connections) and closes, with close code 4403, those
whose token expired, whose member was blocked or erased, whose staff user was archived, or whose
sessions were ended after the token was issued (a reused refresh token, a log-out everywhere).
A staff connection's role is read again at the same time, so programActivity filters by the
role the staff user has now.

The limit of connections per account holds within one API process (a count here): it bounds
what one account costs a process, not the deployment.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import structlog

from api.caller import Caller
from api.loaders import Loaders
from core.clock import clock
from gamification.accounts.member_status import is_active
from gamification.accounts.sessions import session_is_current

log = structlog.get_logger("api.subscriptions")

# The close code of a refused or ended session (graphql-transport-ws: Forbidden). A client such
# as graphql-ws retries it, with connectionParams read again: a fresh token reconnects.
FORBIDDEN = 4403
# Too many connections for one account (graphql-ws does not retry it).
TOO_MANY = 4429
# Accounts read per query by the session check.
CHECK_BATCH = 500


@dataclass(eq=False)
class Connection:
    caller: Caller
    expires_at: float  # the access token's expiry (Unix seconds)
    close: Callable[[int, str], Awaitable[None]]
    role: str | None = None  # a staff user's role, as last read
    closing: bool = field(default=False)

    @property
    def account(self) -> tuple[str, int]:
        assert self.caller.subject_id is not None
        return self.caller.kind, self.caller.subject_id


class Connections:
    def __init__(self, per_account: int, check_seconds: float) -> None:
        self.per_account = per_account
        self.check_seconds = check_seconds
        self._by_account: dict[tuple[str, int], set[Connection]] = {}
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return sum(len(c) for c in self._by_account.values())

    def admit(self, connection: Connection) -> bool:
        """Count the connection in, unless its account holds the most it may already."""
        held = self._by_account.setdefault(connection.account, set())
        if len(held) >= self.per_account:
            return False
        held.add(connection)
        return True

    def leave(self, connection: Connection) -> None:
        held = self._by_account.get(connection.account)
        if held is not None:
            held.discard(connection)
            if not held:
                del self._by_account[connection.account]

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="live session check")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.check_seconds)
            try:
                await self.check()
            except Exception:  # an outage of the database: the next round tries again
                log.warning("live session check failed", exc_info=True)

    async def check(self) -> int:
        """Close the connections no longer in session; returns how many."""
        now = clock.now().timestamp()
        connections = [c for held in self._by_account.values() for c in held if not c.closing]
        ended: list[tuple[Connection, str]] = [
            (c, "The access token expired.") for c in connections if c.expires_at <= now
        ]
        current = [c for c in connections if c.expires_at > now]
        members = sorted({c.caller.member_id for c in current if c.caller.kind == "member"})
        staff = sorted({c.caller.staff_id for c in current if c.caller.kind == "staff"})
        loaders = Loaders()
        accounts: dict[tuple[str, int], object] = {}
        for start in range(0, len(members), CHECK_BATCH):
            ids = members[start : start + CHECK_BATCH]
            for member_id, member in zip(ids, await loaders.member.load_many(ids), strict=True):
                accounts["member", member_id] = member if is_active(member) else None
        for start in range(0, len(staff), CHECK_BATCH):
            ids = staff[start : start + CHECK_BATCH]
            for staff_id, user in zip(ids, await loaders.active_staff.load_many(ids), strict=True):
                accounts["staff", staff_id] = user
        for connection in current:
            account = accounts.get(connection.account)
            caller = connection.caller
            assert caller.program_id is not None
            if account is None or not session_is_current(
                account,  # type: ignore[arg-type]  # a Member or a StaffUser, by the key's kind
                caller.program_id,
                caller.issued_at,
            ):
                ended.append((connection, "This session is no longer valid."))
            elif caller.kind == "staff":
                connection.role = account.role.value  # type: ignore[attr-defined]  # a StaffUser
        for connection, reason in ended:
            connection.closing = True
            with contextlib.suppress(Exception):  # a connection already gone
                await asyncio.wait_for(connection.close(FORBIDDEN, reason), 5)
        if ended:
            log.info("live connections ended", count=len(ended))
        return len(ended)
