"""Which handlers consume domain events. Every process that emits or re-runs events (the API, the
worker, the CLI) calls `install_handlers()` once at start-up; subscribing twice is harmless."""

from __future__ import annotations


def install_handlers() -> None:
    # Imported here: these packages build on gamification, not the other way round.
    from badges import awarding
    from challenges import boards, progress
    from gamification import (
        engine_cache,
        instant_win,
        interest,
        leaderboards,
        personal_data_sections,
        public_names,
        referrals,
        webhooks,
    )

    # A new app or worker may face another database (tests): forget what was read from the last.
    interest.clear_all()
    engine_cache.forget_all()
    public_names.forget_all()
    instant_win.forget_all()

    referrals.install()
    awarding.install()
    progress.install()
    leaderboards.install()
    boards.install()  # challenge:<id> boards can be rebuilt
    personal_data_sections.install()  # every feature's rows in a member's data export
    webhooks.install()  # last: the outside world hears of an event after our own effects
