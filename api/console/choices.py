"""What a form offers to choose from: the tiers (by rank for "the lowest tier that may...", by id
for a reward's minimum tier), the badges (for "a badge a member must hold") and the catalog's
rewards (a prize that is a reward), all read through the API in one document."""

from __future__ import annotations

from dataclasses import dataclass

from api.console.session import Visit

Options = list[tuple[str, str]]


@dataclass(frozen=True)
class Choices:
    tiers: Options
    badges: Options
    rewards: Options
    tier_ids: Options


async def choices_of(visit: Visit) -> Choices:
    answer = await visit.run("ConsoleChoices")
    if answer.errors:
        return Choices([], [], [], [])
    data = answer.data
    anyone, none = visit.texts("Everyone"), visit.texts("None")
    ladder = sorted(data["tiers"], key=_rank)
    return Choices(
        tiers=[("", anyone)] + [(str(tier["rank"]), tier["name"]) for tier in ladder],
        tier_ids=[("", anyone)] + [(tier["id"], tier["name"]) for tier in ladder],
        badges=[("", none)] + [(badge["id"], badge["name"]) for badge in data["badges"]],
        rewards=[
            (edge["node"]["id"], edge["node"]["name"]) for edge in data["catalogRewards"]["edges"]
        ],
    )


def _rank(tier: dict[str, object]) -> int:
    rank = tier["rank"]
    return rank if isinstance(rank, int) else 0
