"""The bare twin of issue #23's `placeBid`: a bid written plainly (Starlette, asyncpg, one uvicorn
process) over the service's tables, as the yardstick of what the service's layers cost a bid.

    DATABASE_URL=postgres://... SECRET_KEY=... \\
        .venv/bin/uvicorn auction_twin:app --app-dir bench --port 8132

It answers the one document of `bench/place_bid.py` (PLACE_BID, byte for byte) and nothing
else, with the answer's shape of the service, and writes what the service writes, from the domain
(the docstrings of gamification/games/auctions.py and gamification/points/holds.py), not from its
code. In one transaction: the auction's row lock, then the member rows of the bidder and of the
bidder pushed out, in id order; the hold as one conditional UPDATE of the balance, taken from the
lots soonest-expiring first (lots that never expire last) with a points_hold_lot row per lot;
the hold row (a raise adds to it); the bid, the raised bid marked RAISED, the pushed-out bid
OUTBID and its hold released back into its lots; the auction's bids_count and, for a bid in the
last extension_minutes, its end; BID_PLACED (and OUTBID) written settled, as the outbox writes
an event no handler wants.

It refuses (a GraphQL error with code TWIN_UNHANDLED, which the bench counts) what it was not
written for: an auction with a tier or badge gate, a program with a webhook or a badge listening
to these events, a member with a lot due to expire, a balance short of the bid or a blocked
member, a replayed idempotency key. Business refusals (AUCTION_CLOSED, BID_TOO_LOW, NOT_FOUND)
are answered in the payload's `errors`, as the service does.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import jwt
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PLACE_BID = (
    "mutation Bid($input: PlaceBidInput!) { placeBid(input: $input) "
    "{ bid { id points status placedAt } "
    "auction { id currentPrice minimumBid bidsCount endsAt myBid myStatus } "
    "member { pointsBalance pointsHeld } errors { code } } }"
)
EMITTED = ("BID_PLACED", "OUTBID")
NULLS = {"bid": None, "auction": None, "member": None}

RELEASE_LOTS = (
    "UPDATE ledger_entry e SET remaining = e.remaining + s.points FROM"
    " (SELECT lot_id, sum(points) AS points FROM points_hold_lot WHERE hold_id = $1"
    " GROUP BY lot_id) s WHERE e.id = s.lot_id"
)


class Unhandled(Exception):
    """What the twin was not written for: answered as an error, never done partly."""


class Refused(Exception):
    """A business refusal, answered in the payload's `errors` as the service does."""

    def __init__(self, code: str) -> None:
        self.code = code


class LeanConnection(asyncpg.Connection):  # type: ignore[misc]
    """No reset query when a connection goes back to the pool, as the service's connections
    (core/database.py): one round trip fewer for each acquire."""

    def get_reset_query(self) -> str:
        return ""


class AuctionTwin:
    def __init__(self) -> None:
        self.secret = b""
        self.pool: asyncpg.Pool
        self.tokens: dict[str, tuple[int, int, float, float]] = {}
        # program id -> (checked until, monotonic): webhooks and badges on these events.
        self.programs: dict[int, float] = {}

    async def start(self) -> None:
        self.secret = os.environ["SECRET_KEY"].encode()
        url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        self.pool = await asyncpg.create_pool(
            url, min_size=1, max_size=20, connection_class=LeanConnection
        )

    async def stop(self) -> None:
        await self.pool.close()

    async def graphql(self, request: Request) -> Response:
        body = orjson.loads(await request.body())
        try:
            if body.get("query") != PLACE_BID:
                raise Unhandled("a document the twin does not know")
            data = await self.place_bid(request, body.get("variables") or {})
        except Unhandled as error:
            return _answer({"errors": [_error(str(error), "TWIN_UNHANDLED")], "data": None})
        except PermissionError as error:
            return _answer({"errors": [_error(str(error), "UNAUTHENTICATED")], "data": None})
        except Refused as refusal:
            return _answer({"data": {"placeBid": {**NULLS, "errors": [{"code": refusal.code}]}}})
        return _answer({"data": {"placeBid": data}})

    # --- who is calling ----------------------------------------------------------------------

    def claims(self, request: Request) -> tuple[int, int, float]:
        header = request.headers.get("authorization", "")
        token = header[7:] if header[:7].lower() == "bearer " else ""
        known = self.tokens.get(token)
        if known is None:
            try:
                payload = jwt.decode(
                    token, self.secret, algorithms=["HS256"], options={"verify_exp": False}
                )
            except jwt.PyJWTError:
                raise PermissionError("The access token is invalid or expired.") from None
            kind, _, subject = payload["sub"].partition(":")
            if kind != "member":
                raise PermissionError("This needs a member's session.")
            known = (int(subject), int(payload["prg"]), float(payload["iat"]), payload["exp"])
            self.tokens[token] = known
        if known[3] <= time.time():
            raise PermissionError("The access token is invalid or expired.")
        return known[0], known[1], known[2]

    async def session(self, request: Request) -> tuple[int, int]:
        """The calling member (id, program), still active and in session (one narrow read)."""
        member_id, program_id, issued_at = self.claims(request)
        row = await self.pool.fetchrow(
            "SELECT program_id, sessions_revoked_at, blocked_at, anonymised_at FROM member"
            " WHERE id = $1",
            member_id,
        )
        if (
            row is None
            or row["program_id"] != program_id
            or row["blocked_at"] is not None
            or row["anonymised_at"] is not None
            or (row["sessions_revoked_at"] and issued_at <= row["sessions_revoked_at"].timestamp())
        ):
            raise PermissionError("This session is no longer valid.")
        return member_id, program_id

    async def check_program(self, program_id: int) -> None:
        """Nothing in the program listens to a bid's events (checked at most every 2 s)."""
        if self.programs.get(program_id, 0.0) > time.monotonic():
            return
        listening = await self.pool.fetchval(
            "SELECT (SELECT count(*) FROM webhook WHERE program_id = $1 AND archived_at IS NULL)"
            " + (SELECT count(*) FROM badge WHERE program_id = $1 AND archived_at IS NULL"
            "    AND listens_to = ANY($2::text[]))",
            program_id,
            list(EMITTED),
        )
        if listening:
            raise Unhandled("a webhook or a badge on a bid's events")
        self.programs[program_id] = time.monotonic() + 2.0

    # --- the bid -----------------------------------------------------------------------------

    async def place_bid(self, request: Request, variables: dict[str, Any]) -> dict[str, Any]:
        member_id, program_id = await self.session(request)
        await self.check_program(program_id)
        given = variables["input"]
        points, key = given["points"], given["idempotencyKey"]
        if not isinstance(points, int) or not 1 <= points <= 1_000_000_000:
            raise Refused("INVALID_INPUT")
        if not 1 <= len(key) <= 128 or not key.isprintable():
            raise Refused("INVALID_INPUT")
        try:
            auction_id = int(given["auctionId"])
        except ValueError:
            raise Refused("NOT_FOUND") from None
        now = datetime.now(UTC)
        reference = f"auction:{auction_id}"
        async with self.pool.acquire() as connection, connection.transaction():
            auction = await connection.fetchrow(
                "SELECT id, quantity, starts_at, ends_at, starting_bid, min_increment,"
                " extension_minutes, min_tier_rank, required_badge_id, status, archived,"
                " bids_count FROM auction WHERE id = $1 AND program_id = $2 FOR UPDATE",
                auction_id,
                program_id,
            )
            if auction is None:
                raise Refused("NOT_FOUND")
            if auction["min_tier_rank"] is not None or auction["required_badge_id"] is not None:
                raise Unhandled("an auction with a tier or badge gate")
            if (
                auction["status"] != "OPEN"
                or auction["archived"]
                or not auction["starts_at"] <= now < auction["ends_at"]
            ):
                raise Refused("AUCTION_CLOSED")
            winning = await connection.fetch(
                "SELECT id, member_id, points FROM auction_bid"
                " WHERE auction_id = $1 AND status = 'WINNING'",
                auction_id,
            )
            ranked = sorted(winning, key=lambda bid: (-bid["points"], bid["id"]))
            own = next((bid for bid in ranked if bid["member_id"] == member_id), None)
            others = [bid for bid in ranked if bid["member_id"] != member_id]
            quantity, increment = auction["quantity"], auction["min_increment"]
            least = _least(auction["starting_bid"], quantity, increment, others, own)
            if points < least:
                raise Refused("BID_TOO_LOW")
            pushed_out = others[quantity - 1] if len(others) >= quantity else None
            # Member rows in id order, the bidder's and the outbid one's: the service's lock order.
            await connection.execute(
                "SELECT 1 FROM member WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE",
                sorted({member_id, *([pushed_out["member_id"]] if pushed_out else [])}),
            )
            more = points - own["points"] if own is not None else points
            held = await connection.fetchrow(
                "UPDATE member SET points_balance = points_balance - $1,"
                " points_held = points_held + $1 WHERE id = $2 AND points_balance >= $1"
                " AND blocked_at IS NULL AND anonymised_at IS NULL"
                " RETURNING points_balance, points_held",
                more,
                member_id,
            )
            if held is None:
                raise Unhandled("a balance short of the bid, or a blocked member")
            lots = await connection.fetch(
                "SELECT id, remaining, expires_at FROM ledger_entry"
                " WHERE member_id = $1 AND remaining > 0"
                " ORDER BY expires_at IS NULL, expires_at, id",
                member_id,
            )
            left, lot_ids, parts = more, [], []
            for lot in lots:
                if left == 0:
                    break
                if lot["expires_at"] is not None and lot["expires_at"] <= now:
                    raise Unhandled("a lot due to expire")
                take = min(left, lot["remaining"])
                await connection.execute(
                    "UPDATE ledger_entry SET remaining = remaining - $1 WHERE id = $2",
                    take,
                    lot["id"],
                )
                lot_ids.append(lot["id"])
                parts.append(take)
                left -= take
            if left:
                raise Unhandled("lots short of the balance")
            if own is not None:
                hold_id = await connection.fetchval(
                    "UPDATE points_hold SET points = points + $1 WHERE member_id = $2"
                    " AND reference = $3 AND status = 'HELD' RETURNING id",
                    more,
                    member_id,
                    reference,
                )
                await connection.execute(
                    "UPDATE auction_bid SET status = 'RAISED' WHERE id = $1", own["id"]
                )
            else:
                # A member without a standing bid has no open hold on the auction: an outbid or
                # lost bid's hold was released with it.
                hold_id = await connection.fetchval(
                    "INSERT INTO points_hold (reference, points, status, created_at, member_id,"
                    " program_id) VALUES ($1, $2, 'HELD', $3, $4, $5) RETURNING id",
                    reference,
                    more,
                    now,
                    member_id,
                    program_id,
                )
            await connection.execute(
                "INSERT INTO points_hold_lot (hold_id, lot_id, points)"
                " SELECT $1, unnest($2::bigint[]), unnest($3::bigint[])",
                hold_id,
                lot_ids,
                parts,
            )
            try:
                bid_id = await connection.fetchval(
                    "INSERT INTO auction_bid (points, status, idempotency_key, placed_at,"
                    " auction_id, member_id, program_id) VALUES ($1, 'WINNING', $2, $3, $4, $5, $6)"
                    " RETURNING id",
                    points,
                    key,
                    now,
                    auction_id,
                    member_id,
                    program_id,
                )
            except asyncpg.UniqueViolationError:
                raise Unhandled("a replayed idempotency key") from None
            # The outbid bidder's event first, as the service emits them.
            events: list[tuple[str, int, dict[str, int]]] = []
            if pushed_out is not None:
                released = await self.release(connection, pushed_out, reference, now)
                events.append(
                    (
                        "OUTBID",
                        pushed_out["member_id"],
                        {
                            "auction_id": auction_id,
                            "bid_id": pushed_out["id"],
                            "released": released,
                        },
                    )
                )
            events.append(
                (
                    "BID_PLACED",
                    member_id,
                    {"auction_id": auction_id, "bid_id": bid_id, "points": points, "held": more},
                )
            )
            ends_at = auction["ends_at"]
            window = timedelta(minutes=auction["extension_minutes"])
            if window and ends_at - now <= window:
                ends_at += window
            await connection.execute(
                "UPDATE auction SET bids_count = bids_count + 1, ends_at = $2 WHERE id = $1",
                auction_id,
                ends_at,
            )
            await connection.execute(
                "INSERT INTO event (type, data, occurred_at, settled_at, reruns, member_id,"
                " program_id) SELECT unnest($1::text[]), unnest($2::text[])::jsonb, $3, $3, 0,"
                " unnest($4::bigint[]), $5",
                [e[0] for e in events],
                [json.dumps(e[2]) for e in events],
                now,
                [e[1] for e in events],
                program_id,
            )
        standing = [
            (points, bid_id),
            *(
                (b["points"], b["id"])
                for b in others
                if pushed_out is None or b["id"] != pushed_out["id"]
            ),
        ]
        standing.sort(key=lambda s: (-s[0], s[1]))
        # The caller's own next bid: beat the lowest winning other (once all units have one) and
        # their own by the increment.
        rest = [s for s in standing if s[1] != bid_id]
        minimum = max(auction["starting_bid"], points + increment)
        if len(rest) >= quantity:
            minimum = max(minimum, rest[quantity - 1][0] + increment)
        return {
            "bid": {
                "id": str(bid_id),
                "points": points,
                "status": "WINNING",
                "placedAt": now.isoformat(),
            },
            "auction": {
                "id": str(auction_id),
                "currentPrice": standing[0][0],
                "minimumBid": minimum,
                "bidsCount": auction["bids_count"] + 1,
                "endsAt": ends_at.isoformat(),
                "myBid": points,
                "myStatus": "WINNING",
            },
            "member": {"pointsBalance": held["points_balance"], "pointsHeld": held["points_held"]},
            "errors": [],
        }

    async def release(
        self, connection: asyncpg.Connection, bid: asyncpg.Record, reference: str, now: datetime
    ) -> int:
        """Mark the bid OUTBID and give its hold back to the balance, into its lots."""
        await connection.execute(
            "UPDATE auction_bid SET status = 'OUTBID' WHERE id = $1", bid["id"]
        )
        hold = await connection.fetchrow(
            "UPDATE points_hold SET status = 'RELEASED', closed_at = $3 WHERE member_id = $1"
            " AND reference = $2 AND status = 'HELD' RETURNING id, points",
            bid["member_id"],
            reference,
            now,
        )
        if hold is None:
            return 0
        await connection.execute(
            "UPDATE member SET points_balance = points_balance + $1,"
            " points_held = points_held - $1 WHERE id = $2",
            hold["points"],
            bid["member_id"],
        )
        await connection.execute(RELEASE_LOTS, hold["id"])
        return int(hold["points"])


def _least(
    starting_bid: int,
    quantity: int,
    increment: int,
    others: list[asyncpg.Record],
    own: asyncpg.Record | None,
) -> int:
    """The least a bid may be: the starting bid; once every unit has another's bid, the lowest
    of them plus the increment; a raise, the member's own bid plus the increment."""
    least = starting_bid
    if len(others) >= quantity:
        least = max(least, others[quantity - 1]["points"] + increment)
    if own is not None:
        least = max(least, own["points"] + increment)
    return int(least)


def _error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


def _answer(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


async def healthz(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


twin = AuctionTwin()


@asynccontextmanager
async def lifespan(app: Starlette) -> Any:
    await twin.start()
    yield
    await twin.stop()


async def graphql(request: Request) -> Response:
    return await twin.graphql(request)


app = Starlette(
    routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)],
    lifespan=lifespan,
)
