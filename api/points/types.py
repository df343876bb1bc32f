"""GraphQL types of the points ledger."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.enums import graphql_enum
from api.errors import UserError
from gamification.points import models as points_models

LedgerKind = graphql_enum(
    points_models.LedgerKind,
    "LedgerKind",
    "Why points moved.",
    {
        "EARN": "Points a purchase earned.",
        "BONUS": "A bonus: welcome, referral, badge or challenge points.",
        "ADJUST": "A staff correction (adjustPoints), either sign.",
        "REDEEM": "Points spent on a reward.",
        "REDEMPTION_REFUND": "A cancelled redemption gave its points back.",
        "REFUND": "A refunded purchase's points taken back.",
        "EXPIRE": "What was left of a lot when it expired.",
        "CONTEST_ENTRY": "Points spent on contest entries.",
        "ACTION": "Points earned by an action beyond purchases (a review, a check-in...).",
        "AUCTION": "Points of a winning auction bid, spent when the auction was settled.",
        "GAME_PLAY": "Points spent on an instant-win play.",
        "PRIZE": "Points won in a game or a contest draw.",
    },
)


@strawberry.type(
    description="One movement of a member's points. Credits are lots that expire; spending "
    "uses the oldest lots first.",
)
class LedgerEntry:
    id: strawberry.ID = strawberry.field(description="The entry's id.")
    delta: int = strawberry.field(
        description="Points moved: positive for a credit, negative for a debit.",
    )
    kind: LedgerKind = strawberry.field(description="Why they moved.")  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
    reason: str = strawberry.field(
        description="A readable reason (a rule, a reward, a staff note).",
    )
    reference: str | None = strawberry.field(
        description="What caused it, as `<kind>:<id>` (such as `purchase:12`, `play:7`); null "
        "when nothing did.",
    )
    created_at: datetime = strawberry.field(description="When it was written (ISO-8601, UTC).")
    expires_at: datetime | None = strawberry.field(
        description="For a credit: when what is left of it lapses; null for debits or when "
        "points never expire.",
    )
    remaining: int | None = strawberry.field(
        description="For a credit: points of it not spent or expired yet; null for debits.",
    )

    @classmethod
    def from_model(cls, entry: points_models.LedgerEntry) -> LedgerEntry:
        return cls(
            id=strawberry.ID(str(entry.id)),
            delta=entry.delta,
            kind=entry.kind,
            reason=entry.reason,
            reference=entry.reference,
            created_at=entry.created_at,
            expires_at=entry.expires_at,
            remaining=entry.remaining,
        )


@strawberry.type(description="Points about to lapse.")
class ExpiringPoints:
    points: int = strawberry.field(description="How many points lapse then.")
    expires_at: datetime = strawberry.field(description="When they lapse (ISO-8601, UTC).")


@strawberry.input(description="A staff correction of a member's points.")
class AdjustPointsInput:
    member_id: strawberry.ID = strawberry.field(description="The member to correct.")
    delta: int = strawberry.field(
        description="Points to add (positive) or remove (negative); not 0, and a removal "
        "cannot take the balance below 0 (INSUFFICIENT_POINTS).",
    )
    reason: str = strawberry.field(
        description="1 to 200 characters, shown on the member's statement.",
    )
    idempotency_key: str = strawberry.field(
        description="1 to 128 printable characters: the same key again answers the first "
        "adjustment and changes nothing (with another delta or reason: "
        "IDEMPOTENCY_KEY_REUSED).",
    )


@strawberry.type(description="The adjustment's ledger entry and the balance after it.")
class AdjustPointsPayload:
    entry: LedgerEntry | None = strawberry.field(
        default=None,
        description="The ledger entry written (or the first one, on a retry); null when refused.",
    )
    member_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The member adjusted.",
    )
    points_balance: int | None = strawberry.field(
        default=None,
        description="The member's balance after it.",
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="Why it was refused (empty on success).",
    )
