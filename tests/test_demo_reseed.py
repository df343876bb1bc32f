"""`seed-demo` stays safe to run again whatever staff did in the demo program meanwhile: the
demo finds its objects by stable keys, never by display name, and names are unique per program,
so a second "First sip" is refused rather than breaking the next `make run`."""

from __future__ import annotations

from typing import Any

from tortoise.models import Model

from api.demo import seed_demo
from api.demo.accounts import DEMO_SLUG, DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD
from badges.models import Badge
from challenges.models import Challenge
from gamification.games.models import Contest, InstantWinGame
from gamification.points.models import EarningRule, MembershipPlan, Purchase, Tier
from gamification.programs.models import Program
from gamification.rewards.models import Reward
from gamification.simulations.models import Simulation
from gamification.webhooks.models import Webhook
from tests.graphql import GraphQLClient, codes

STAFF_LOG_IN = """
mutation($input: StaffLogInInput!) { staffLogIn(input: $input) { accessToken errors { code } } }
"""
CATALOG = """
query {
  badges { id name }
  challenges { id name }
  catalogRewards(first: 50) { edges { node { id name } } }
  tiers { id name }
  earningRules { id name }
  instantWinGames { id name }
  contests { id name }
}
"""
CREATE_BADGE = """
mutation($input: CreateBadgeInput!) {
  createBadge(input: $input) { badge { id name } errors { code field message } }
}
"""
UPDATE_BADGE = """
mutation($input: UpdateBadgeInput!) { updateBadge(input: $input) { errors { code } } }
"""
ARCHIVE_BADGE = """
mutation($input: ArchiveBadgeInput!) { archiveBadge(input: $input) { errors { code } } }
"""
UPDATE_CHALLENGE = """
mutation($input: UpdateChallengeInput!) { updateChallenge(input: $input) { errors { code } } }
"""
ARCHIVE_CHALLENGE = """
mutation($input: ArchiveChallengeInput!) { archiveChallenge(input: $input) { errors { code } } }
"""
UPDATE_REWARD = """
mutation($input: UpdateRewardInput!) { updateReward(input: $input) { errors { code } } }
"""
ARCHIVE_REWARD = """
mutation($input: ArchiveRewardInput!) { archiveReward(input: $input) { errors { code } } }
"""
UPDATE_TIER = """
mutation($input: UpdateTierInput!) { updateTier(input: $input) { errors { code } } }
"""
UPDATE_RULE = """
mutation($input: UpdateEarningRuleInput!) { updateEarningRule(input: $input) { errors { code } } }
"""
ARCHIVE_GAME = """
mutation($input: ArchiveInstantWinGameInput!) {
  archiveInstantWinGame(input: $input) { errors { code } }
}
"""
UPDATE_SETTINGS = """
mutation($input: UpdateProgramSettingsInput!) {
  updateProgramSettings(input: $input) { settings { pointValue } errors { code } }
}
"""
UPDATE_CONTEST = """
mutation($input: UpdateContestInput!) { updateContest(input: $input) { errors { code } } }
"""
DEMO_TABLES: tuple[type[Model], ...] = (
    Badge,
    Challenge,
    Reward,
    Tier,
    EarningRule,
    MembershipPlan,
    InstantWinGame,
    Contest,
    Webhook,
    Purchase,
    Simulation,
)


def _id(items: list[dict[str, Any]], name: str) -> str:
    (found,) = [item["id"] for item in items if item["name"] == name]
    return found


async def _counts() -> dict[str, int]:
    return {model.__name__: await model.all().count() for model in DEMO_TABLES}


async def _ok(console: GraphQLClient, document: str, input: dict[str, Any]) -> None:
    payload = await console.mutate(document, input)
    assert payload["errors"] == [], payload["errors"]


async def test_seed_demo_runs_clean_again_after_staff_renamed_archived_and_added(
    gql: GraphQLClient,
) -> None:
    # given the demo, and its admin in the console
    await seed_demo()
    login = await gql.mutate(
        STAFF_LOG_IN,
        {"program": DEMO_SLUG, "email": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD},
    )
    console = gql.as_token(login["accessToken"])
    catalog = await console.query(CATALOG)
    rewards = [edge["node"] for edge in catalog["catalogRewards"]["edges"]]

    # when staff create a second badge named like a demo badge, it is refused with a code
    second = await console.mutate(CREATE_BADGE, {"name": "First sip", "criteria": "MANUAL"})
    assert second["badge"] is None
    assert [(e["code"], e["field"]) for e in second["errors"]] == [("NAME_TAKEN", "name")]

    # and when they rename, archive and reuse names of the demo's objects
    first_sip = _id(catalog["badges"], "First sip")
    await _ok(console, UPDATE_BADGE, {"badgeId": first_sip, "name": "First coffee"})
    await _ok(console, ARCHIVE_BADGE, {"badgeId": _id(catalog["badges"], "Regular")})
    visits = _id(catalog["challenges"], "Three visits this month")
    await _ok(console, UPDATE_CHALLENGE, {"challengeId": visits, "name": "Visit us thrice"})
    coffees = _id(catalog["challenges"], "A thousand coffees together")
    await _ok(console, ARCHIVE_CHALLENGE, {"challengeId": coffees})
    free_coffee = _id(rewards, "Free coffee")
    await _ok(console, UPDATE_REWARD, {"rewardId": free_coffee, "name": "Coffee on us"})
    await _ok(console, ARCHIVE_REWARD, {"rewardId": _id(rewards, "Canvas tote bag")})
    await _ok(console, UPDATE_TIER, {"tierId": _id(catalog["tiers"], "Gold"), "name": "Platinum"})
    base = _id(catalog["earningRules"], "Base: 10 points per euro")
    await _ok(console, UPDATE_RULE, {"ruleId": base, "name": "Base rate"})
    game = _id(catalog["instantWinGames"], "Demo scratch card")
    await _ok(console, ARCHIVE_GAME, {"gameId": game})
    draw = _id(catalog["contests"], "Demo monthly draw")
    await _ok(console, UPDATE_CONTEST, {"contestId": draw, "name": "Monthly prize draw"})
    # and clear the point value the demo set
    assert (await console.mutate(UPDATE_SETTINGS, {"pointValue": None}))["errors"] == []
    # a name freed by a rename is anyone's again
    reused = await console.mutate(CREATE_BADGE, {"name": "First sip", "criteria": "MANUAL"})
    assert reused["errors"] == []
    before = await _counts()

    # then seed-demo runs clean again and duplicates nothing
    await seed_demo()
    assert await _counts() == before
    # and what staff did stays as they left it
    assert (await Badge.get(id=int(first_sip))).name == "First coffee"
    assert (await Badge.get(name="Regular")).archived_at is not None
    assert (await Challenge.get(id=int(visits))).name == "Visit us thrice"
    assert (await Reward.get(id=int(free_coffee))).name == "Coffee on us"
    assert (await Reward.get(name="Canvas tote bag")).archived
    assert await Tier.exists(name="Platinum") and not await Tier.exists(name="Gold")
    assert (await InstantWinGame.get(id=int(game))).archived
    assert (await Contest.get(id=int(draw))).name == "Monthly prize draw"
    assert "point_value" not in (await Program.get(slug=DEMO_SLUG)).settings
    assert codes(second) == ["NAME_TAKEN"]
