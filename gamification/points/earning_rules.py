"""Earning rules: how a basket becomes points. One pure function, `evaluate`, does it for both
`recordPurchase` and `previewPurchase`; it reads nothing and writes nothing.

How rules combine (the same text is in docs/points.md):

1. Active rules: not archived, `starts_at <= at < ends_at` (a missing bound is open), where `at`
   is the purchase's `occurredAt`, whose audience (segments, ABC classes, tiers:
   gamification/points/audiences.py) admits the member. They are taken in order of priority
   (highest first), then id.
2. MINIMUM_BASKET: if the basket total is below the `min_total` of any active one, the purchase
   earns nothing at all (the breakdown names that rule, with 0 points).
3. BASE_RATE: only the first active one counts. Each line earns
   `quantity * unit_price * points_per_unit`. Its `rounding` is THE rounding of the evaluation.
   Without a base rule a line's base points are 0.
4. PRODUCT (per line, at most one): the first matching active rule, matching by `sku` or by
   `category`; at equal priority a SKU rule beats a category rule. With `fixed_points` the line
   earns `fixed_points * quantity` instead of its base points; with `multiplier` it earns its
   base points times the multiplier. The line's points are now its "line points".
5. CAMPAIGN: every active campaign whose `tier` is empty or the member's tier applies, each adding
   `(multiplier - 1) * line points` of the lines it covers (all lines, or those of its
   `category`). Campaigns add up: two double-points campaigns make triple points, not quadruple.
6. Tier: the member's tier `earning_multiplier` adds `(multiplier - 1) * (line points + campaign
   points)`.
7. FIRST_PURCHASE: on the member's first purchase in the program, the first active one adds its
   `fixed_points`, multiplied by nothing.
8. Rounding: each rule's contribution is summed over the lines exactly (Decimal) and rounded once,
   with the base rule's rounding (FLOOR without a base rule). The points earned are the sum of
   the rounded contributions, never below 0; the breakdown lists each contribution.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from tortoise.transactions import in_transaction

from core.clock import clock, in_utc
from core.errors import ErrorCode, NotFound, ValidationFailed
from core.unique_names import refuse_taken, unique_name
from gamification.audit import Actor, AuditAction, trail
from gamification.points import audiences, engine_snapshot
from gamification.points.audiences import Audience, Standing
from gamification.points.error_codes import PointsErrorCode
from gamification.points.models import EarningRule, EarningRuleKind, Rounding, Tier

_ROUNDING = {
    Rounding.FLOOR: ROUND_FLOOR,
    Rounding.HALF_UP: ROUND_HALF_UP,
    Rounding.CEIL: ROUND_CEILING,
}
MAX_MULTIPLIER = Decimal(100)
MAX_RATE = Decimal(10_000)
MAX_FIXED_POINTS = 1_000_000
MAX_MIN_TOTAL = Decimal(1_000_000_000)
TIER_KIND = "TIER"


@dataclass(frozen=True, slots=True)
class BasketLine:
    sku: str
    category: str | None
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class RulePoints:
    rule_id: int | None  # None for the tier multiplier
    rule: str
    kind: str
    points: int

    def as_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule": self.rule,
            "kind": self.kind,
            "points": self.points,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RulePoints:
        return cls(data["rule_id"], data["rule"], data["kind"], int(data["points"]))


@dataclass(frozen=True, slots=True)
class Evaluation:
    points: int
    breakdown: tuple[RulePoints, ...]


def is_active(rule: EarningRule, at: datetime) -> bool:
    return (
        not rule.archived
        and (rule.starts_at is None or rule.starts_at <= at)
        and (rule.ends_at is None or at < rule.ends_at)
    )


def admits(rule: EarningRule, standing: Standing) -> bool:
    """Whether the rule's audience admits a member of this standing."""
    if not (rule.target_segments or rule.target_classes or rule.target_tier_ids):
        return True
    return Audience.of(rule).admits(standing)


def needs_segment(rules: Iterable[EarningRule]) -> bool:
    """Whether evaluating these rules needs the member's computed segment or class."""
    return any(rule.target_segments or rule.target_classes for rule in rules)


def evaluate(
    rules: Iterable[EarningRule],
    lines: Sequence[BasketLine],
    total: Decimal,
    *,
    at: datetime,
    tier: Tier | None,
    first_purchase: bool,
    segment: str | None = None,
    abc_class: str | None = None,
) -> Evaluation:
    """The points a basket earns under `rules`, with one breakdown entry per contributing rule,
    for a member of `tier` whose last computed segment and ABC class are `segment` and
    `abc_class` (None before any computation). Pure and deterministic: the same arguments
    always give the same result."""
    standing = Standing(tier.id if tier else None, segment, abc_class)
    active = sorted(
        (r for r in rules if is_active(r, at) and admits(r, standing)),
        key=lambda r: (-r.priority, r.id),
    )
    of_kind = {kind: [r for r in active if r.kind == kind] for kind in EarningRuleKind}

    for rule in of_kind[EarningRuleKind.MINIMUM_BASKET]:
        if rule.min_total is not None and total < rule.min_total:
            return Evaluation(0, (RulePoints(rule.id, rule.name, rule.kind.value, 0),))

    base = of_kind[EarningRuleKind.BASE_RATE][0] if of_kind[EarningRuleKind.BASE_RATE] else None
    rounding = _ROUNDING[Rounding(base.rounding)] if base else ROUND_FLOOR
    contributions: dict[int | None, Decimal] = {}
    named: dict[int | None, tuple[str, str]] = {}

    def add(rule: EarningRule, amount: Decimal) -> None:
        contributions[rule.id] = contributions.get(rule.id, Decimal(0)) + amount
        named[rule.id] = (rule.name, rule.kind.value)

    line_points: list[Decimal] = []
    for line in lines:
        points = line.amount * base.points_per_unit if base and base.points_per_unit else Decimal(0)
        if base:
            add(base, points)
        product = _product_rule(of_kind[EarningRuleKind.PRODUCT], line)
        if product is not None:
            if product.fixed_points is not None:
                replaced = Decimal(product.fixed_points * line.quantity)
                add(product, replaced - points)
                points = replaced
            elif product.multiplier is not None:
                extra = points * (product.multiplier - 1)
                add(product, extra)
                points += extra
        line_points.append(points)

    subtotal = sum(line_points, Decimal(0))
    for campaign in of_kind[EarningRuleKind.CAMPAIGN]:
        if campaign.tier_id is not None and (tier is None or tier.id != campaign.tier_id):
            continue
        covered = sum(
            (
                p
                for p, line in zip(line_points, lines, strict=True)
                if campaign.category is None or line.category == campaign.category
            ),
            Decimal(0),
        )
        extra = covered * ((campaign.multiplier or Decimal(1)) - 1)
        add(campaign, extra)
        subtotal += extra

    if tier is not None and Decimal(tier.earning_multiplier) != 1:
        contributions[None] = subtotal * (Decimal(tier.earning_multiplier) - 1)
        named[None] = (
            f"Tier {tier.name} x{format(Decimal(tier.earning_multiplier).normalize(), 'f')}",
            TIER_KIND,
        )

    if first_purchase and of_kind[EarningRuleKind.FIRST_PURCHASE]:
        bonus = of_kind[EarningRuleKind.FIRST_PURCHASE][0]
        add(bonus, Decimal(bonus.fixed_points or 0))

    breakdown = tuple(
        RulePoints(rule_id, named[rule_id][0], named[rule_id][1], _round(amount, rounding))
        for rule_id, amount in contributions.items()
    )
    return Evaluation(max(0, sum(item.points for item in breakdown)), breakdown)


def _product_rule(rules: list[EarningRule], line: BasketLine) -> EarningRule | None:
    matching = [
        r
        for r in rules
        if (r.sku is not None and r.sku == line.sku)
        or (r.sku is None and r.category is not None and r.category == line.category)
    ]
    if not matching:
        return None
    # Priority first; at equal priority a SKU rule is more specific than a category rule.
    return min(matching, key=lambda r: (-r.priority, r.sku is None, r.id))


def _round(amount: Decimal, rounding: str) -> int:
    return int(amount.quantize(Decimal(1), rounding=rounding))


async def list_rules(program_id: int, include_archived: bool = False) -> list[EarningRule]:
    """The program's rules for staff, highest priority first."""
    rules = EarningRule.filter(program_id=program_id)
    if not include_archived:
        rules = rules.filter(archived=False)
    return await rules.order_by("-priority", "id")


# --- staff management -------------------------------------------------------------------------

RULE_FIELDS = (
    "name",
    "kind",
    "priority",
    "starts_at",
    "ends_at",
    "points_per_unit",
    "rounding",
    "sku",
    "category",
    "multiplier",
    "fixed_points",
    "min_total",
    "tier_id",
)


async def _new_rule(program_id: int, values: dict[str, Any]) -> EarningRule:
    rule = EarningRule(program_id=program_id, created_at=clock.now())
    rule.rounding = Rounding.FLOOR
    rule.priority = 0
    await _apply(rule, values)
    return rule


async def draft_rule(program_id: int, **values: Any) -> EarningRule:
    """The rule `create_rule` would save with `values`, validated as it validates (its name
    free in the program included: `unique_name` makes the same check), and not saved."""
    rule = await _new_rule(program_id, values)
    await refuse_taken(EarningRule, program_id, rule.name, what="earning rule")
    return rule


async def create_rule(actor: Actor, program_id: int, **values: Any) -> EarningRule:
    rule = await _new_rule(program_id, values)
    async with unique_name(EarningRule, program_id, rule.name, what="earning rule"):
        await rule.save()
        await trail.created(actor, AuditAction.EARNING_RULE_CREATED, rule)
    engine_snapshot.forget(program_id)
    return rule


async def update_rule(actor: Actor, program_id: int, rule_id: int, **changes: Any) -> EarningRule:
    rule = await rule_in_program(program_id, rule_id)
    before = trail.snapshot(rule)
    await _apply(rule, changes)
    async with unique_name(EarningRule, program_id, rule.name, what="earning rule", own_id=rule.id):
        await rule.save()
        await trail.changed(actor, AuditAction.EARNING_RULE_UPDATED, rule, before)
    engine_snapshot.forget(program_id)
    return rule


async def archive_rule(actor: Actor, program_id: int, rule_id: int) -> EarningRule:
    rule = await rule_in_program(program_id, rule_id)
    if not rule.archived:
        async with in_transaction():
            before = trail.snapshot(rule)
            rule.archived = True
            await rule.save(update_fields=["archived"])
            await trail.changed(actor, AuditAction.EARNING_RULE_ARCHIVED, rule, before)
    engine_snapshot.forget(program_id)
    return rule


async def rule_in_program(program_id: int, rule_id: int, field: str = "ruleId") -> EarningRule:
    rule = await EarningRule.get_or_none(id=rule_id, program_id=program_id)
    if rule is None:
        raise NotFound(ErrorCode.NOT_FOUND, "No such earning rule.", field)
    return rule


async def simulated_rule(
    program_id: int, values: dict[str, Any], based_on: EarningRule | None = None
) -> EarningRule:
    """A rule checked as `create_rule` (or, `based_on` a rule, `update_rule`) checks it, never
    saved: what a campaign simulation replays. Its name need not be unique."""
    rule = EarningRule(program_id=program_id, created_at=clock.now())
    rule.rounding = Rounding.FLOOR
    rule.priority = 0
    if based_on is not None:
        rule.id = based_on.id
        for name in RULE_FIELDS:
            setattr(rule, name, getattr(based_on, name))
    await _apply(rule, values)
    return rule


_TIMES = {"starts_at": "startsAt", "ends_at": "endsAt"}


async def _apply(rule: EarningRule, values: dict[str, Any]) -> None:
    await audiences.apply_input(rule, rule.program_id, values)
    for name, value in values.items():
        if name not in RULE_FIELDS:
            raise ValueError(f"unknown rule field {name}")
        if name in _TIMES and value is not None:
            value = in_utc(value, _TIMES[name])
        setattr(rule, name, value)
    rule.name = (rule.name or "").strip()
    if not 1 <= len(rule.name) <= 100:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A rule name has 1 to 100 characters.", "name"
        )
    try:
        rule.kind = EarningRuleKind(rule.kind)
        rule.rounding = Rounding(rule.rounding)
    except ValueError:
        raise ValidationFailed(
            PointsErrorCode.INVALID_RULE, "Unknown kind or rounding.", "kind"
        ) from None
    if not -1000 <= rule.priority <= 1000:
        raise ValidationFailed(
            ErrorCode.INVALID_INPUT, "A priority is between -1000 and 1000.", "priority"
        )
    if rule.starts_at and rule.ends_at and rule.ends_at <= rule.starts_at:
        raise ValidationFailed(
            PointsErrorCode.INVALID_RULE, "A rule ends after it starts.", "endsAt"
        )
    for field in ("sku", "category"):
        value = getattr(rule, field)
        if value is not None and not 1 <= len(value) <= 64:
            raise ValidationFailed(
                ErrorCode.INVALID_INPUT, f"A {field} has 1 to 64 characters.", field
            )
    if rule.tier_id is not None and not await Tier.exists(
        id=rule.tier_id, program_id=rule.program_id
    ):
        raise NotFound(PointsErrorCode.TIER_NOT_FOUND, "No such tier in this program.", "tierId")
    _check_kind(rule)


def _need(condition: bool, message: str, field: str) -> None:
    if not condition:
        raise ValidationFailed(PointsErrorCode.INVALID_RULE, message, field)


def _check_kind(rule: EarningRule) -> None:
    for field, name in (
        ("points_per_unit", "pointsPerUnit"),
        ("multiplier", "multiplier"),
        ("min_total", "minTotal"),
    ):
        value = getattr(rule, field)
        # NaN and infinities would make every comparison below raise.
        _need(value is None or Decimal(value).is_finite(), "Give a finite number.", name)
    kind = rule.kind
    m = rule.multiplier
    if m is not None:
        _need(
            Decimal(0) < m <= MAX_MULTIPLIER,
            "A multiplier is above 0 and at most 100.",
            "multiplier",
        )
    if rule.fixed_points is not None:
        _need(
            0 <= rule.fixed_points <= MAX_FIXED_POINTS,
            "Fixed points are 0 to 1,000,000.",
            "fixedPoints",
        )
    if kind == EarningRuleKind.BASE_RATE:
        rate = rule.points_per_unit
        _need(
            rate is not None and Decimal(0) < rate <= MAX_RATE,
            "A base rate is above 0.",
            "pointsPerUnit",
        )
    elif kind == EarningRuleKind.PRODUCT:
        _need((rule.sku is None) != (rule.category is None), "Give a sku or a category.", "sku")
        _need(
            (m is None) != (rule.fixed_points is None),
            "Give a multiplier or fixed points.",
            "multiplier",
        )
    elif kind == EarningRuleKind.CAMPAIGN:
        _need(m is not None, "A campaign has a multiplier.", "multiplier")
        _need(
            rule.starts_at is not None and rule.ends_at is not None,
            "A campaign has a window.",
            "startsAt",
        )
    elif kind == EarningRuleKind.FIRST_PURCHASE:
        _need(
            rule.fixed_points is not None and rule.fixed_points > 0,
            "Give the bonus points.",
            "fixedPoints",
        )
    elif kind == EarningRuleKind.MINIMUM_BASKET:
        _need(
            rule.min_total is not None and Decimal(0) < rule.min_total <= MAX_MIN_TOTAL,
            "Give a minimum total (up to 1,000,000,000).",
            "minTotal",
        )
