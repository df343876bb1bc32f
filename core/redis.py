"""The Redis client: one pool per process, created in the lifespan (or a worker's start-up)."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError


def create_redis(url: str) -> Redis:
    return Redis.from_url(url, decode_responses=True, health_check_interval=30)


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
