"""The Redis client: one pool per process, created in the lifespan (or a worker's start-up)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError


def create_redis(url: str) -> Redis:
    redis: Redis = Redis.from_url(url, decode_responses=True, health_check_interval=30)
    return redis


class RedisUnavailable(RuntimeError):
    pass


async def ensure_redis(redis: Redis, url: str) -> None:
    """Fail with one clear line when Redis does not answer."""
    try:
        await redis.ping()
    except (RedisError, OSError) as error:
        raise RedisUnavailable(
            f"Redis does not answer at {url} ({error.__class__.__name__}). Start it with "
            "`redis-server --daemonize yes` (or set REDIS_URL)."
        ) from None


@dataclass(frozen=True)
class ScriptCall:
    """One run of a Lua script: its text, keys and arguments."""

    script: str
    keys: Sequence[str]
    args: Sequence[str]


@functools.lru_cache(maxsize=64)
def _sha(script: str) -> str:
    return hashlib.sha1(script.encode()).hexdigest()


async def run_scripts(redis: Redis, calls: Sequence[ScriptCall]) -> list[Any]:
    """Run several Lua scripts in one round trip (a pipeline of EVALSHA) and return their
    results in order. A script the server does not know yet (NOSCRIPT: never loaded, or its
    cache was flushed) did not run: it is loaded and only those calls run again. (redis-py's
    own pipelined scripts ask SCRIPT EXISTS first, a round trip of its own, every time.)"""
    results: list[Any] = [None] * len(calls)
    todo = list(range(len(calls)))
    for attempt in range(2):
        async with redis.pipeline(transaction=False) as pipe:
            for i in todo:
                call = calls[i]
                pipe.evalsha(_sha(call.script), len(call.keys), *call.keys, *call.args)
            answers = await pipe.execute(raise_on_error=False)
        unknown = []
        for i, answer in zip(todo, answers, strict=True):
            results[i] = answer
            if isinstance(answer, NoScriptError):
                unknown.append(i)
        if not unknown or attempt:
            break
        for script in {calls[i].script for i in unknown}:
            await redis.script_load(script)
        todo = unknown
    for answer in results:
        if isinstance(answer, Exception):
            raise answer
    return results
