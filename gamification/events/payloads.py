"""The data of each event type: one frozen dataclass per type, whose fields are the JSON keys of
the event row's `data` in the order they are written; `PAYLOADS` maps each type to its class.

The stored JSON is a contract: webhook receivers get it as it is and existing rows are read
back through these classes, so the classes follow it:
- ids, points and counts are ints; money is a Decimal here and a decimal string there
  ("42.50"); times are aware datetimes here and ISO-8601 strings there;
- a field kept under another key than its name says so (`KEY`, below);
- a field whose type admits None reads as None when its key is missing (a row written before
  the key existed); it is written as null, unless its metadata is `OMIT_NONE`: then its key is
  left out;
- keys a class does not know are ignored when reading (a row written by a newer version).

Handlers read `PurchaseRecorded.of(event)`, or `payload_of(event)` for any type: a row's data is
parsed once per event object, and an event emitted in this process is never parsed, since it
carries the payload it was written from.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NamedTuple, Self

from gamification.events.types import EventType

if TYPE_CHECKING:
    from gamification.events.models import Event


class PayloadError(ValueError):
    """Stored event data that does not fit its type's payload, a payload built inconsistently,
    or an event read as another type's payload."""


class UnknownEventType(PayloadError):
    """A row whose type this version does not know (written by another version)."""


# Field metadata: `field(metadata={KEY: "from"})` keeps a field under another JSON key than its
# name (`from` is a Python keyword); `field(default=None, metadata=OMIT_NONE)` leaves an optional
# field's key out of the stored data when None (the emitters have always left it out).
KEY = "key"
_OMIT = "omitted_when_none"
OMIT_NONE = {_OMIT: True}


@dataclass(frozen=True, kw_only=True)
class Payload:
    """What every event payload is. The concrete classes are the values of `PAYLOADS`; the
    shared shapes (PointsMoved...) are bases that `of` also accepts."""

    @classmethod
    def of(cls, event: Event) -> Self:
        """The event's payload, which must be of this class (a handler reads the type it
        subscribed to)."""
        payload = payload_of(event)
        if not isinstance(payload, cls):
            raise PayloadError(f"event {event.id} is a {event.type}, not a {cls.__name__}")
        return payload

    @classmethod
    def parse(cls, data: Any) -> Self:
        """Stored `data` read as this class's (a row's data read without its Event, by
        `values_list`); PayloadError when it does not fit."""
        _type_of_class(cls)
        payload: Self = _codecs[cls].load(data, cls.__name__)
        return payload


# --- members ---


@dataclass(frozen=True, kw_only=True)
class MemberSignedUp(Payload):
    """The member is the event's own: nothing more to say."""


@dataclass(frozen=True, kw_only=True)
class MemberBlocked(Payload):
    reason: str  # as the staff member wrote it
    staff: int | None  # the staff member's id (null: the system)


@dataclass(frozen=True, kw_only=True)
class MemberUnblocked(Payload):
    staff: int | None  # the staff member's id (null: the system)


@dataclass(frozen=True, kw_only=True)
class MemberAnonymised(Payload):
    by: str  # "member" (the member deleted their account), "staff:<id>" or "system"


# --- purchases ---


@dataclass(frozen=True, kw_only=True)
class LineItem:
    """One line of a recorded purchase (not an event of its own)."""

    sku: str
    category: str | None
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, kw_only=True)
class PurchaseRecorded(Payload):
    """The event's `occurred_at` is the purchase's own time, as the integration reported it."""

    purchase_id: int
    external_id: str  # the integration's id, unique per program
    total: Decimal
    currency: str
    points: int  # what the purchase earned (0 when nothing)
    first_purchase: bool  # the member's first, ever
    # Whether the member was referred: referrals only look at purchases of referred members.
    # None (rows written before the flag): unknown, so they look.
    referred: bool | None = field(default=None, metadata=OMIT_NONE)
    lines: tuple[LineItem, ...]


@dataclass(frozen=True, kw_only=True)
class PurchaseRefunded(Payload):
    purchase_id: int
    refund_id: str  # the integration's id of this refund, unique per purchase
    amount: Decimal  # the money refunded by this refund
    points_reversed: int  # the points it took back from what the purchase earned
    referred: bool | None = field(default=None, metadata=OMIT_NONE)  # as in PurchaseRecorded


# --- points ---


@dataclass(frozen=True, kw_only=True)
class PointsMoved(Payload):
    """A ledger movement: the shape of POINTS_EARNED, POINTS_SPENT and POINTS_REVERSED."""

    points: int  # how many, always positive: the type says which way
    kind: str  # the entry's LedgerKind value (EARN, BONUS, REDEEM, REFUND...)
    reference: str | None  # what caused it ("purchase:12", "redemption:3"), when known
    entry: int  # the ledger entry's id


@dataclass(frozen=True, kw_only=True)
class PointsEarned(PointsMoved):
    """Credited, as a new lot; the event's `occurred_at` is the entry's own time."""


@dataclass(frozen=True, kw_only=True)
class PointsSpent(PointsMoved):
    """Debited by a spend (a redemption, a play, a contest entry)."""


@dataclass(frozen=True, kw_only=True)
class PointsReversed(PointsMoved):
    """Taken back after a refund."""


@dataclass(frozen=True, kw_only=True)
class PointsExpired(Payload):
    points: int  # what was left of the lot
    lot: int  # the lot's ledger entry id
    # The lot's expiry date, when it had one.
    expired_at: datetime | None = field(default=None, metadata=OMIT_NONE)


@dataclass(frozen=True, kw_only=True)
class PointsAdjusted(Payload):
    """A staff correction; it also emits POINTS_EARNED or POINTS_SPENT for the same entry."""

    points: int  # signed: negative takes points away
    reason: str
    staff: int | None  # the staff member's id (null: the system)
    entry: int  # the ledger entry's id


# --- tiers and memberships ---


@dataclass(frozen=True, kw_only=True)
class TierChanged(Payload):
    from_tier: int | None = field(metadata={KEY: "from"})  # the tier id before, None for no tier
    to_tier: int | None = field(metadata={KEY: "to"})  # the tier id after, None for no tier
    reason: str  # what changed it ("purchase", "review", "membership", "staff"...)
    rank: int | None  # the new tier's rank, None for no tier


@dataclass(frozen=True, kw_only=True)
class MembershipActivated(Payload):
    membership_id: int
    plan_id: int
    tier_id: int  # the tier the plan grants
    ends_at: datetime


@dataclass(frozen=True, kw_only=True)
class MembershipEnded(Payload):
    membership_id: int
    plan_id: int


# --- rewards ---


@dataclass(frozen=True, kw_only=True)
class RewardRedeemed(Payload):
    redemption_id: int
    reward_id: int
    points: int  # what the redemption cost


@dataclass(frozen=True, kw_only=True)
class RedemptionChanged(Payload):
    """The shape of REDEMPTION_USED, REDEMPTION_CANCELLED and REDEMPTION_EXPIRED."""

    redemption_id: int
    reward_id: int
    points_refunded: int  # given back to the member (0 when nothing)


@dataclass(frozen=True, kw_only=True)
class RedemptionUsed(RedemptionChanged):
    """The shop marked the code used."""


@dataclass(frozen=True, kw_only=True)
class RedemptionCancelled(RedemptionChanged):
    pass


@dataclass(frozen=True, kw_only=True)
class RedemptionExpired(RedemptionChanged):
    pass


# --- badges and challenges ---


@dataclass(frozen=True, kw_only=True)
class BadgeAwarded(Payload):
    badge_id: int
    level: int  # 1 for the first level
    name: str  # the badge's name when awarded
    points: int  # what the badge grants (0 when nothing)


@dataclass(frozen=True, kw_only=True)
class ChallengeJoined(Payload):
    challenge_id: int
    name: str  # the challenge's name when joined


@dataclass(frozen=True, kw_only=True)
class ChallengeProgressed(Payload):
    """A member's progress on an INDIVIDUAL challenge grew: one per challenge and commit (the
    events of one commit that count for it make one), the completing one included."""

    challenge_id: int
    name: str  # the challenge's name then
    progress: int  # the member's progress after it, in the metric's unit (cents for SPEND)
    target: int  # the challenge's target, in the same unit


@dataclass(frozen=True, kw_only=True)
class ChallengeCompleted(Payload):
    challenge_id: int
    name: str  # the challenge's name when completed
    points: int  # its reward (0 when nothing)


# --- referrals: the event's member is the referrer ---


@dataclass(frozen=True, kw_only=True)
class ReferralChanged(Payload):
    """The shape of REFERRAL_QUALIFIED, REFERRAL_CAPPED and REFERRAL_REVERSED."""

    referral_id: int
    referee_id: int  # the member who was referred


@dataclass(frozen=True, kw_only=True)
class ReferralQualified(ReferralChanged):
    """The referee's first qualifying purchase: the referrer (and maybe the referee) earned."""


@dataclass(frozen=True, kw_only=True)
class ReferralCapped(ReferralChanged):
    """It would have qualified, but the referrer reached the cap for the period: no points."""


@dataclass(frozen=True, kw_only=True)
class ReferralReversed(ReferralChanged):
    """The qualifying purchase was refunded below the minimum: the points were taken back."""


# --- games and contests ---


@dataclass(frozen=True, kw_only=True)
class GamePlayed(Payload):
    game_id: int
    play_id: int
    won: bool


@dataclass(frozen=True, kw_only=True)
class PrizeWon(Payload):
    """Won in an instant-win game (game_id and play_id) or in a contest's draw (contest_id and
    slot); the keys of the other source are left out."""

    prize_id: int
    game_id: int | None = field(default=None, metadata=OMIT_NONE)
    play_id: int | None = field(default=None, metadata=OMIT_NONE)
    contest_id: int | None = field(default=None, metadata=OMIT_NONE)
    slot: int | None = field(default=None, metadata=OMIT_NONE)  # the winner's place in the draw
    kind: str  # the prize's PrizeKind value: POINTS, REWARD or PRIZE

    def __post_init__(self) -> None:
        game = (self.game_id is None, self.play_id is None)
        contest = (self.contest_id is None, self.slot is None)
        if {game, contest} != {(False, False), (True, True)}:
            raise PayloadError("a prize is won by a play of a game or by a slot of a contest")


@dataclass(frozen=True, kw_only=True)
class ContestEntered(Payload):
    contest_id: int
    entries: int  # how many entries this one bought


@dataclass(frozen=True, kw_only=True)
class BidPlaced(Payload):
    auction_id: int
    bid_id: int
    points: int  # the member's whole bid
    held: int  # the points this bid held more (a raise holds only the difference)


@dataclass(frozen=True, kw_only=True)
class Outbid(Payload):
    auction_id: int
    bid_id: int  # the bid that lost its place
    released: int  # the points given back to the member


@dataclass(frozen=True, kw_only=True)
class AuctionWon(Payload):
    auction_id: int
    bid_id: int
    points: int  # what the member paid: their own bid
    claim_code: str  # the redemption or claim code of the prize


@dataclass(frozen=True, kw_only=True)
class AuctionSettled(Payload):
    """A program-wide event (no member): the auction closed and every hold was settled."""

    auction_id: int
    winners: int
    released: int  # points given back at settlement (bids under the reserve)


@dataclass(frozen=True, kw_only=True)
class PointsExpiring(Payload):
    """A reminder, once per lot and threshold: `points` of lot `lot` lapse at `expires_at`."""

    points: int
    lot: int
    expires_at: datetime
    days: int  # the threshold crossed: the reminder "N days before"


@dataclass(frozen=True, kw_only=True)
class ActionRecorded(Payload):
    """An action beyond purchases (a review, a check-in...) counted for the member."""

    action_id: int  # the member's action
    action_type_id: int
    code: str  # the action type's code, as integrations name it ("review")
    points: int  # what it earned (0 for an action type worth no points)


PAYLOADS: dict[EventType, type[Payload]] = {
    EventType.MEMBER_SIGNED_UP: MemberSignedUp,
    EventType.MEMBER_BLOCKED: MemberBlocked,
    EventType.MEMBER_UNBLOCKED: MemberUnblocked,
    EventType.MEMBER_ANONYMISED: MemberAnonymised,
    EventType.PURCHASE_RECORDED: PurchaseRecorded,
    EventType.PURCHASE_REFUNDED: PurchaseRefunded,
    EventType.ACTION_RECORDED: ActionRecorded,
    EventType.POINTS_EARNED: PointsEarned,
    EventType.POINTS_SPENT: PointsSpent,
    EventType.POINTS_EXPIRED: PointsExpired,
    EventType.POINTS_EXPIRING: PointsExpiring,
    EventType.POINTS_ADJUSTED: PointsAdjusted,
    EventType.POINTS_REVERSED: PointsReversed,
    EventType.TIER_CHANGED: TierChanged,
    EventType.MEMBERSHIP_ACTIVATED: MembershipActivated,
    EventType.MEMBERSHIP_ENDED: MembershipEnded,
    EventType.REWARD_REDEEMED: RewardRedeemed,
    EventType.REDEMPTION_USED: RedemptionUsed,
    EventType.REDEMPTION_CANCELLED: RedemptionCancelled,
    EventType.REDEMPTION_EXPIRED: RedemptionExpired,
    EventType.BADGE_AWARDED: BadgeAwarded,
    EventType.CHALLENGE_JOINED: ChallengeJoined,
    EventType.CHALLENGE_PROGRESSED: ChallengeProgressed,
    EventType.CHALLENGE_COMPLETED: ChallengeCompleted,
    EventType.REFERRAL_QUALIFIED: ReferralQualified,
    EventType.REFERRAL_CAPPED: ReferralCapped,
    EventType.REFERRAL_REVERSED: ReferralReversed,
    EventType.GAME_PLAYED: GamePlayed,
    EventType.PRIZE_WON: PrizeWon,
    EventType.CONTEST_ENTERED: ContestEntered,
    EventType.BID_PLACED: BidPlaced,
    EventType.OUTBID: Outbid,
    EventType.AUCTION_WON: AuctionWon,
    EventType.AUCTION_SETTLED: AuctionSettled,
}

# One class per type, so that a payload names its type.
_TYPE_OF: dict[type[Payload], EventType] = {cls: t for t, cls in PAYLOADS.items()}
_BY_NAME: dict[str, type[Payload]] = {t.value: cls for t, cls in PAYLOADS.items()}
if set(PAYLOADS) != set(EventType) or len(_TYPE_OF) != len(PAYLOADS):
    raise TypeError("every event type has a payload class of its own")


def type_of(payload: Payload) -> EventType:
    """The event type `payload` is the data of (TypeError for anything else, a shared base
    such as PointsMoved included)."""
    return _type_of_class(type(payload))


def _type_of_class(cls: type[Any]) -> EventType:
    try:
        return _TYPE_OF[cls]
    except KeyError:
        raise TypeError(
            f"{cls.__name__} is not the payload of an event type: use one of the classes of "
            "gamification.events.payloads.PAYLOADS"
        ) from None


# --- the stored JSON ---


class _Field(NamedTuple):
    name: str  # the attribute
    key: str  # the JSON key
    optional: bool  # the type admits None: a missing key reads as None
    omit: bool  # None leaves the key out rather than writing null
    dump: Callable[[Any], Any] | None  # None: stored as it is (ints, strings, booleans)
    load: Callable[[Any], Any]


class _Codec:
    """How one class's instances become stored JSON and back. Dumping is on every emit: it
    copies the instance's attributes (its fields, in order: the dataclass's `__init__` sets
    them so) in one C call, and touches again only the fields that need it (money, times,
    lines, left-out keys)."""

    def __init__(self, cls: type[Any]) -> None:
        hints = typing.get_type_hints(cls)
        fields = []
        for f in dataclasses.fields(cls):
            dump, load, optional = _converters(hints[f.name], cls.__name__)
            key, omit = f.metadata.get(KEY, f.name), f.metadata.get(_OMIT, False)
            fields.append(_Field(f.name, key, optional, omit, dump, load))
        self.cls = cls
        self.fields = tuple(fields)
        self.keys = tuple(f.key for f in fields)
        self.renamed = any(f.key != f.name for f in fields)
        self.special = tuple((f.key, f.dump, f.omit) for f in fields if f.dump or f.omit)

    def dump(self, value: Any) -> dict[str, Any]:
        data: dict[str, Any] = vars(value).copy()
        if self.renamed:
            data = dict(zip(self.keys, data.values(), strict=True))
        for key, dump, omit in self.special:
            item = data[key]
            if item is None:
                if omit:
                    del data[key]
            elif dump is not None:
                data[key] = dump(item)
        return data

    def load(self, data: Any, where: str) -> Any:
        if not isinstance(data, dict):
            raise PayloadError(f"{where}: the data is a {type(data).__name__}, not an object")
        values: dict[str, Any] = {}
        for name, key, optional, _, _, load in self.fields:
            raw = data.get(key)
            if raw is None:
                if not optional:
                    state = "null" if key in data else "missing"
                    raise PayloadError(f"{where}: {key!r} is {state}")
                values[name] = None
                continue
            try:
                values[name] = load(raw)
            except (TypeError, ValueError, InvalidOperation) as error:
                raise PayloadError(f"{where}: {key!r} is {raw!r}: {error}") from None
        return self.cls(**values)


def to_json(payload: Payload) -> dict[str, Any]:
    """The `data` stored for `payload` (see the module docstring for its format)."""
    type_of(payload)
    return _codecs[type(payload)].dump(payload)


def from_json(event_type: str, data: Any) -> Payload:
    """The payload of a stored event of `event_type`: PayloadError when the data does not fit,
    UnknownEventType when this version does not know the type."""
    cls = _BY_NAME.get(event_type)
    if cls is None:
        raise UnknownEventType(f"unknown event type {event_type!r}")
    payload: Payload = _codecs[cls].load(data, event_type)
    return payload


_CACHE = "_payload"


def payload_of(event: Event) -> Payload:
    """The event's data as its type's payload, parsed once per event object (the handlers of
    one event share it). PayloadError when the stored data does not fit."""
    data = event.data
    cached = event.__dict__.get(_CACHE)
    if cached is not None and cached[0] is data:
        payload: Payload = cached[1]
        return payload
    payload = from_json(event.type, data)
    event.__dict__[_CACHE] = (data, payload)
    return payload


def carry(event: Event, payload: Payload) -> None:
    """Let a new event row, whose data was written from `payload`, answer `payload_of` without
    parsing it back."""
    event.__dict__[_CACHE] = (event.data, payload)


_PLAIN = (int, str, bool)


def _converters(
    hint: Any, where: str
) -> tuple[Callable[[Any], Any] | None, Callable[[Any], Any], bool]:
    """How a field of this type is dumped and loaded, and whether it admits None."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        kept = tuple(arg for arg in args if arg is not type(None))
        optional = len(kept) < len(args)
        if len(kept) == 1:
            dump, load, _ = _converters(kept[0], where)
            return dump, load, optional
        if all(arg in _PLAIN for arg in kept):
            return None, _plain(kept), optional
    elif hint in _PLAIN:
        return None, _plain((hint,)), False
    elif hint is Decimal:
        return str, _decimal, False
    elif hint is datetime:
        return datetime.isoformat, _aware, False
    elif typing.get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = args[0]
        return (
            lambda items: [_codecs[item].dump(i) for i in items],
            lambda raw: tuple(_codecs[item].load(d, f"{where} line") for d in _list(raw)),
            False,
        )
    raise TypeError(f"{where}: no JSON form for {hint!r}")


def _plain(kinds: tuple[type, ...]) -> Callable[[Any], Any]:
    def load(raw: Any) -> Any:
        if not isinstance(raw, kinds):
            raise TypeError(f"not a {' or '.join(k.__name__ for k in kinds)}")
        return raw

    return load


def _decimal(raw: Any) -> Decimal:
    if not isinstance(raw, str | int):
        raise TypeError("not a decimal string")
    return Decimal(raw)


def _aware(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise TypeError("not an ISO-8601 string")
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise ValueError("a time without its zone")
    return moment


def _list(raw: Any) -> list[Any]:
    if not isinstance(raw, list):
        raise TypeError("not a list")
    return raw


# Built once, at import: the classes' fields and types do not change.
_codecs: dict[type[Any], _Codec] = {}
_classes: tuple[type[Any], ...] = (LineItem, *PAYLOADS.values())
for _cls in _classes:
    _codecs[_cls] = _Codec(_cls)
