"""GraphQL documents and small helpers shared by the reward test modules."""

from __future__ import annotations

from typing import Any

from tests.graphql import GraphQLClient

REWARD_FIELDS = """
  id name description kind pointsCost stock limitPerMember limitPerPeriod limitPeriodDays
  startsAt endsAt minimumTierId requiredBadgeId imageUrl redemptionValidityDays refundOnExpiry
  donationAmount archived available unavailableReason
"""

CREATE_REWARD = f"""
mutation Create($input: CreateRewardInput!) {{
  createReward(input: $input) {{ reward {{ {REWARD_FIELDS} }} errors {{ code field message }} }}
}}
"""

UPDATE_REWARD = f"""
mutation Update($input: UpdateRewardInput!) {{
  updateReward(input: $input) {{ reward {{ {REWARD_FIELDS} }} errors {{ code field }} }}
}}
"""

RESTOCK_REWARD = """
mutation Restock($input: RestockRewardInput!) {
  restockReward(input: $input) { reward { id stock } errors { code field } }
}
"""

ARCHIVE_REWARD = """
mutation Archive($input: ArchiveRewardInput!) {
  archiveReward(input: $input) { reward { id archived } errors { code field } }
}
"""

REWARDS = """
query Rewards($first: Int, $after: String) {
  rewards(first: $first, after: $after) {
    edges { cursor node { id name kind pointsCost stock available unavailableReason } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

REDEEM = """
mutation Redeem($input: RedeemRewardInput!) {
  redeemReward(input: $input) {
    redemption { id code status pointsSpent }
    member { pointsBalance }
    errors { code field }
  }
}
"""

USE = """
mutation Use($input: UseRedemptionInput!) {
  useRedemption(input: $input) {
    redemption { id code status usedAt reward { name } }
    errors { code field }
  }
}
"""

CHECK = """
query Check($code: String!) {
  checkRedemption(code: $code) { id code status pointsSpent memberId reward { id name } }
}
"""

CANCEL = """
mutation Cancel($input: CancelRedemptionInput!) {
  cancelRedemption(input: $input) {
    redemption { id status pointsRefunded cancelledAt }
    errors { code field }
  }
}
"""

ME_REDEMPTIONS = """
query($first: Int, $after: String) {
  me {
    pointsBalance
    redemptions(first: $first, after: $after) {
      edges { node { id code status pointsSpent reward { name kind } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

DONATIONS = "{ donationTotal { points amount currency redemptions } }"


async def create_reward(staff: GraphQLClient, **input: Any) -> dict[str, Any]:
    """A reward through the staff API (defaults: a 100-point voucher, unlimited)."""
    values = {"name": "Voucher", "kind": "VOUCHER", "pointsCost": 100, **input}
    payload = await staff.mutate(CREATE_REWARD, values)
    assert payload["errors"] == [], payload["errors"]
    return payload["reward"]


async def redeem(client: GraphQLClient, reward_id: str, key: str) -> dict[str, Any]:
    return await client.mutate(REDEEM, {"rewardId": reward_id, "idempotencyKey": key})
