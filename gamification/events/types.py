"""The types of domain events.

The `data` of each type (ids are ints, money is a decimal string, times ISO-8601):
- PURCHASE_RECORDED: purchase_id, external_id, total, currency, points, first_purchase, referred
  (whether the member was referred), lines [{sku, category, quantity, unit_price}];
  `occurred_at` is the purchase's own time
- PURCHASE_REFUNDED: purchase_id, refund_id, amount, points_reversed, referred
- POINTS_EARNED / POINTS_SPENT / POINTS_REVERSED: points, kind, reference, entry
- POINTS_EXPIRED: points, lot; POINTS_ADJUSTED: points (signed), reason, staff, entry
- TIER_CHANGED: from, to (tier ids or null), rank, reason
- MEMBERSHIP_ACTIVATED: membership_id, plan_id, tier_id, ends_at; MEMBERSHIP_ENDED: membership_id,
  plan_id
- REWARD_REDEEMED: redemption_id, reward_id, points
- REDEMPTION_USED / REDEMPTION_CANCELLED / REDEMPTION_EXPIRED: redemption_id, reward_id,
  points_refunded
- BADGE_AWARDED: badge_id, level (and name, points); CHALLENGE_JOINED / CHALLENGE_COMPLETED:
  challenge_id (and name, points)
- REFERRAL_QUALIFIED (member = the referrer): referral_id, referee_id
- REFERRAL_CAPPED / REFERRAL_REVERSED (member = the referrer): referral_id, referee_id
- GAME_PLAYED: game_id, play_id, won; PRIZE_WON: prize_id and game_id or contest_id, kind
  (POINTS/REWARD/PRIZE), and play_id (games) or slot (contests)
- CONTEST_ENTERED: contest_id, entries
- MEMBER_BLOCKED: reason, staff; MEMBER_UNBLOCKED: staff; MEMBER_ANONYMISED: by ("member" or a
  staff id)
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    MEMBER_SIGNED_UP = "MEMBER_SIGNED_UP"
    MEMBER_BLOCKED = "MEMBER_BLOCKED"
    MEMBER_UNBLOCKED = "MEMBER_UNBLOCKED"
    MEMBER_ANONYMISED = "MEMBER_ANONYMISED"
    PURCHASE_RECORDED = "PURCHASE_RECORDED"
    PURCHASE_REFUNDED = "PURCHASE_REFUNDED"
    POINTS_EARNED = "POINTS_EARNED"
    POINTS_SPENT = "POINTS_SPENT"
    POINTS_EXPIRED = "POINTS_EXPIRED"
    POINTS_ADJUSTED = "POINTS_ADJUSTED"
    POINTS_REVERSED = "POINTS_REVERSED"
    TIER_CHANGED = "TIER_CHANGED"
    MEMBERSHIP_ACTIVATED = "MEMBERSHIP_ACTIVATED"
    MEMBERSHIP_ENDED = "MEMBERSHIP_ENDED"
    REWARD_REDEEMED = "REWARD_REDEEMED"
    REDEMPTION_USED = "REDEMPTION_USED"
    REDEMPTION_CANCELLED = "REDEMPTION_CANCELLED"
    REDEMPTION_EXPIRED = "REDEMPTION_EXPIRED"
    BADGE_AWARDED = "BADGE_AWARDED"
    CHALLENGE_JOINED = "CHALLENGE_JOINED"
    CHALLENGE_COMPLETED = "CHALLENGE_COMPLETED"
    REFERRAL_QUALIFIED = "REFERRAL_QUALIFIED"
    REFERRAL_CAPPED = "REFERRAL_CAPPED"
    REFERRAL_REVERSED = "REFERRAL_REVERSED"
    GAME_PLAYED = "GAME_PLAYED"
    PRIZE_WON = "PRIZE_WON"
    CONTEST_ENTERED = "CONTEST_ENTERED"
