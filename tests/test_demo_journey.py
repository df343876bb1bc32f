"""The demo, seeded twice into the test database, answers every member screen with data."""

from __future__ import annotations

import pytest

from api.demo import seed_demo
from api.demo.accounts import DEMO_MEMBER_EMAIL, DEMO_MEMBER_PASSWORD, DEMO_SLUG
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
