"""The audit trail as staff read it."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from api.accounts.types import StaffUser
from api.enums import graphql_enum
from gamification.accounts import models as accounts_models
from gamification.audit import ActorKind as DomainActorKind
from gamification.audit import AuditAction as DomainAuditAction
from gamification.audit.models import AuditEntry as AuditEntryModel

AuditAction = graphql_enum(
    DomainAuditAction,
    "AuditAction",
    "A kind of staff action the audit trail records: what was done to what.",
    {
        "PROGRAM_SETTINGS_UPDATED": "Program settings changed (updateProgramSettings).",
        "STAFF_CREATED": "A staff user was added.",
        "STAFF_UPDATED": "A staff user was given another role.",
        "STAFF_ARCHIVED": "A staff user was archived: their access ended.",
        "STAFF_PASSWORD_CHANGED": "A staff user changed their password: their sessions ended.",
        "API_KEY_CREATED": "An integration API key was created.",
        "API_KEY_REVOKED": "An integration API key was revoked.",
        "MEMBER_POINTS_ADJUSTED": "Points were added to or removed from a member by hand.",
        "MEMBER_BLOCKED": "A member was blocked.",
        "MEMBER_UNBLOCKED": "A member's block was lifted.",
        "MEMBER_ERASED": "A member's personal data was erased (by staff or by the member).",
        "TIER_CREATED": "A tier was created.",
        "TIER_UPDATED": "A tier was changed.",
        "TIER_ARCHIVED": "A tier was archived.",
        "MEMBERSHIP_PLAN_CREATED": "A VIP membership plan was created.",
        "MEMBERSHIP_PLAN_UPDATED": "A VIP membership plan was changed.",
        "MEMBERSHIP_PLAN_ARCHIVED": "A VIP membership plan was archived.",
        "EARNING_RULE_CREATED": "An earning rule was created.",
        "EARNING_RULE_UPDATED": "An earning rule was changed.",
        "EARNING_RULE_ARCHIVED": "An earning rule was archived.",
        "ACTION_TYPE_CREATED": "An action type was created.",
        "ACTION_TYPE_UPDATED": "An action type was changed.",
        "ACTION_TYPE_ARCHIVED": "An action type was archived.",
        "REWARD_CREATED": "A reward was added to the catalog.",
        "REWARD_UPDATED": "A reward was changed.",
        "REWARD_RESTOCKED": "Units were added to a reward's stock.",
        "REWARD_ARCHIVED": "A reward was archived.",
        "REDEMPTION_CANCELLED": "A redemption was cancelled and its points given back.",
        "INSTANT_WIN_GAME_CREATED": "An instant-win game was created.",
        "INSTANT_WIN_GAME_UPDATED": "An instant-win game was changed.",
        "INSTANT_WIN_GAME_ARCHIVED": "An instant-win game was archived.",
        "CONTEST_CREATED": "A contest was created.",
        "CONTEST_UPDATED": "A contest was changed.",
        "CONTEST_ARCHIVED": "A contest was archived.",
        "CONTEST_DRAW_REQUESTED": "Staff asked for a contest's draw (drawContest).",
        "CONTEST_DRAWN": "The worker drew a contest: its winners are final.",
        "AUCTION_CREATED": "An auction was created.",
        "AUCTION_UPDATED": "An auction was changed.",
        "AUCTION_ARCHIVED": "An auction was archived: its holds are released at its end.",
        "AUCTION_SETTLED": "The worker settled an auction: winners paid, the rest released.",
        "SEGMENTS_COMPUTE_REQUESTED": "Staff asked for the segments to be computed again.",
        "SIMULATION_REQUESTED": "Staff asked for a campaign simulation (its draft and window).",
        "SIMULATION_CANCELLED": "Staff cancelled a campaign simulation.",
        "BADGE_CREATED": "A badge was created.",
        "BADGE_UPDATED": "A badge was changed.",
        "BADGE_ARCHIVED": "A badge was archived.",
        "CHALLENGE_CREATED": "A challenge was created.",
        "CHALLENGE_UPDATED": "A challenge was changed.",
        "CHALLENGE_ARCHIVED": "A challenge was archived.",
        "WEBHOOK_CREATED": "A webhook endpoint was registered.",
        "WEBHOOK_ARCHIVED": "A webhook endpoint was archived.",
        "WEBHOOK_DELIVERY_REPLAYED": "A failed webhook delivery was queued again.",
    },
)

AuditActorKind = graphql_enum(
    DomainActorKind,
    "AuditActorKind",
    "Who did an audited action.",
    {
        "STAFF": "A staff user (see `staff`).",
        "SYSTEM": "The service itself: the demo seed, the command line, or a worker carrying out "
        "what staff asked (see `label`).",
        "MEMBER": "The member, on their own account (erasing it).",
    },
)


@strawberry.type(description="Who did an audited action.")
class AuditActor:
    kind: AuditActorKind = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="A staff user, the system or the member."
    )
    staff: StaffUser | None = strawberry.field(
        description="The staff user, archived or not; null unless kind is STAFF."
    )
    label: str = strawberry.field(
        description='Which part of the system acted ("demo seed", "worker: contest '
        'draw"...); empty for staff.'
    )


@strawberry.type(
    description="One staff action: what was done to what, by whom, when, and the values it "
    "changed. Kept for good, also when the member it concerns is erased (it holds no personal "
    "data)."
)
class AuditEntry:
    id: strawberry.ID = strawberry.field(description="The entry's id.")
    at: datetime = strawberry.field(description="When it happened (ISO-8601, UTC).")
    actor: AuditActor = strawberry.field(description="Who did it.")
    action: AuditAction = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="What was done."
    )
    target_type: str = strawberry.field(
        description="What kind of thing it was done to: the action's first part (`reward`, "
        "`member`, `contest`, `program`...)."
    )
    target_id: strawberry.ID | None = strawberry.field(
        description="The id of the thing (a member id, a reward id...); null for an action on "
        "the program as a whole, such as computing segments."
    )
    before: JSON | None = strawberry.field(
        description="The changed values before the action, by field name (snake_case); null "
        "for a creation."
    )
    after: JSON | None = strawberry.field(
        description="The changed values after it (the whole object for a creation); null when "
        "nothing is left to show."
    )
    request_id: str | None = strawberry.field(
        description="The API request that did it (the `X-Request-Id` its log lines carry); "
        "null for what no request set off."
    )

    @classmethod
    def from_model(
        cls, entry: AuditEntryModel, staff: dict[int, accounts_models.StaffUser]
    ) -> AuditEntry:
        who = staff.get(entry.actor_staff_id) if entry.actor_staff_id is not None else None
        return cls(
            id=strawberry.ID(str(entry.id)),
            at=entry.at,
            actor=AuditActor(
                kind=DomainActorKind(entry.actor_kind),
                staff=StaffUser.from_model(who) if who else None,
                label=entry.actor_label,
            ),
            action=DomainAuditAction(entry.action),
            target_type=entry.target_type,
            target_id=strawberry.ID(str(entry.target_id)) if entry.target_id is not None else None,
            before=entry.before,
            after=entry.after,
            request_id=entry.request_id,
        )
