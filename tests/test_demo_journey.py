"""The demo, seeded twice into the test database, answers every member screen with data, and
shows every feature working the moment it is seeded."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from api.demo import seed_demo
from api.demo.accounts import (
    DEMO_MEMBER_EMAIL,
    DEMO_MEMBER_PASSWORD,
    DEMO_SLUG,
    DEMO_STAFF_EMAIL,
    DEMO_STAFF_PASSWORD,
)
from core.clock import clock
from gamification.accounts.models import Member
from gamification.games import draws
from tests.builders import assert_ledger_consistent
from tests.graphql import GraphQLClient

LOG_IN = """
mutation($input: LogInInput!) {
  logIn(input: $input) { accessToken errors { code } }
}
"""
SCREENS = """
query {
  me {
    displayName pointsBalance
    tier { name rank }
    badges { badge { name } awardedAt }
    ledger(first: 5) { edges { node { delta kind } } }
  }
  rewards(first: 20) { edges { node { id name available unavailableReason } } }
  challenges { id name myProgress { value completed } communityProgress }
  instantWinGames { id name prizesLeft }
  contests { id name status seedCommitment }
  drawn: contests { id status winners { slot displayName } }
  leaderboard(board: "points", period: ALL_TIME, first: 10) {
    entries { rank score member { displayName } }
    me { rank score }
  }
  reviews: leaderboard(board: "action:review", period: MONTH) { me { rank score } }
}
"""
DRAW_RECORD = """
query($id: ID!) {
  contest(id: $id) {
    seed seedCommitment entryListHash allowMultipleWins prizes { id quantity }
    entryList { id memberId entries } winners { slot entryId prize { id } }
  }
}
"""


async def test_the_demo_seeded_twice_answers_every_member_screen(
    gql: GraphQLClient, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the demo seeded twice (the second run must change nothing that breaks)
    await seed_demo()
    first = await Member.get(email=DEMO_MEMBER_EMAIL)
    await seed_demo()
    assert "Demo program" in capsys.readouterr().out
    member = await Member.get(email=DEMO_MEMBER_EMAIL)
    assert member.id == first.id
    assert await assert_ledger_consistent(member.id) == member.points_balance
    # when the demo member logs in and opens each screen
    login = await gql.mutate(
        LOG_IN, {"program": DEMO_SLUG, "email": DEMO_MEMBER_EMAIL, "password": DEMO_MEMBER_PASSWORD}
    )
    assert login["errors"] == []
    client = gql.as_token(login["accessToken"])
    data = await client.query(SCREENS)
    # then every one answers with data
    me = data["me"]
    assert me["pointsBalance"] > 0
    assert me["tier"] is not None
    assert me["badges"] != []
    assert me["ledger"]["edges"] != []
    assert data["rewards"]["edges"] != []
    assert data["challenges"] != []
    assert data["instantWinGames"] != []
    assert data["contests"] != []
    # one contest is drawn, and its record verifies
    (drawn,) = [c for c in data["drawn"] if c["status"] == "DRAWN"]
    assert [w["slot"] for w in drawn["winners"]] == [0, 1, 2]
    record = (await client.query(DRAW_RECORD, {"id": drawn["id"]}))["contest"]
    assert draws.verify(record)["ok"] is True
    board = data["leaderboard"]
    assert board["entries"] != [] and board["me"] is not None
    assert board["me"]["score"] > 0
    # and the demo member's review puts them on this month's reviews board
    assert data["reviews"]["me"] == {"rank": 1, "score": 1}


STAFF_LOG_IN = """
mutation($input: StaffLogInInput!) {
  staffLogIn(input: $input) { accessToken errors { code } }
}
"""
MEMBER_FEATURES = """
query {
  me {
    tier { name } tierProgress { next { name } pointsToNext }
    expiringPoints { points expiresAt }
  }
  challenges { id name status myProgress { value } }
}
"""
JOIN = """
mutation($input: JoinChallengeInput!) {
  joinChallenge(input: $input) { challenge { id myProgress { value } } errors { code } }
}
"""
STAFF_FEATURES = """
query($from: DateTime!, $to: DateTime!) {
  segments { computedAt segments { segment members } abcClasses { abcClass members } }
  programReport(from: $from, to: $to) { pointsOutstanding liability { amount } }
  members(first: 50) { edges { node { email tier { name } } } }
  webhooks { url deliveries(first: 5) { edges { node { status } } } }
  simulations(first: 5) { edges { node { name status results { pointsDifference } } } }
}
"""


async def test_every_feature_shows_right_after_seed_demo(gql: GraphQLClient) -> None:
    # given the demo just seeded
    await seed_demo()
    member = await gql.mutate(
        LOG_IN, {"program": DEMO_SLUG, "email": DEMO_MEMBER_EMAIL, "password": DEMO_MEMBER_PASSWORD}
    )
    client = gql.as_token(member["accessToken"])
    staff = await gql.mutate(
        STAFF_LOG_IN,
        {"program": DEMO_SLUG, "email": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD},
    )
    console = gql.as_token(staff["accessToken"])
    # when the member opens their screens
    data = await client.query(MEMBER_FEATURES)
    now = clock.now()
    # then they have a tier ahead of them, and points that expire within weeks
    me = data["me"]
    assert me["tierProgress"]["next"] is not None and me["tierProgress"]["pointsToNext"] > 0
    expiring = me["expiringPoints"]
    assert expiring is not None and expiring["points"] > 0
    assert datetime.fromisoformat(expiring["expiresAt"]) - now < timedelta(days=31)
    # and a running challenge they have not joined, which they can join
    (open_challenge, *_) = [
        c for c in data["challenges"] if c["status"] == "ACTIVE" and c["myProgress"] is None
    ]
    joined = await client.mutate(JOIN, {"challengeId": open_challenge["id"]})
    assert joined["errors"] == [] and joined["challenge"]["myProgress"] is not None
    # when staff open the console
    report = await console.query(
        STAFF_FEATURES,
        {
            "from": (now - timedelta(days=400)).isoformat(),
            "to": (now + timedelta(hours=1)).isoformat(),
        },
    )
    # then segments are computed, points have a value, every member has a tier
    segments = report["segments"]
    assert segments["computedAt"] is not None
    assert sum(s["members"] for s in segments["segments"]) > 0
    assert report["programReport"]["pointsOutstanding"] > 0
    assert Decimal(report["programReport"]["liability"]["amount"]) > 0
    members = [edge["node"] for edge in report["members"]["edges"]]
    assert len(members) >= 5 and all(m["tier"] is not None for m in members)
    # and a webhook has deliveries to show
    (webhook,) = report["webhooks"]
    assert webhook["url"].startswith("http://127.0.0.1:")
    assert webhook["deliveries"]["edges"] != []
    # and a campaign simulation has priced its draft
    (simulation,) = [edge["node"] for edge in report["simulations"]["edges"]]
    assert simulation["status"] == "DONE" and simulation["results"]["pointsDifference"] > 0
