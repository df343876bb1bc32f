"""The staff actions the trail records, one name per kind of change: `<what>.<verb>`."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    PROGRAM_SETTINGS_UPDATED = "program.settings_updated"
    STAFF_CREATED = "staff.created"
    STAFF_UPDATED = "staff.updated"
    STAFF_ARCHIVED = "staff.archived"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    MEMBER_POINTS_ADJUSTED = "member.points_adjusted"
    MEMBER_BLOCKED = "member.blocked"
    MEMBER_UNBLOCKED = "member.unblocked"
    MEMBER_ERASED = "member.erased"
    TIER_CREATED = "tier.created"
    TIER_UPDATED = "tier.updated"
    TIER_ARCHIVED = "tier.archived"
    MEMBERSHIP_PLAN_CREATED = "membership_plan.created"
    MEMBERSHIP_PLAN_UPDATED = "membership_plan.updated"
    MEMBERSHIP_PLAN_ARCHIVED = "membership_plan.archived"
    EARNING_RULE_CREATED = "earning_rule.created"
    EARNING_RULE_UPDATED = "earning_rule.updated"
    EARNING_RULE_ARCHIVED = "earning_rule.archived"
    REWARD_CREATED = "reward.created"
    REWARD_UPDATED = "reward.updated"
    REWARD_RESTOCKED = "reward.restocked"
    REWARD_ARCHIVED = "reward.archived"
    REDEMPTION_CANCELLED = "redemption.cancelled"
    INSTANT_WIN_GAME_CREATED = "instant_win_game.created"
    INSTANT_WIN_GAME_UPDATED = "instant_win_game.updated"
    INSTANT_WIN_GAME_ARCHIVED = "instant_win_game.archived"
    CONTEST_CREATED = "contest.created"
    CONTEST_UPDATED = "contest.updated"
    CONTEST_ARCHIVED = "contest.archived"
    CONTEST_DRAW_REQUESTED = "contest.draw_requested"
    CONTEST_DRAWN = "contest.drawn"
    AUCTION_CREATED = "auction.created"
    AUCTION_UPDATED = "auction.updated"
    AUCTION_ARCHIVED = "auction.archived"
    AUCTION_SETTLED = "auction.settled"
    SEGMENTS_COMPUTE_REQUESTED = "segments.compute_requested"
    BADGE_CREATED = "badge.created"
    BADGE_UPDATED = "badge.updated"
    BADGE_ARCHIVED = "badge.archived"
    CHALLENGE_CREATED = "challenge.created"
    CHALLENGE_UPDATED = "challenge.updated"
    CHALLENGE_ARCHIVED = "challenge.archived"
    WEBHOOK_CREATED = "webhook.created"
    WEBHOOK_ARCHIVED = "webhook.archived"
    WEBHOOK_DELIVERY_REPLAYED = "webhook.delivery_replayed"

    @property
    def target_type(self) -> str:
        """What the action changes: the part of its name before the dot."""
        return self.value.partition(".")[0]
