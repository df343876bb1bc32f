"""The composition root: what every process that emits or re-runs events (the API, the worker,
the CLI, a bench) wires at start-up, outside the domain.

`wire()` forgets what the per-process caches read from another database (a new app in the same
process, as in tests), registers the badges package as the core's badge gate, and subscribes every
handler, bound to the Redis client and the arq pool it is given. Without them (a CLI run), the
boards and the webhook queue are left to their scans: the nightly rebuild, the lost-delivery
scan. Wiring again replaces the handlers of the last wiring (they are known by name).
"""

from __future__ import annotations

from dataclasses import dataclass

from arq.connections import ArqRedis

from badges import awarding, holders
from badges import privacy as badges_privacy
from challenges import boards
from challenges import privacy as challenges_privacy
from challenges.progress import ProgressFeed
from core.redis import RedisClient
from gamification.accounts import api_keys
from gamification.events import caches, live
from gamification.games import instant_win
from gamification.leaderboards import BoardFeeds, public_names
from gamification.privacy import sections
from gamification.referrals import referrals
from gamification.rewards import eligibility
from gamification.webhooks.webhooks import WebhookFanOut


@dataclass(frozen=True)
class Wiring:
    """The clients one wiring bound its handlers to."""

    redis: RedisClient | None
    queue: ArqRedis | None


_current: list[Wiring] = []


def wire(*, redis: RedisClient | None = None, queue: ArqRedis | None = None) -> Wiring:
    """Wire the handlers to `redis` (boards, challenge counters) and `queue` (webhooks)."""
    caches.clear_all()
    public_names.forget_all()
    api_keys.forget_all()
    instant_win.forget_all()

    eligibility.register_badge_holders(holders)
    referrals.install()
    awarding.install()
    ProgressFeed(redis).install()
    BoardFeeds(redis).install()
    boards.install()  # challenge:<id> boards can be rebuilt
    sections.install()  # every feature's rows in a member's data export
    badges_privacy.install()
    challenges_privacy.install()
    WebhookFanOut(queue).install()  # last: the outside world hears of an event after our effects
    # Committed events go out on the live channels, for the API processes' subscriptions.
    live.install(live.Publisher(redis) if redis is not None else None)
    wiring = Wiring(redis, queue)
    _current[:] = [wiring]
    return wiring


def ensure_wired() -> Wiring:
    """The wiring in force, or one without clients if this process has none yet (a CLI run;
    inside a live app, its own wiring stays)."""
    return _current[0] if _current else wire()


def current() -> Wiring:
    """The wiring in force (one without clients before any `wire()`)."""
    return _current[0] if _current else Wiring(None, None)


def unwire(wiring: Wiring) -> None:
    """At shutdown: if `wiring` is still the current one, wire again without its clients, so
    nothing uses them once they are closed."""
    if _current and _current[0] is wiring:
        wire()
