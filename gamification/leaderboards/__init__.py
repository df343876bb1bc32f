"""Leaderboards: Redis sorted sets per program, board and period, fed by domain events, and
rebuilt from the database (the source of truth) on demand. See docs/leaderboards.md.

- `boards`: board names, periods, windows and Redis keys;
- `scores`: changes applied once each, atomically;
- `reads`: a board's top and a member's neighbourhood;
- `rebuilds`: the sources of each board family and the rebuild from the database;
- `feeds`: the updates that domain events make after their commit;
- `erasure`: an anonymised member leaves every board;
- `repairs`: the boards an outage of Redis left stale, rebuilt once it answers;
- `public_names`: the display names a board shows.

This package's public names are re-exported here: callers write `leaderboards.read_board`.
"""

from gamification.leaderboards.boards import (
    ACTIONS,
    ALL_TIME_ORIGIN,
    BOARD_PATTERN,
    KEY_MARGIN,
    PERIOD_SPECS,
    POINTS,
    REFERRALS,
    Period,
    PeriodSpec,
    Window,
    action_board,
    board_key,
    check_board,
    erased_key,
    periods_of,
    seen_key,
    window,
)
from gamification.leaderboards.erasure import remove_member
from gamification.leaderboards.feeds import BoardFeeds
from gamification.leaderboards.reads import (
    MAX_AROUND,
    MAX_FIRST,
    BoardView,
    Standing,
    read_board,
    read_standings,
)
from gamification.leaderboards.rebuilds import (
    CATCH_UP,
    POINTS_KINDS,
    ActionsSource,
    BoardSource,
    Change,
    PointsSource,
    ReferralsSource,
    Total,
    rebuild,
    rebuild_all,
    rebuild_program,
    register_source,
    source_of,
)
from gamification.leaderboards.repairs import (
    mark_stale,
    repair_stale,
    stale_programs,
    update_or_mark_stale,
)
from gamification.leaderboards.scores import (
    SEEN_WINDOW,
    ScoreChange,
    add_score,
    add_scores,
    scores_call,
)

__all__ = [
    "ACTIONS",
    "ALL_TIME_ORIGIN",
    "BOARD_PATTERN",
    "CATCH_UP",
    "KEY_MARGIN",
    "MAX_AROUND",
    "MAX_FIRST",
    "PERIOD_SPECS",
    "POINTS",
    "POINTS_KINDS",
    "REFERRALS",
    "SEEN_WINDOW",
    "ActionsSource",
    "BoardFeeds",
    "BoardSource",
    "BoardView",
    "Change",
    "Period",
    "PeriodSpec",
    "PointsSource",
    "ReferralsSource",
    "ScoreChange",
    "Standing",
    "Total",
    "Window",
    "action_board",
    "add_score",
    "add_scores",
    "board_key",
    "check_board",
    "erased_key",
    "mark_stale",
    "periods_of",
    "read_board",
    "read_standings",
    "rebuild",
    "rebuild_all",
    "rebuild_program",
    "register_source",
    "remove_member",
    "repair_stale",
    "scores_call",
    "seen_key",
    "source_of",
    "stale_programs",
    "update_or_mark_stale",
    "window",
]
