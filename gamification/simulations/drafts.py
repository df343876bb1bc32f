"""A simulation's draft: the change staff want priced, and the two engines it yields.

A draft holds earning rules to add (bonus campaigns are rules of the CAMPAIGN kind), rules to
edit (by id, only the fields given change) and rules to remove, and tier changes (a threshold,
an earning multiplier). Every rule is checked exactly as `create_rule` / `update_rule` check
it (`earning_rules.simulated_rule`), and nothing is saved: the draft lives in the simulation's row
as JSON. `engines` turns it into the program's live rules and tiers, and the same with the
draft applied: the pure `earning_rules.evaluate` runs on both.

New rules get negative ids (-1, -2...), which no saved rule has: the engine keys a breakdown by
rule id and breaks priority ties by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from core.clock import parse_time
from core.errors import DomainError, NotFound, ValidationFailed
from gamification.points import earning_rules
from gamification.points.models import EarningRule, Tier
from gamification.simulations.error_codes import SimulationErrorCode

MAX_RULES = 50
MAX_TIERS = 50
MAX_TIER_MULTIPLIER = Decimal(100)

_DECIMALS = frozenset({"points_per_unit", "multiplier", "min_total"})
_TIMES = frozenset({"starts_at", "ends_at"})
_CAMEL = {
    "points_per_unit": "pointsPerUnit",
    "starts_at": "startsAt",
    "ends_at": "endsAt",
    "fixed_points": "fixedPoints",
    "min_total": "minTotal",
    "tier_id": "tierId",
}


@dataclass(frozen=True)
class RuleDraft:
    """A rule to add (`rule_id` None) or an edit of a live rule: the fields given, in the
    names and Python types of `earning_rules.RULE_FIELDS`."""

    values: Mapping[str, Any]
    rule_id: int | None = None


@dataclass(frozen=True)
class TierDraft:
    """A change of a live tier: its threshold, its earning multiplier, or both."""

    tier_id: int
    qualifying_threshold: int | None = None
    earning_multiplier: Decimal | None = None


@dataclass(frozen=True)
class Draft:
    rules: tuple[RuleDraft, ...] = ()
    removed_rule_ids: tuple[int, ...] = ()
    tiers: tuple[TierDraft, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.rules or self.removed_rule_ids or self.tiers)

    def as_json(self) -> dict[str, Any]:
        return {
            "rules": [
                {"rule_id": r.rule_id, "values": {k: _plain(v) for k, v in r.values.items()}}
                for r in self.rules
            ],
            "removed_rule_ids": list(self.removed_rule_ids),
            "tiers": [
                {
                    "tier_id": t.tier_id,
                    "qualifying_threshold": t.qualifying_threshold,
                    "earning_multiplier": _plain(t.earning_multiplier),
                }
                for t in self.tiers
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Draft:
        return cls(
            rules=tuple(
                RuleDraft(
                    rule_id=r["rule_id"],
                    values={k: _typed(k, v) for k, v in r["values"].items()},
                )
                for r in data.get("rules", ())
            ),
            removed_rule_ids=tuple(int(i) for i in data.get("removed_rule_ids", ())),
            tiers=tuple(
                TierDraft(
                    tier_id=int(t["tier_id"]),
                    qualifying_threshold=t["qualifying_threshold"],
                    earning_multiplier=_typed("multiplier", t["earning_multiplier"]),
                )
                for t in data.get("tiers", ())
            ),
        )


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _typed(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _DECIMALS:
        return Decimal(str(value))
    if name in _TIMES:
        return parse_time(value, name)
    return value


@dataclass(frozen=True)
class Engine:
    """What `evaluate` reads: rules, and tiers lowest rank first (live ones, or drafted)."""

    rules: tuple[EarningRule, ...]
    tiers: tuple[Tier, ...]
    tiers_by_id: dict[int, Tier] = field(default_factory=dict)

    @classmethod
    def of(cls, rules: list[EarningRule], tiers: list[Tier]) -> Engine:
        return cls(tuple(rules), tuple(tiers), {t.id: t for t in tiers})


def _at(error: DomainError, prefix: str) -> DomainError:
    """The same refusal, its field named inside the draft (`rules.2.multiplier`)."""
    error.field = f"{prefix}.{_CAMEL.get(error.field or '', error.field or '')}".rstrip(".")
    error.args = (f"{error.code}: {error.message}",)
    return error


def _invalid(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(SimulationErrorCode.INVALID_DRAFT, message, field)


async def engines(program_id: int, draft: Draft) -> tuple[Engine, Engine]:
    """The live engine (the rules and tiers `record_purchase` reads: not archived) and the same
    with `draft` applied. Refuses a draft that names a rule or tier the program does not have
    live, or whose rules or tiers fail their checks (the codes of earning rules and tiers, the
    field named inside the draft)."""
    if len(draft.rules) > MAX_RULES:
        raise _invalid(f"A draft has at most {MAX_RULES} rules.", "rules")
    if len(draft.tiers) > MAX_TIERS:
        raise _invalid(f"A draft changes at most {MAX_TIERS} tiers.", "tiers")
    live_rules = await EarningRule.filter(program_id=program_id, archived=False)
    live_tiers = await Tier.filter(program_id=program_id, archived=False).order_by("rank")
    by_id = {r.id: r for r in live_rules}
    drafted: dict[int, EarningRule] = dict(by_id)
    for index, removed in enumerate(draft.removed_rule_ids):
        if drafted.pop(removed, None) is None:
            raise NotFound(
                SimulationErrorCode.INVALID_DRAFT,
                "No such live earning rule.",
                f"removedRuleIds.{index}",
            )
    new_id = 0
    for index, rule_draft in enumerate(draft.rules):
        based_on = None
        if rule_draft.rule_id is not None:
            based_on = drafted.get(rule_draft.rule_id)
            if based_on is None:
                raise NotFound(
                    SimulationErrorCode.INVALID_DRAFT,
                    "No such live earning rule (or it is removed by this draft).",
                    f"rules.{index}.ruleId",
                )
        try:
            rule = await earning_rules.simulated_rule(program_id, dict(rule_draft.values), based_on)
        except DomainError as error:
            raise _at(error, f"rules.{index}") from None
        except (ValueError, TypeError, InvalidOperation):
            raise _invalid(
                "A rule field has a value of the wrong kind.", f"rules.{index}"
            ) from None
        if based_on is None:
            new_id -= 1
            rule.id = new_id
        drafted[rule.id] = rule

    tiers = {t.id: t for t in live_tiers}
    changed: dict[int, Tier] = {}
    for index, tier_draft in enumerate(draft.tiers):
        live = tiers.get(tier_draft.tier_id)
        if live is None:
            raise NotFound(
                SimulationErrorCode.INVALID_DRAFT, "No such live tier.", f"tiers.{index}.tierId"
            )
        changed[live.id] = _drafted_tier(live, tier_draft, f"tiers.{index}")
    drafted_tiers = [changed.get(t.id, t) for t in live_tiers]
    return (
        Engine.of(live_rules, live_tiers),
        Engine.of(list(drafted.values()), drafted_tiers),
    )


def _drafted_tier(live: Tier, change: TierDraft, prefix: str) -> Tier:
    threshold = live.qualifying_threshold
    multiplier = Decimal(live.earning_multiplier)
    if change.qualifying_threshold is not None:
        if not 0 <= change.qualifying_threshold <= 10**12:
            raise _invalid("A threshold is 0 or more.", f"{prefix}.qualifyingThreshold")
        threshold = change.qualifying_threshold
    if change.earning_multiplier is not None:
        m = change.earning_multiplier
        if not m.is_finite() or not Decimal(0) < m <= MAX_TIER_MULTIPLIER:
            raise _invalid(
                "A multiplier is above 0 and at most 100.", f"{prefix}.earningMultiplier"
            )
        multiplier = m
    return Tier(
        id=live.id,
        program_id=live.program_id,
        name=live.name,
        rank=live.rank,
        qualifying_threshold=threshold,
        earning_multiplier=multiplier,
        perks=live.perks,
        archived=False,
        created_at=live.created_at,
    )
