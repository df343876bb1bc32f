"""Which handlers consume domain events. Every process that emits or re-runs events (the API, the
worker, the CLI) calls `install_handlers()` once at start-up; subscribing twice is harmless."""

from __future__ import annotations


def install_handlers() -> None:
    # Imported here: these packages build on gamification, not the other way round.
    from badges import awarding
    from challenges import boards, progress
    from gamification import leaderboards
    from gamification.events import caches
    from gamification.games import instant_win
    from gamification.leaderboards import public_names
    from gamification.points import engine_snapshot
    from gamification.privacy import sections
    from gamification.referrals import referrals
    from gamification.webhooks import webhooks

    # A new app or worker may face another database (tests): forget what was read from the last.
    caches.clear_all()
    engine_snapshot.forget_all()
    public_names.forget_all()
    instant_win.forget_all()

    referrals.install()
    awarding.install()
    progress.install()
    leaderboards.install()
    boards.install()  # challenge:<id> boards can be rebuilt
    sections.install()  # every feature's rows in a member's data export
    webhooks.install()  # last: the outside world hears of an event after our own effects
