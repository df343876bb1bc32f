"""The one place where errors take the shapes clients read: domain errors become GraphQL
`UserError`s, and requests refused before GraphQL runs get a JSON body with a code."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from enum import StrEnum
from typing import ParamSpec, TypeVar

import strawberry
from graphql import GraphQLError
from starlette.responses import JSONResponse

from api.enums import graphql_enum
from api.error_messages import message_in
from api.observability import record_outcome
from badges.error_codes import BadgeErrorCode
from challenges.error_codes import ChallengeErrorCode
from core.database import DatabaseBusy
from core.errors import DomainError, ValidationErrors
from core.errors import ErrorCode as SharedErrorCode
from core.outages import outage_code
from gamification.accounts.error_codes import AccountErrorCode
from gamification.actions.error_codes import ActionErrorCode
from gamification.events.error_codes import EventErrorCode
from gamification.games.error_codes import GameErrorCode
from gamification.leaderboards.error_codes import LeaderboardErrorCode
from gamification.points.error_codes import PointsErrorCode
from gamification.programs.error_codes import ProgramErrorCode
from gamification.referrals.error_codes import ReferralErrorCode
from gamification.rewards.error_codes import RewardErrorCode
from gamification.simulations.error_codes import SimulationErrorCode
from gamification.webhooks.error_codes import WebhookErrorCode

# Every feature's codes, in the order of the layers: a new feature adds its enum here.
FEATURE_CODES: tuple[type[StrEnum], ...] = (
    SharedErrorCode,
    EventErrorCode,
    ProgramErrorCode,
    AccountErrorCode,
    PointsErrorCode,
    ReferralErrorCode,
    RewardErrorCode,
    ActionErrorCode,
    GameErrorCode,
    LeaderboardErrorCode,
    WebhookErrorCode,
    SimulationErrorCode,
    BadgeErrorCode,
    ChallengeErrorCode,
)


def merge_codes(name: str, enums: Iterable[type[StrEnum]]) -> type[StrEnum]:
    """One enum holding the members of all `enums`; a value declared twice is refused."""
    members: dict[str, str] = {}
    for enum in enums:
        for member in enum:
            if member.name in members:
                raise ValueError(f"error code {member.name} is declared twice")
            members[member.name] = member.value
    return StrEnum(name, members)  # type: ignore[return-value]  # functional API: a StrEnum


# What each code tells a client; a feature that adds a code describes it here too.
CODE_DESCRIPTIONS = {
    # shared
    "INVALID_INPUT": "A value breaks a rule of shape or range; `field` names it, `message` says "
    "the rule.",
    "NOT_FOUND": "No such thing for this caller (a malformed id, or another program's thing).",
    "IDEMPOTENCY_KEY_REUSED": "This idempotency key or external id was already used for a "
    "different request: use a new key for a new operation.",
    "ALREADY_ARCHIVED": "The thing is archived and can no longer be changed.",
    "INVALID_URL": "Not an http(s) URL of at most 500 characters, or a webhook URL that points "
    "at a private address.",
    "INVALID_WINDOW": "The end of a time window is not after its start.",
    "NAME_TAKEN": "Another badge, reward, challenge, tier, earning rule, game, contest or plan "
    "of the program has this name (archived ones keep theirs): choose another.",
    "INVALID_TIME": "A time without a zone (a date alone, a naive time) or not a time at all: "
    "send ISO-8601 with `Z` or an offset; `field` names it.",
    # events
    "INVALID_EVENT_TYPE": "No event type given where one is needed (eventType, eventTypes).",
    # programs
    "INVALID_SLUG": "A program slug is 1-64 lowercase letters, digits and inner hyphens.",
    "INVALID_CURRENCY": "Not a three-letter ISO-4217 currency code.",
    "PROGRAM_NOT_FOUND": "No program has this slug.",
    "PROGRAM_EXISTS": "A program with this slug exists already.",
    "INVALID_LOCALE": "Not a language the service knows (fr, nl, en, de, es, it), or one given "
    "twice in `translations`; `field` names it.",
    "INVALID_TRANSLATION": "A translation's name is empty or over 120 characters, or its "
    "description over 4000; `field` names it.",
    # accounts
    "INVALID_EMAIL": "Not a valid email address.",
    "PASSWORD_TOO_SHORT": "The password is shorter than the minimum length (the message says it).",
    "PASSWORD_TOO_LONG": "The password is longer than the maximum length (the message says it).",
    "INVALID_DISPLAY_NAME": "A display name is too short, too long or has unprintable characters "
    "(the message gives the limit).",
    "INVALID_ROLE": "Not a staff role: ADMIN, MANAGER or ANALYST.",
    "EMAIL_TAKEN": "An account of this program already uses this email.",
    "INVALID_CREDENTIALS": "Wrong email or password (the same answer for an unknown email).",
    "INVALID_REFRESH_TOKEN": "The refresh token is unknown, expired or already used: log in again.",
    "TOO_MANY_ATTEMPTS": "Too many failed log-ins from here: wait a few minutes.",
    "MEMBER_NOT_FOUND": "No member of this program matches the reference given.",
    "MEMBER_BLOCKED": "The member is blocked by staff: they cannot earn or spend.",
    "MEMBER_ANONYMISED": "The member's account was deleted (personal data erased).",
    "STAFF_NOT_FOUND": "No staff user of this program has this id.",
    "LAST_ADMIN": "The program's last active admin cannot be demoted or archived: make another "
    "admin first.",
    # points
    "INSUFFICIENT_POINTS": "The balance does not cover the points this costs.",
    "CURRENCY_MISMATCH": "The purchase's currency is not the program's.",
    "INVALID_AMOUNT": "An amount is positive, at most 1,000,000,000, with at most 2 decimals.",
    "INVALID_QUANTITY": "A line's quantity is above 0.",
    "LINES_TOTAL_MISMATCH": "The lines do not add up to the purchase's total.",
    "TOO_MANY_LINES": "A purchase has too many lines (the message says the maximum).",
    "PURCHASE_NOT_FOUND": "No purchase of this program has this external id.",
    "REFUND_EXCEEDS_PURCHASE": "The refund is more than what is left of the purchase to refund.",
    "INVALID_RULE": "The earning rule's fields do not fit its kind (see CreateEarningRuleInput).",
    "TIER_NOT_FOUND": "No tier of this program has this id.",
    "PLAN_NOT_FOUND": "No membership plan of this program has this id (or it is archived).",
    # referrals
    "INVALID_REFERRAL_CODE": "No member of this program has this referral code.",
    "OWN_REFERRAL_CODE": "A member cannot use their own referral code.",
    "ALREADY_REFERRED": "This member was already referred by someone.",
    "REFERRAL_LOOP": "This code belongs to someone the member referred, directly or not.",
    "REFERRAL_WINDOW_CLOSED": "Too long since sign-up to enter a friend's code.",
    # rewards
    "REWARD_NOT_FOUND": "No reward of this program has this id.",
    "REWARD_ARCHIVED": "The reward is archived.",
    "REWARD_NOT_STARTED": "The reward's window has not started yet.",
    "REWARD_ENDED": "The reward's window has ended.",
    "OUT_OF_STOCK": "No unit of the reward is left.",
    "TIER_REQUIRED": "The reward needs a higher tier than the member's.",
    "BADGE_REQUIRED": "The reward needs a badge the member does not hold.",
    "LIMIT_REACHED": "The member redeemed this reward as often as its limits allow.",
    "REDEMPTION_NOT_FOUND": "No redemption has this code or id in this program.",
    "ALREADY_USED": "This redemption code was already used.",
    "REDEMPTION_CANCELLED": "This redemption was cancelled.",
    "REDEMPTION_EXPIRED": "This redemption code is past its validity.",
    "REDEMPTION_NOT_USABLE": "This redemption cannot do that (a donation is not used in a shop "
    "and cannot be undone).",
    "NOT_ELIGIBLE": "The member's tier or badges do not allow this.",
    # games
    "GAME_CLOSED": "The game is not open now (before its start, after its end, or archived).",
    "PLAY_LIMIT_REACHED": "The member played as often as the game allows.",
    "CONTEST_CLOSED": "The contest is not open for entries now.",
    "ENTRY_LIMIT_REACHED": "More entries than the contest allows per member.",
    "CONTEST_NOT_CLOSED": "The contest is still open: it can be drawn once it closes.",
    "REWARD_PRIZE_UNAVAILABLE": "The reward given as this prize no longer exists.",
    "ACTION_TYPE_NOT_FOUND": "No such action type in this program (or not one members report).",
    "ACTION_NOT_AVAILABLE": "The action type does not count at this time (outside its window).",
    "ACTION_LIMIT_REACHED": "The member reached this action's limit (per day, week or ever).",
    "ACTION_COOLDOWN": "Too soon after the member's last one of this action.",
    "INVALID_CHECK_IN_CODE": "The check-in code is not the one shown in the shop.",
    "AUCTION_CLOSED": "The auction is not taking bids now (not started, ended or archived).",
    "BID_TOO_LOW": "The bid is under the auction's minimumBid (the message says how much).",
    # leaderboards
    "UNKNOWN_LEADERBOARD": "Not a board of the program: referrals, points, "
    "challenge:<id> or action:<action type code>.",
    # webhooks
    "DELIVERY_NOT_FAILED": "Only a FAILED webhook delivery can be replayed.",
    # simulations
    "SIMULATION_NOT_FOUND": "No simulation of this program has this id.",
    "INVALID_DRAFT": "The simulation's draft names a rule or tier the program does not have live, "
    "has too many changes, or a tier change out of range; `field` names it inside the input.",
    "SIMULATION_FINISHED": "The simulation has already finished (done, failed or cancelled).",
    "SIMULATION_NOT_DONE": "The simulation has no results yet (queued, running, cancelled or "
    "failed): its CSV export waits for DONE.",
    # badges
    "INVALID_CRITERIA": "The badge's or challenge's criteria fields do not fit its kind or "
    "metric (thresholds, target, SKU or category).",
    # challenges
    "CHALLENGE_NOT_OPEN": "The challenge is over (ended or archived): it cannot be joined or "
    "changed.",
    "CHALLENGE_FULL": "The challenge has as many participants as it allows.",
    "CHALLENGE_NOT_ELIGIBLE": "The member's tier cannot join this challenge.",
}

# Clients read one enum: the codes of every feature.
ErrorCode = graphql_enum(
    merge_codes("ErrorCode", FEATURE_CODES),
    "ErrorCode",
    "Why a mutation refused: a stable code to switch on (new codes are added, none is renamed).",
    CODE_DESCRIPTIONS,
)


@strawberry.type(
    description="A business refusal or a validation failure of a mutation: the payload's other "
    "fields are then null. Several can come at once, one per field at fault."
)
class UserError:
    code: ErrorCode = strawberry.field(  # type: ignore[valid-type]  # a strawberry.enum(...) value, used as the type it makes
        description="What went wrong, as a stable code to switch on."
    )
    message: str = strawberry.field(
        description="A sentence saying what went wrong, in French for a member-facing code "
        "when the request's language (Accept-Language, else the program's default) is, and in "
        "English otherwise: for display or logs, never to switch on."
    )
    field: str | None = strawberry.field(
        default=None,
        description="The input field at fault, as its GraphQL name (camelCase, `lines.0.sku` "
        "style for nested ones); null when no single field is.",
    )


# The code of an error no one meant to give: a bug or an outage.
UNEXPECTED = "INTERNAL_SERVER_ERROR"

# The database could not take the request within the time it may wait (core.database.DatabaseBusy:
# SQLite's write lock held by another process past the busy timeout, or every connection of the
# PostgreSQL pool in use past the pool timeout): what met it wrote nothing, and the same request
# may be sent again. A top-level error, for queries
# and mutations alike: it is about the moment, not about the input.
DATABASE_BUSY = "DATABASE_BUSY"


def graphql_error_code(error: GraphQLError) -> str:
    """The `extensions.code` a GraphQL error answers with: a domain error's code, the code a
    refusal carries (UNAUTHENTICATED, FORBIDDEN...), DATABASE_BUSY for a lock or a connection
    not waited out, DATABASE_UNAVAILABLE or REDIS_UNAVAILABLE for an outage (core.outages: retry
    later),
    UNEXPECTED for anything else raised, and GRAPHQL_VALIDATION_FAILED for a document at fault
    (parse, validation, limits)."""
    original = error.original_error
    if isinstance(original, DomainError):
        return str(original.code.value)
    if isinstance(original, DatabaseBusy):
        return DATABASE_BUSY
    if original is not None and not isinstance(original, GraphQLError):
        return outage_code(original) or UNEXPECTED
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else "GRAPHQL_VALIDATION_FAILED"


def http_error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    """A refusal outside GraphQL execution, shaped like a GraphQL error so clients read one form
    (`extensions.field` names the parameter at fault, when one is)."""
    extensions = {"code": code} if field is None else {"code": code, "field": field}
    return JSONResponse({"errors": [{"message": message, "extensions": extensions}]}, status)


def user_errors(error: DomainError, languages: Sequence[str] = ()) -> list[UserError]:
    """The error's `UserError`s, their messages in the first of `languages` that has them."""
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    return [
        UserError(
            code=ErrorCode(e.code.value),
            message=message_in(str(e.code.value), e.message, languages),
            field=e.field,
        )
        for e in errors
    ]


P = ParamSpec("P")
T = TypeVar("T")


def returns_user_errors(
    payload: Callable[..., T],
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Wrap a mutation resolver: a DomainError becomes `payload(errors=[...])`, the rest null."""

    def decorate(resolver: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(resolver)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return await resolver(*args, **kwargs)
            except DomainError as error:
                info = kwargs.get("info")
                languages: Sequence[str] = ()
                if info is not None:
                    record_outcome(info.context.request.scope, str(error.code.value))
                    languages = await info.context.languages(info)
                return payload(errors=user_errors(error, languages))

        return wrapper

    return decorate
