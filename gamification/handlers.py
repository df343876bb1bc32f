"""Which handlers consume domain events. Every process that emits or re-runs events (the API, the
worker, the CLI) calls `install_handlers()` once at start-up; subscribing twice is harmless."""

from __future__ import annotations


def install_handlers() -> None:
    # Imported here: these packages build on gamification, not the other way round.
    from badges import awarding
    from challenges import progress
    from gamification import interest, leaderboards, referrals, webhooks

    interest.clear_all()  # a new app or worker may face another database (tests)

    referrals.install()
    awarding.install()
    progress.install()
    leaderboards.install()
    webhooks.install()  # last: the outside world hears of an event after our own effects
