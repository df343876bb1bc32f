"""Challenge mutations: members join; staff create, update and archive."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.challenges.types import (
    ArchiveChallengeInput,
    ArchiveChallengePayload,
    Challenge,
    CreateChallengeInput,
    CreateChallengePayload,
    JoinChallengeInput,
    JoinChallengePayload,
    UpdateChallengeInput,
    UpdateChallengePayload,
)
from api.context import Info
from api.errors import returns_user_errors
from api.ids import parse_id
from api.permissions import member_only, staff_only
from api.rate_limits import member_spends
from challenges import definitions, progress
from challenges.models import ChallengeParticipant
from gamification import events
from gamification.accounts.members import member_in_program
from gamification.accounts.models import StaffRole


def _badge_id(raw: strawberry.ID | None) -> int | None:
    return parse_id(raw, "rewardBadgeId") if raw is not None else None


@strawberry.type
class ChallengeMutations:
    @strawberry.mutation(
        extensions=[member_spends(), *member_only()],
        description="Take part in a challenge (OPT_IN ones count from now on). Joining twice "
        "changes nothing. Member only. Codes: NOT_FOUND, CHALLENGE_NOT_OPEN (ended or "
        "archived), CHALLENGE_NOT_ELIGIBLE (tier too low), CHALLENGE_FULL.",
    )
    @returns_user_errors(JoinChallengePayload)
    async def join_challenge(
        self,
        info: Info,
        input: Annotated[JoinChallengeInput, strawberry.argument(description="Which challenge.")],
    ) -> JoinChallengePayload:
        program_id = info.context.program_id
        challenge = await definitions.challenge_in_program(
            program_id, parse_id(input.challenge_id, "challengeId")
        )
        member = await member_in_program(program_id, info.context.caller.member_id)
        async with events.atomic():
            await progress.join(challenge, member)
        participant = await ChallengeParticipant.get_or_none(
            challenge_id=challenge.id, member_id=member.id
        )
        await challenge.refresh_from_db()
        return JoinChallengePayload(challenge=Challenge.from_model(challenge, participant))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Define a challenge. Staff, MANAGER role or higher. Codes: INVALID_INPUT, "
        "INVALID_WINDOW, INVALID_CRITERIA (QUANTITY without exactly one of sku and category), "
        "NOT_FOUND (rewardBadgeId).",
    )
    @returns_user_errors(CreateChallengePayload)
    async def create_challenge(
        self,
        info: Info,
        input: Annotated[
            CreateChallengeInput, strawberry.argument(description="The challenge's definition.")
        ],
    ) -> CreateChallengePayload:
        challenge = await definitions.create_challenge(
            info.context.actor,
            info.context.program_id,
            input.metric,
            input.kind,
            input.enrolment,
            definitions.ChallengeFields(
                name=input.name,
                description=input.description,
                target=input.target,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                min_tier_rank=input.min_tier_rank,
                reward_points=input.reward_points,
                reward_badge_id=_badge_id(input.reward_badge_id),
                max_participants=input.max_participants,
                translations=input.translations,
            ),
            sku=input.sku,
            category=input.category,
            action=input.action,
        )
        return CreateChallengePayload(challenge=Challenge.from_model(challenge))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Change an ACTIVE challenge. Staff, MANAGER role or higher. Codes: "
        "NOT_FOUND, CHALLENGE_NOT_OPEN (ended or archived), INVALID_INPUT, INVALID_WINDOW.",
    )
    @returns_user_errors(UpdateChallengePayload)
    async def update_challenge(
        self,
        info: Info,
        input: Annotated[
            UpdateChallengeInput, strawberry.argument(description="The challenge and what changes.")
        ],
    ) -> UpdateChallengePayload:
        challenge = await definitions.update_challenge(
            info.context.actor,
            info.context.program_id,
            parse_id(input.challenge_id, "challengeId"),
            definitions.ChallengeFields(
                name=input.name,
                description=input.description,
                target=input.target,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                min_tier_rank=input.min_tier_rank,
                reward_points=input.reward_points,
                reward_badge_id=_badge_id(input.reward_badge_id),
                max_participants=input.max_participants,
                translations=input.translations,
            ),
        )
        return UpdateChallengePayload(challenge=Challenge.from_model(challenge))

    @strawberry.mutation(
        extensions=staff_only(StaffRole.MANAGER),
        description="Withdraw a challenge: nothing more is counted or rewarded. Staff, MANAGER "
        "role or higher. Codes: NOT_FOUND, ALREADY_ARCHIVED.",
    )
    @returns_user_errors(ArchiveChallengePayload)
    async def archive_challenge(
        self,
        info: Info,
        input: Annotated[
            ArchiveChallengeInput, strawberry.argument(description="Which challenge.")
        ],
    ) -> ArchiveChallengePayload:
        challenge = await definitions.archive_challenge(
            info.context.actor, info.context.program_id, parse_id(input.challenge_id, "challengeId")
        )
        return ArchiveChallengePayload(challenge=Challenge.from_model(challenge))
