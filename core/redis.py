"""The Redis client: one pool per process, created in the lifespan (or a worker's start-up).

It is a plain Redis or a Redis Cluster (the REDIS_CLUSTER setting). Every key of a program
carries the program's hash tag (`{p<id>}`), so the keys one script or one multi-key command
touches share one slot; the few keys of no program carry a tag of their own (the persisted
queries'). The arq job queue is another client (core.settings.Settings.queue_url).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError, RedisClusterException, RedisError

# What the app's code takes: both answer the commands it uses, a Cluster refusing (before
# sending) any multi-key command or script whose keys are not in one slot.
RedisClient: TypeAlias = Redis | RedisCluster

# What a client raises when its server does not answer (a Cluster client that cannot reach any
# node to learn the slots raises RedisClusterException, which is no RedisError).
UNREACHABLE = (RedisError, RedisClusterException, OSError)


def create_redis(url: str, cluster: bool = False) -> RedisClient:
    """A client for `url`; with `cluster`, `url` is any node of a Redis Cluster."""
    if cluster:
        nodes: RedisCluster = RedisCluster.from_url(
            url, decode_responses=True, health_check_interval=30
        )
        return nodes
    redis: Redis = Redis.from_url(url, decode_responses=True, health_check_interval=30)
    return redis


class RedisUnavailable(RuntimeError):
    pass


async def ensure_redis(redis: RedisClient, url: str) -> None:
    """Fail with one clear line when Redis does not answer."""
    try:
        await redis.ping()
    except UNREACHABLE as error:
        raise RedisUnavailable(
            f"Redis does not answer at {url} ({error.__class__.__name__}). Start it with "
            "`redis-server --daemonize yes` (or set REDIS_URL)."
        ) from None


def script(redis: RedisClient, text: str) -> AsyncScript:
    """`text` as a script of `redis` (run by EVALSHA, loaded on NOSCRIPT), plain or Cluster."""
    # redis-py types register_script's `self` as the plain client; its Cluster client has the
    # same method.
    return redis.register_script(text)  # type: ignore[misc]


@dataclass(frozen=True)
class ScriptCall:
    """One run of a Lua script: its text, keys and arguments."""

    script: str
    keys: Sequence[str]
    args: Sequence[str]


@functools.lru_cache(maxsize=64)
def _sha(script: str) -> str:
    return hashlib.sha1(script.encode()).hexdigest()


async def run_scripts(redis: RedisClient, calls: Sequence[ScriptCall]) -> list[Any]:
    """Run several Lua scripts in one round trip (a pipeline of EVALSHA) and return their
    results in order. A script the server does not know yet (NOSCRIPT: never loaded, or its
    cache was flushed) did not run: it is loaded and only those calls run again. (redis-py's
    own pipelined scripts ask SCRIPT EXISTS first, a round trip of its own, every time.)"""
    if isinstance(redis, RedisCluster):
        return await _run_on_cluster(redis, calls)
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


async def _run_on_cluster(redis: RedisCluster, calls: Sequence[ScriptCall]) -> list[Any]:
    """redis-py's cluster pipelines refuse EVALSHA: the calls go out at once instead, each to
    its slot's node (each refused before sending if its keys span slots). Every call runs, as
    in a pipeline; the first failure is raised after."""
    results = await asyncio.gather(
        *(script(redis, c.script)(keys=c.keys, args=c.args) for c in calls),
        return_exceptions=True,
    )
    for answer in results:
        if isinstance(answer, BaseException):
            raise answer
    return list(results)
