"""The bare twin of issue #20: the hot operations written plainly (Starlette, asyncpg, redis-py,
one uvicorn process), over the service's tables and Redis keys, as the yardstick of what the
service's own layers cost.

    DATABASE_URL=postgres://... REDIS_URL=redis://.../12 SECRET_KEY=... \\
        .venv/bin/uvicorn twin:app --app-dir bench --port 8121

It answers the six documents of `bench/hot_paths.py` (byte for byte) and nothing else, with the
answers the service gives, and writes what the service writes: the same rows (purchase, lines,
balance, ledger lot or FIFO spend, events; redemption; play), the same board update after a
purchase. It is written from the domain (DESIGN.md, docs/points.md, the key layout of
gamification/leaderboards/boards.py), not from the service's code, and keeps the service's
caches with their lifetimes: API keys 5 s, a program's rules and tiers 2 s, board names 60 s,
verified tokens.

It does only what the bench's program needs, and refuses (a GraphQL error with code
TWIN_UNHANDLED, which the bench counts as a failure) whatever it was not written for, so it can
never quietly do less than the service: program settings other than the defaults, an earning
rule of another kind than a base rate, a product multiplier or an untiered campaign, a tier
multiplier, an active challenge or webhook, a badge that listens to an event these operations
emit, a member's first purchase or a referred member's, a tier change, a replayed idempotency
key, a reward with stock, limits, a tier or badge gate or a validity, a game with limits or
gates or a winning moment due, a spend that no single lot covers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg
import hot_paths
import jwt
import orjson
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ROUNDING = {"FLOOR": ROUND_FLOOR, "HALF_UP": ROUND_HALF_UP, "CEIL": ROUND_CEILING}
# The events these operations emit: a badge listening to one of them would need evaluating.
EMITTED = (
    "POINTS_EARNED",
    "PURCHASE_RECORDED",
    "POINTS_SPENT",
    "REWARD_REDEEMED",
    "GAME_PLAYED",
    "TIER_CHANGED",
)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ALL_TIME_ORIGIN = datetime(2020, 1, 1, tzinfo=UTC)
# (unit seconds, bits) of the points boards: ALL_TIME in minutes, MONTH and WEEK in seconds.
ALL_TIME, MONTH, WEEK = (60, 26), (1, 22), (1, 20)
KEY_MARGIN = timedelta(days=7)
SEEN_WINDOW = timedelta(days=2)

# One change of a member's score under each period board: KEYS erased, then (board, seen)
# pairs; ARGV prune time, member, delta, change id, change time, then (tie, 2**bits, expiry)
# per pair. Applied once per change id; the earlier last change keeps the higher tie.
APPLY = """
if redis.call('SISMEMBER', KEYS[1], ARGV[2]) == 1 then return 0 end
local applied = 0
for i = 2, #KEYS, 2 do
  local a = 6 + (i - 2) / 2 * 3
  if redis.call('ZADD', KEYS[i + 1], 'NX', ARGV[5], ARGV[4]) == 1 then
    redis.call('ZREMRANGEBYSCORE', KEYS[i + 1], '-inf', '(' .. ARGV[1])
    local m, tie, value = tonumber(ARGV[a + 1]), tonumber(ARGV[a]), tonumber(ARGV[3])
    local current = redis.call('ZSCORE', KEYS[i], ARGV[2])
    if current then
      current = tonumber(current)
      local old = math.floor(current / m)
      value = value + old
      tie = math.min(tie, current - old * m)
    end
    redis.call('ZADD', KEYS[i], string.format('%.0f', value * m + tie), ARGV[2])
    if tonumber(ARGV[a + 2]) > 0 then
      redis.call('EXPIREAT', KEYS[i], ARGV[a + 2])
      redis.call('EXPIREAT', KEYS[i + 1], ARGV[a + 2])
    end
    applied = applied + 1
  end
end
return applied
"""
# KEYS board; ARGV first, member, around: the top, the member's rank and score, the neighbours.
READ = """
local top = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
local rank = redis.call('ZREVRANK', KEYS[1], ARGV[2])
if not rank then return {top, false, false, {}, 0} end
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
local low = math.max(0, rank - tonumber(ARGV[3]))
return {top, rank, score, redis.call('ZREVRANGE', KEYS[1], low, rank + tonumber(ARGV[3]),
  'WITHSCORES'), low}
"""

SPEND = """
WITH lot AS (
  UPDATE ledger_entry SET remaining = remaining - $1
  WHERE id = (SELECT id FROM ledger_entry WHERE member_id = $2 AND remaining > 0
              ORDER BY expires_at IS NULL, expires_at, id LIMIT 1)
    AND remaining >= $1 AND (expires_at IS NULL OR expires_at > $3)
  RETURNING id)
INSERT INTO ledger_entry (delta, kind, reason, reference, created_at, member_id, program_id)
SELECT -$1, $4, $5, $6, $3, $2, $7 FROM lot RETURNING id
"""
EVENTS = (
    "INSERT INTO event (type, data, occurred_at, settled_at, reruns, member_id, program_id) "
    "VALUES ($1, $2, $3, $7, 0, $5, $6), ($4, $8, $9, $7, 0, $5, $6)"
)


class Unhandled(Exception):
    """What the twin was not written for: answered as an error, never done partly."""


class Refused(Exception):
    """A business refusal, answered in the payload's `errors` as the service does."""

    def __init__(self, code: str) -> None:
        self.code = code


@dataclass
class Program:
    rules: list[asyncpg.Record]
    tiers: list[asyncpg.Record]  # by threshold, ascending
    tier_names: dict[int, str]
    read_at: float


class Twin:
    def __init__(self) -> None:
        self.secret = os.environ["SECRET_KEY"].encode()
        self.pool: asyncpg.Pool
        self.redis: Redis
        self.apply: Any
        self.read: Any
        self.tokens: dict[str, tuple[int, int, float, float]] = {}
        self.keys: dict[str, tuple[float, int]] = {}
        self.programs: dict[int, Program] = {}
        self.names: dict[int, tuple[float, str]] = {}
        self.rewards: dict[int, tuple[float, asyncpg.Record]] = {}
        self.games: dict[int, tuple[float, asyncpg.Record, datetime | None]] = {}
        self.handlers: dict[str, Callable[[Request, dict[str, Any]], Awaitable[Any]]] = {
            hot_paths.ME: self.me,
            hot_paths.REWARDS_PAGE: self.rewards_page,
            hot_paths.LEADERBOARD: self.leaderboard,
            hot_paths.RECORD_PURCHASE: self.record_purchase,
            hot_paths.REDEEM_REWARD: self.redeem_reward,
            hot_paths.PLAY_INSTANT_WIN: self.play_instant_win,
        }

    async def start(self) -> None:
        url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        self.pool = await asyncpg.create_pool(url, min_size=1, max_size=20)
        self.redis = Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
        self.apply = self.redis.register_script(APPLY)
        self.read = self.redis.register_script(READ)

    async def stop(self) -> None:
        await self.pool.close()
        await self.redis.aclose()

    # --- HTTP ------------------------------------------------------------------------------

    async def graphql(self, request: Request) -> Response:
        body = orjson.loads(await request.body())
        handler = self.handlers.get(body.get("query"))
        try:
            if handler is None:
                raise Unhandled("a document the twin does not know")
            data = await handler(request, body.get("variables") or {})
        except Unhandled as error:
            return _answer({"errors": [_error(str(error), "TWIN_UNHANDLED")], "data": None})
        except PermissionError as error:
            return _answer({"errors": [_error(str(error), "UNAUTHENTICATED")], "data": None})
        return _answer({"data": data})

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

    async def member(self, request: Request, columns: str = "") -> asyncpg.Record:
        """The calling member, still active and in session (one narrow read)."""
        member_id, program_id, issued_at = self.claims(request)
        row = await self.pool.fetchrow(
            "SELECT program_id, sessions_revoked_at, blocked_at, anonymised_at"
            f"{columns} FROM member WHERE id = $1",
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
        return row

    async def integration(self, request: Request) -> int:
        """The program of the calling API key (live keys remembered 5 s)."""
        presented = request.headers.get("x-api-key", "")
        digest = hashlib.sha256(presented.encode()).hexdigest()
        hit = self.keys.get(digest)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        parts = presented.split("_", 2)
        row = None
        if len(parts) == 3 and parts[0] == "lk":
            row = await self.pool.fetchrow(
                "SELECT program_id, key_hash FROM api_key WHERE prefix = $1 AND revoked_at IS NULL",
                parts[1],
            )
        if row is None or not hmac.compare_digest(
            row["key_hash"], hashlib.sha256(parts[2].encode()).hexdigest()
        ):
            raise PermissionError("The API key is unknown or revoked.")
        self.keys[digest] = (time.monotonic() + 5.0, row["program_id"])
        return int(row["program_id"])

    async def program(self, program_id: int) -> Program:
        """The program's rules and tiers, read at most every 2 s, after checking that the twin
        handles everything the program defines."""
        known = self.programs.get(program_id)
        if known is not None and known.read_at > time.monotonic():
            return known
        async with self.pool.acquire() as connection:
            settings = await connection.fetchval(
                "SELECT settings FROM program WHERE id = $1", program_id
            )
            rules = await connection.fetch(
                "SELECT id, name, kind, priority, starts_at, ends_at, points_per_unit, rounding,"
                " sku, category, multiplier, fixed_points, tier_id FROM earning_rule"
                " WHERE program_id = $1 AND NOT archived ORDER BY priority DESC, id",
                program_id,
            )
            tiers = await connection.fetch(
                "SELECT id, name, rank, qualifying_threshold, earning_multiplier FROM tier"
                " WHERE program_id = $1 AND NOT archived ORDER BY qualifying_threshold, rank",
                program_id,
            )
            others = await connection.fetchval(
                "SELECT (SELECT count(*) FROM challenge"
                "    WHERE program_id = $1 AND status = 'ACTIVE')"
                " + (SELECT count(*) FROM webhook WHERE program_id = $1 AND archived_at IS NULL)"
                " + (SELECT count(*) FROM badge WHERE program_id = $1 AND archived_at IS NULL"
                "    AND listens_to = ANY($2::text[]))",
                program_id,
                list(EMITTED),
            )
        if json.loads(settings) if isinstance(settings, str) else settings:
            raise Unhandled("program settings other than the defaults")
        if others:
            raise Unhandled("an active challenge, webhook or badge on these events")
        for rule in rules:
            if rule["kind"] not in ("BASE_RATE", "PRODUCT", "CAMPAIGN") or (
                rule["fixed_points"] is not None or rule["tier_id"] is not None
            ):
                raise Unhandled(f"earning rule {rule['id']} ({rule['kind']})")
        if any(t["earning_multiplier"] != 1 for t in tiers):
            raise Unhandled("a tier multiplier")
        program = Program(
            list(rules), list(tiers), {t["id"]: t["name"] for t in tiers}, time.monotonic() + 2.0
        )
        self.programs[program_id] = program
        return program

    # --- reads -------------------------------------------------------------------------------

    async def me(self, request: Request, variables: dict[str, Any]) -> Any:
        member = await self.member(request, ", id, display_name, points_balance, tier_id")
        program = await self.program(member["program_id"])
        badges = await self.pool.fetch(
            "SELECT b.name FROM badge_award a JOIN badge b ON b.id = a.badge_id"
            " WHERE a.member_id = $1 ORDER BY a.awarded_at DESC, a.id DESC",
            member["id"],
        )
        tier = member["tier_id"]
        return {
            "me": {
                "id": str(member["id"]),
                "displayName": member["display_name"],
                "pointsBalance": member["points_balance"],
                "tier": {"name": program.tier_names[tier]} if tier else None,
                "badges": [{"badge": {"name": b["name"]}} for b in badges],
            }
        }

    async def rewards_page(self, request: Request, variables: dict[str, Any]) -> Any:
        member = await self.member(request, ", points_balance")
        rows = await self.pool.fetch(
            "SELECT id, name, kind, points_cost, stock, starts_at, ends_at, limit_per_member,"
            " limit_per_period, required_badge_id, minimum_tier_id FROM reward"
            " WHERE program_id = $1 AND NOT archived ORDER BY id DESC LIMIT 21",
            member["program_id"],
        )
        now = datetime.now(UTC)
        edges = []
        for row in rows[:20]:
            if (
                row["limit_per_member"] is not None
                or row["limit_per_period"] is not None
                or row["required_badge_id"] is not None
                or row["minimum_tier_id"] is not None
            ):
                raise Unhandled(f"reward {row['id']} has limits or gates")
            available = (
                (row["starts_at"] is None or row["starts_at"] <= now)
                and (row["ends_at"] is None or now < row["ends_at"])
                and (row["stock"] is None or row["stock"] > 0)
                and member["points_balance"] >= row["points_cost"]
            )
            edges.append(
                {
                    "cursor": _cursor(row["id"]),
                    "node": {
                        "id": str(row["id"]),
                        "name": row["name"],
                        "kind": row["kind"],
                        "pointsCost": row["points_cost"],
                        "stock": row["stock"],
                        "available": available,
                    },
                }
            )
        return {
            "rewards": {
                "edges": edges,
                "pageInfo": {
                    "hasNextPage": len(rows) > 20,
                    "endCursor": edges[-1]["cursor"] if edges else None,
                },
            }
        }

    async def leaderboard(self, request: Request, variables: dict[str, Any]) -> Any:
        member_id, _, _ = self.claims(request)
        member = await self.member(request)
        key = f"lb:{{p{member['program_id']}}}:points:all"
        top, rank, score, near, low = await self.read(keys=[key], args=[10, member_id, 5])
        top_rows = _standings(top, 0)
        near_rows = _standings(near, int(low)) if rank is not None else []
        names = await self.board_names([r[1] for r in top_rows + near_rows])

        def entries(rows: list[tuple[int, int, int]]) -> list[dict[str, Any]]:
            return [
                {"rank": r, "score": s, "member": {"displayName": names.get(m, "")}}
                for r, m, s in rows
            ]

        return {
            "leaderboard": {
                "entries": entries(top_rows),
                "me": None
                if rank is None
                else {"rank": int(rank) + 1, "score": int(float(score)) >> ALL_TIME[1]},
                "around": entries(near_rows),
            }
        }

    async def board_names(self, member_ids: list[int]) -> dict[int, str]:
        now = time.monotonic()
        known = {m: hit[1] for m in member_ids if (hit := self.names.get(m)) and hit[0] > now}
        missing = [m for m in member_ids if m not in known]
        if missing:
            for row in await self.pool.fetch(
                "SELECT id, display_name FROM member WHERE id = ANY($1::bigint[])", missing
            ):
                self.names[row["id"]] = (now + 60.0, row["display_name"])
                known[row["id"]] = row["display_name"]
        return known

    # --- writes ------------------------------------------------------------------------------

    async def record_purchase(self, request: Request, variables: dict[str, Any]) -> Any:
        program_id = await self.integration(request)
        program = await self.program(program_id)
        given = variables["input"]
        if set(given["member"]) != {"id"}:
            raise Unhandled("a member given otherwise than by id")
        lines = given["lines"]
        total = Decimal(given["total"])
        occurred_at = datetime.fromisoformat(given["occurredAt"]).astimezone(UTC)
        now = datetime.now(UTC)
        breakdown, points = _evaluate(program.rules, lines, occurred_at)
        async with self.pool.acquire() as connection, connection.transaction():
            member = await connection.fetchrow(
                "SELECT id, points_balance, tier_id, first_purchase_at, referred_by_id,"
                " blocked_at, anonymised_at FROM member"
                " WHERE program_id = $1 AND id = $2 FOR UPDATE",
                program_id,
                int(given["member"]["id"]),
            )
            if member is None or member["blocked_at"] or member["anonymised_at"]:
                raise Unhandled("an unknown, blocked or erased member")
            if member["first_purchase_at"] is None or member["referred_by_id"] is not None:
                raise Unhandled("a first purchase or a referred member's")
            fingerprint = hashlib.sha256(
                json.dumps(given, sort_keys=True, separators=(",", ":")).encode()
            ).hexdigest()
            try:
                purchase_id = await connection.fetchval(
                    "INSERT INTO purchase (external_id, fingerprint, occurred_at, recorded_at,"
                    " currency, total, points_earned, first_purchase, breakdown, refunded_amount,"
                    " points_reversed, points_unrecovered, version, member_id, program_id)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, false, $8, 0, 0, 0, 0, $9, $10)"
                    " RETURNING id",
                    given["externalId"],
                    fingerprint,
                    occurred_at,
                    now,
                    given["currency"],
                    total,
                    points,
                    json.dumps(breakdown),
                    member["id"],
                    program_id,
                )
            except asyncpg.UniqueViolationError:
                raise Unhandled("a replayed externalId") from None
            values, placeholders = [purchase_id], []
            for position, line in enumerate(lines):
                n = len(values)
                placeholders.append(f"($1, ${n + 1}, ${n + 2}, ${n + 3}, ${n + 4}, ${n + 5}, 0)")
                values += [
                    position,
                    line["sku"],
                    line.get("category"),
                    line["quantity"],
                    Decimal(line["unitPrice"]),
                ]
            await connection.execute(
                "INSERT INTO purchase_line (purchase_id, position, sku, category, quantity,"
                " unit_price, refunded_quantity) VALUES " + ", ".join(placeholders),
                *values,
            )
            balance = await connection.fetchval(
                "UPDATE member SET points_balance = points_balance + $1 WHERE id = $2"
                " RETURNING points_balance",
                points,
                member["id"],
            )
            entry = await connection.fetchval(
                "INSERT INTO ledger_entry (delta, kind, reason, reference, created_at, remaining,"
                " member_id, program_id) VALUES ($1, 'EARN', $2, $3, $4, $1, $5, $6) RETURNING id",
                points,
                f"Purchase {given['externalId']}",
                f"purchase:{purchase_id}",
                now,
                member["id"],
                program_id,
            )
            qualifying = await connection.fetchrow(
                "SELECT sum(points_earned) AS p, sum(points_reversed) AS r FROM purchase"
                " WHERE member_id = $1 AND occurred_at > $2",
                member["id"],
                now - timedelta(days=365),
            )
            earned_tier = await connection.fetchval(
                "SELECT earned_tier_id FROM member_tier_status WHERE member_id = $1", member["id"]
            )
            value = (qualifying["p"] or 0) - (qualifying["r"] or 0)
            reached = [t["id"] for t in program.tiers if t["qualifying_threshold"] <= value]
            qualified = reached[-1] if reached else None
            if qualified != member["tier_id"] or earned_tier not in (None, member["tier_id"]):
                raise Unhandled("a tier change or a tier held otherwise than by points")
            await connection.execute(
                EVENTS,
                "POINTS_EARNED",
                json.dumps(
                    {
                        "points": points,
                        "kind": "EARN",
                        "reference": f"purchase:{purchase_id}",
                        "entry": entry,
                    }
                ),
                now,
                "PURCHASE_RECORDED",
                member["id"],
                program_id,
                now,
                json.dumps(
                    {
                        "purchase_id": purchase_id,
                        "external_id": given["externalId"],
                        "total": str(total),
                        "currency": given["currency"],
                        "points": points,
                        "first_purchase": False,
                        "referred": False,
                        "lines": [
                            {
                                "sku": line["sku"],
                                "category": line.get("category"),
                                "quantity": line["quantity"],
                                "unit_price": line["unitPrice"],
                            }
                            for line in lines
                        ],
                    }
                ),
                occurred_at,
            )
        if points > 0:
            await self.add_score(program_id, member["id"], points, now, f"e{entry}")
        tier = member["tier_id"]
        return {
            "recordPurchase": {
                "purchase": {
                    "id": str(purchase_id),
                    "pointsEarned": points,
                    "breakdown": [{"rule": b["rule"], "points": b["points"]} for b in breakdown],
                },
                "member": {
                    "pointsBalance": balance,
                    "tier": {"name": program.tier_names[tier]} if tier else None,
                },
                "errors": [],
            }
        }

    async def add_score(
        self, program_id: int, member_id: int, delta: int, at: datetime, change: str
    ) -> None:
        """The member's points boards (all time, month, ISO week), in one EVALSHA."""
        day = at.date()
        month = datetime(day.year, day.month, 1, tzinfo=UTC)
        next_month = datetime(day.year + day.month // 12, day.month % 12 + 1, 1, tzinfo=UTC)
        year, week, weekday = day.isocalendar()
        week_start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(
            days=weekday - 1
        )
        prefix = f"lb:{{p{program_id}}}:points:"
        windows = [
            ("all", ALL_TIME_ORIGIN, None, ALL_TIME),
            (f"m{month:%Y-%m}", month, next_month, MONTH),
            (f"w{year}-W{week:02d}", week_start, week_start + timedelta(days=7), WEEK),
        ]
        keys, args = [f"lb:{{p{program_id}}}:erased"], []
        for tag, origin, end, (unit, bits) in windows:
            top = (1 << bits) - 1
            elapsed = at - origin
            tick = (elapsed.days * 86_400 + elapsed.seconds) // unit
            keys += [prefix + tag, prefix + tag + ":seen"]
            expiry = int((end + KEY_MARGIN).timestamp()) if end else 0
            args += [top - min(max(tick, 0), top), 1 << bits, expiry]
        prune = int((datetime.now(UTC) - SEEN_WINDOW).timestamp())
        await self.apply(
            keys=keys, args=[prune, member_id, delta, change, int(at.timestamp()), *args]
        )

    async def redeem_reward(self, request: Request, variables: dict[str, Any]) -> Any:
        session = await self.member(request, ", id")
        program_id = session["program_id"]
        given = variables["input"]
        now = datetime.now(UTC)
        async with self.pool.acquire() as connection, connection.transaction():
            member = await connection.fetchrow(
                "SELECT id, points_balance FROM member WHERE id = $1 FOR UPDATE", session["id"]
            )
            if await connection.fetchval(
                "SELECT id FROM redemption WHERE member_id = $1 AND idempotency_key = $2",
                member["id"],
                given["idempotencyKey"],
            ):
                raise Unhandled("a replayed idempotency key")
            reward = await connection.fetchrow(
                "SELECT id, name, kind, points_cost, stock, starts_at, ends_at, archived,"
                " limit_per_member, limit_per_period, required_badge_id, minimum_tier_id,"
                " redemption_validity_days, donation_amount FROM reward"
                " WHERE id = $1 AND program_id = $2",
                int(given["rewardId"]),
                program_id,
            )
            if reward is None or reward["archived"] or reward["kind"] != "VOUCHER":
                raise Unhandled("a reward that is not a live voucher")
            if any(
                reward[c] is not None
                for c in (
                    "stock",
                    "starts_at",
                    "ends_at",
                    "limit_per_member",
                    "limit_per_period",
                    "required_badge_id",
                    "minimum_tier_id",
                    "redemption_validity_days",
                    "donation_amount",
                )
            ):
                raise Unhandled("a reward with stock, a window, limits, gates or a validity")
            cost = reward["points_cost"]
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
            redemption_id = await connection.fetchval(
                "INSERT INTO redemption (code, status, kind, points_spent, source,"
                " idempotency_key, created_at, points_refunded, member_id, program_id, reward_id)"
                " VALUES ($1, 'ISSUED', $2, $3, 'redeem', $4, $5, 0, $6, $7, $8) RETURNING id",
                code,
                reward["kind"],
                cost,
                given["idempotencyKey"],
                now,
                member["id"],
                program_id,
                reward["id"],
            )
            balance = await self.debit(connection, member["id"], cost)
            if balance is None:
                raise Refused("NOT_ENOUGH_POINTS")
            entry = await connection.fetchval(
                SPEND,
                cost,
                member["id"],
                now,
                "REDEEM",
                f"Redeemed: {reward['name']}",
                f"redemption:{redemption_id}",
                program_id,
            )
            if entry is None:
                raise Unhandled("a spend that no single lot covers")
            await self.spent_events(
                connection,
                member["id"],
                program_id,
                now,
                cost,
                "REDEEM",
                f"redemption:{redemption_id}",
                entry,
                "REWARD_REDEEMED",
                {"redemption_id": redemption_id, "reward_id": reward["id"], "points": cost},
            )
        return {
            "redeemReward": {
                "redemption": {
                    "id": str(redemption_id),
                    "code": code,
                    "status": "ISSUED",
                    "pointsSpent": cost,
                },
                "member": {"pointsBalance": balance},
                "errors": [],
            }
        }

    async def debit(self, connection: asyncpg.Connection, member_id: int, points: int) -> Any:
        return await connection.fetchval(
            "UPDATE member SET points_balance = points_balance - $1 WHERE id = $2"
            " AND points_balance >= $1 RETURNING points_balance",
            points,
            member_id,
        )

    async def spent_events(
        self,
        connection: asyncpg.Connection,
        member_id: int,
        program_id: int,
        now: datetime,
        points: int,
        kind: str,
        reference: str,
        entry: int,
        second: str,
        data: dict[str, Any],
    ) -> None:
        await connection.execute(
            EVENTS,
            "POINTS_SPENT",
            json.dumps({"points": points, "kind": kind, "reference": reference, "entry": entry}),
            now,
            second,
            member_id,
            program_id,
            now,
            json.dumps(data),
            now,
        )

    async def game(self, game_id: int, program_id: int) -> tuple[asyncpg.Record, datetime | None]:
        """The game (re-read every 2 s) and its next unclaimed winning moment."""
        hit = self.games.get(game_id)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1], hit[2]
        game = await self.pool.fetchrow(
            "SELECT id, name, mode, play_cost, starts_at, ends_at, max_plays_per_day,"
            " max_plays_total, min_tier_rank, required_badge_id, archived FROM instant_win_game"
            " WHERE id = $1 AND program_id = $2",
            game_id,
            program_id,
        )
        if game is None or game["archived"] or game["mode"] != "MOMENTS":
            raise Unhandled("a game that is not a live winning-moments game")
        if any(
            game[c] is not None
            for c in ("max_plays_per_day", "max_plays_total", "min_tier_rank", "required_badge_id")
        ):
            raise Unhandled("a game with limits or gates")
        moment = await self.pool.fetchval(
            "SELECT at FROM winning_moment WHERE game_id = $1 AND play_id IS NULL"
            " ORDER BY at LIMIT 1",
            game_id,
        )
        self.games[game_id] = (time.monotonic() + 2.0, game, moment)
        return game, moment

    async def play_instant_win(self, request: Request, variables: dict[str, Any]) -> Any:
        session = await self.member(request, ", id")
        program_id, member_id = session["program_id"], session["id"]
        given = variables["input"]
        game, moment = await self.game(int(given["gameId"]), program_id)
        now = datetime.now(UTC)
        if not game["starts_at"] <= now < game["ends_at"]:
            raise Refused("GAME_CLOSED")
        if moment is not None and moment <= now:
            raise Unhandled("a winning moment due")
        cost = game["play_cost"]
        async with self.pool.acquire() as connection, connection.transaction():
            try:
                play_id = await connection.fetchval(
                    "INSERT INTO game_play (idempotency_key, played_at, cost, won, game_id,"
                    " member_id, program_id) VALUES ($1, $2, $3, false, $4, $5, $6) RETURNING id",
                    given["idempotencyKey"],
                    now,
                    cost,
                    game["id"],
                    member_id,
                    program_id,
                )
            except asyncpg.UniqueViolationError:
                raise Unhandled("a replayed idempotency key") from None
            balance = await self.debit(connection, member_id, cost)
            if balance is None:
                raise Refused("NOT_ENOUGH_POINTS")
            entry = await connection.fetchval(
                SPEND,
                cost,
                member_id,
                now,
                "GAME_PLAY",
                f"Played {game['name']}",
                f"play:{play_id}",
                program_id,
            )
            if entry is None:
                raise Unhandled("a spend that no single lot covers")
            await self.spent_events(
                connection,
                member_id,
                program_id,
                now,
                cost,
                "GAME_PLAY",
                f"play:{play_id}",
                entry,
                "GAME_PLAYED",
                {"game_id": game["id"], "play_id": play_id, "won": False},
            )
        return {
            "playInstantWin": {
                "play": {"id": str(play_id), "won": False, "prize": None},
                "member": {"pointsBalance": balance},
                "errors": [],
            }
        }


def _evaluate(
    rules: list[asyncpg.Record], lines: list[dict[str, Any]], at: datetime
) -> tuple[list[dict[str, Any]], int]:
    """docs/points.md: the first base rate per line, the first matching product rule (a SKU
    before a category at equal priority) multiplying a line, every campaign adding
    (multiplier - 1) of the lines it covers; each rule's sum rounded once."""
    active = [
        r
        for r in rules
        if (r["starts_at"] is None or r["starts_at"] <= at)
        and (r["ends_at"] is None or at < r["ends_at"])
    ]
    bases = [r for r in active if r["kind"] == "BASE_RATE"]
    products = [r for r in active if r["kind"] == "PRODUCT"]
    base = bases[0] if bases else None
    rounding = ROUNDING[base["rounding"]] if base else ROUND_FLOOR
    sums: dict[int, Decimal] = {}
    line_points = []
    for line in lines:
        amount = Decimal(line["unitPrice"]) * line["quantity"]
        points = (
            amount * base["points_per_unit"] if base and base["points_per_unit"] else Decimal(0)
        )
        if base:
            sums[base["id"]] = sums.get(base["id"], Decimal(0)) + points
        matching = [
            r
            for r in products
            if (r["sku"] is not None and r["sku"] == line["sku"])
            or (
                r["sku"] is None and r["category"] is not None and r["category"] == line["category"]
            )
        ]
        if matching:
            rule = min(matching, key=lambda r: (-r["priority"], r["sku"] is None, r["id"]))
            extra = points * (rule["multiplier"] - 1)
            sums[rule["id"]] = sums.get(rule["id"], Decimal(0)) + extra
            points += extra
        line_points.append(points)
    for campaign in (r for r in active if r["kind"] == "CAMPAIGN"):
        covered = sum(
            (
                p
                for p, line in zip(line_points, lines, strict=True)
                if campaign["category"] is None or line.get("category") == campaign["category"]
            ),
            Decimal(0),
        )
        sums[campaign["id"]] = sums.get(campaign["id"], Decimal(0)) + covered * (
            campaign["multiplier"] - 1
        )
    named = {r["id"]: r for r in active}
    breakdown = [
        {
            "rule_id": rule_id,
            "rule": named[rule_id]["name"],
            "kind": named[rule_id]["kind"],
            "points": int(amount.quantize(Decimal(1), rounding=rounding)),
        }
        for rule_id, amount in sums.items()
    ]
    return breakdown, max(0, sum(b["points"] for b in breakdown))


def _standings(flat: list[Any], offset: int) -> list[tuple[int, int, int]]:
    """(rank, member id, value) of ZREVRANGE ... WITHSCORES rows of an all-time board."""
    return [
        (offset + i // 2 + 1, int(flat[i]), int(float(flat[i + 1])) >> ALL_TIME[1])
        for i in range(0, len(flat), 2)
    ]


def _cursor(reward_id: int) -> str:
    return base64.b64encode(f"id:{reward_id}".encode()).decode()


def _error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


def _answer(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


async def healthz(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


twin = Twin()


@asynccontextmanager
async def lifespan(app: Starlette) -> Any:
    await twin.start()
    yield
    await twin.stop()


async def graphql(request: Request) -> Response:
    try:
        return await twin.graphql(request)
    except Refused as refusal:
        # Only the mutations refuse: their payload carries the code, other fields null.
        body = orjson.loads(await request.body())
        name = next(name for doc, name in _MUTATIONS.items() if doc == body["query"])
        return _answer({"data": {name: {"errors": [{"code": refusal.code}], **_NULLS[name]}}})


_MUTATIONS = {
    hot_paths.RECORD_PURCHASE: "recordPurchase",
    hot_paths.REDEEM_REWARD: "redeemReward",
    hot_paths.PLAY_INSTANT_WIN: "playInstantWin",
}
_NULLS = {
    "recordPurchase": {"purchase": None, "member": None},
    "redeemReward": {"redemption": None, "member": None},
    "playInstantWin": {"play": None, "member": None},
}

app = Starlette(
    routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)],
    lifespan=lifespan,
)
