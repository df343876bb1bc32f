"""Challenge mutations: members join; staff create, update and archive."""

from __future__ import annotations

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
from challenges import definitions, progress
from challenges.models import ChallengeParticipant
from gamification import events
from gamification.accounts.members import member_in_program
from gamification.accounts.models import StaffRole


def _badge_id(raw: strawberry.ID | None) -> int | None:
    return parse_id(raw, "rewardBadgeId") if raw is not None else None


@strawberry.type
class ChallengeMutations:
    @strawberry.mutation(extensions=member_only())
    @returns_user_errors(JoinChallengePayload)
    async def join_challenge(self, info: Info, input: JoinChallengeInput) -> JoinChallengePayload:
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

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(CreateChallengePayload)
    async def create_challenge(
        self, info: Info, input: CreateChallengeInput
    ) -> CreateChallengePayload:
        challenge = await definitions.create_challenge(
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
            ),
            sku=input.sku,
            category=input.category,
        )
        return CreateChallengePayload(challenge=Challenge.from_model(challenge))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(UpdateChallengePayload)
    async def update_challenge(
        self, info: Info, input: UpdateChallengeInput
    ) -> UpdateChallengePayload:
        challenge = await definitions.update_challenge(
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
            ),
        )
        return UpdateChallengePayload(challenge=Challenge.from_model(challenge))

    @strawberry.mutation(extensions=staff_only(StaffRole.MANAGER))
    @returns_user_errors(ArchiveChallengePayload)
    async def archive_challenge(
        self, info: Info, input: ArchiveChallengeInput
    ) -> ArchiveChallengePayload:
        challenge = await definitions.archive_challenge(
            info.context.program_id, parse_id(input.challenge_id, "challengeId")
        )
        return ArchiveChallengePayload(challenge=Challenge.from_model(challenge))
