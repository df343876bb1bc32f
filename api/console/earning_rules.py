"""Earning rules: the list (paged here: the API answers them all; archived ones on demand),
create, edit and archive. The form shows only the fields of the kind chosen (the stylesheet
hides the others, so it works without scripts) and sends only those.

A new rule's form prices a sample basket before saving: the Preview button sends the draft and
the basket to `previewEarningRule`, which validates the draft as `createEarningRule` would and
answers the basket's points under the saved rules, with and without it. Its errors come back
next to their fields like a save's."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import RedirectResponse, Response

from api.console.forms import Form, local_time
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in

PAGE_SIZE = 20
SAMPLE_LINES = 3
KINDS = ("BASE_RATE", "PRODUCT", "CAMPAIGN", "FIRST_PURCHASE", "MINIMUM_BASKET")
ROUNDINGS = ("FLOOR", "HALF_UP", "CEIL")
# The fields each kind uses, as CreateEarningRuleInput says; the others are neither shown nor sent.
KIND_FIELDS = {
    "BASE_RATE": ("pointsPerUnit", "rounding"),
    "PRODUCT": ("sku", "category", "multiplier", "fixedPoints"),
    "CAMPAIGN": ("category", "multiplier", "tierId"),
    "FIRST_PURCHASE": ("fixedPoints",),
    "MINIMUM_BASKET": ("minTotal",),
}
FIELDS = ("name", "kind", "priority", "startsAt", "endsAt", "pointsPerUnit", "rounding", "sku")
FIELDS += ("category", "multiplier", "fixedPoints", "minTotal", "tierId")
BASKET_FIELDS = ("lines", "total", "occurredAt", "memberTierId", "firstPurchase")
BASKET_FIELDS += tuple(
    f"lines.{index}.{name}"
    for index in range(SAMPLE_LINES)
    for name in ("sku", "category", "quantity", "unitPrice")
)
SAMPLE = {"lines.0.sku": "SAMPLE-1", "lines.0.quantity": "1", "lines.0.unitPrice": "10.00"}


def kinds_of(field: str) -> str:
    """The kinds that use `field`, for the form's `data-kinds` (empty: every kind)."""
    return " ".join(kind for kind, names in KIND_FIELDS.items() if field in names)


async def _rules(visit: Visit, archived: bool) -> tuple[list[dict[str, Any]], list[Any]] | str:
    answer = await visit.run("ConsoleEarningRules", {"includeArchived": archived})
    if answer.errors:
        return answer.message
    return answer.data["earningRules"], answer.data["tiers"]


@signed_in
async def rule_list(visit: Visit) -> Response:
    params = visit.request.query_params
    archived = params.get("archived") == "1"
    found = await _rules(visit, archived)
    if isinstance(found, str):
        return render(visit, "error.html", 400, message=found)
    rules, tiers = found
    try:
        page = max(int(params.get("page", "1")), 1)
    except ValueError:
        page = 1
    return render(
        visit,
        "earning_rules.html",
        rules=rules[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        tier_names={tier["id"]: tier["name"] for tier in tiers},
        archived=archived,
        page=page,
        has_next=len(rules) > page * PAGE_SIZE,
    )


def _variables(form: Form, visit: Visit, kind: str, creating: bool) -> dict[str, Any]:
    _ = visit.texts
    whole, decimal = _("A whole number."), _("A decimal number, such as 1.5.")
    readers = {
        "pointsPerUnit": lambda: form.decimal("pointsPerUnit", decimal),
        "rounding": lambda: form.text("rounding") if form.text("rounding") in ROUNDINGS else None,
        "sku": lambda: form.optional_text("sku"),
        "category": lambda: form.optional_text("category"),
        "multiplier": lambda: form.decimal("multiplier", decimal),
        "fixedPoints": lambda: form.integer("fixedPoints", whole),
        "minTotal": lambda: form.decimal("minTotal", decimal),
        "tierId": lambda: form.optional_text("tierId"),
    }
    variables: dict[str, Any] = {
        "name": form.text("name"),
        "priority": form.integer("priority", whole) or 0,
        "startsAt": form.time("startsAt"),
        "endsAt": form.time("endsAt"),
    }
    if creating:
        variables["kind"] = kind
    for name in KIND_FIELDS[kind]:
        value = readers[name]()
        if value is not None or not creating:
            variables[name] = value
    return variables


def _basket(form: Form, visit: Visit) -> tuple[dict[str, Any], list[int]]:
    """The sample basket's variables, and the form line each API line came from (empty lines
    are left out, so the API's `lines.0` may be the form's second line)."""
    _ = visit.texts
    lines, used = [], []
    for index in range(SAMPLE_LINES):
        sku = form.text(f"lines.{index}.sku")
        if not sku:
            continue
        used.append(index)
        lines.append(
            {
                "sku": sku,
                "category": form.optional_text(f"lines.{index}.category"),
                "quantity": form.integer(f"lines.{index}.quantity", _("A whole number.")) or 0,
                "unitPrice": form.decimal(f"lines.{index}.unitPrice", _("A decimal number."))
                or "0",
            }
        )
    basket: dict[str, Any] = {
        "lines": lines,
        "occurredAt": form.time("occurredAt"),
        "memberTierId": form.optional_text("memberTierId"),
        "firstPurchase": form.flag("firstPurchase"),
    }
    if not lines:
        form.errors["lines.0.sku"] = _("Give at least one line.")
    return basket, used


def _on_form_lines(errors: list[dict[str, Any]], used: list[int]) -> list[dict[str, Any]]:
    def moved(field: str | None) -> str | None:
        found = re.match(r"lines\.(\d+)(.*)", field or "")
        if not found or int(found[1]) >= len(used):
            return field
        rest = found[2] or ".sku"  # an error on a whole line is shown at its SKU
        return f"lines.{used[int(found[1])]}{rest}"

    return [{**error, "field": moved(error.get("field"))} for error in errors]


async def _tiers(visit: Visit) -> list[dict[str, Any]]:
    found = await _rules(visit, False)
    return found[1] if not isinstance(found, str) else []


async def _form_page(
    visit: Visit,
    form: Form,
    rule_id: str | None,
    status: int = 200,
    preview: dict[str, Any] | None = None,
) -> Response:
    tiers = await _tiers(visit)
    return render(
        visit,
        "earning_rule_form.html",
        status,
        form=form,
        rule_id=rule_id,
        preview=preview,
        kinds_of=kinds_of,
        kinds=[(kind, visit.texts(kind)) for kind in KINDS],
        roundings=[(rounding, visit.texts(rounding)) for rounding in ROUNDINGS],
        tiers=[("", visit.texts("Every member"))] + [(t["id"], t["name"]) for t in tiers],
        member_tiers=[("", visit.texts("No tier"))] + [(t["id"], t["name"]) for t in tiers],
        sample_lines=range(SAMPLE_LINES),
    )


@signed_in
async def new_rule(visit: Visit) -> Response:
    if visit.request.method == "GET":
        return await _form_page(visit, Form({"kind": "BASE_RATE", "priority": "0", **SAMPLE}), None)
    form = Form(await visit.request.form())
    kind = form.text("kind") if form.text("kind") in KINDS else "BASE_RATE"
    variables = _variables(form, visit, kind, creating=True)
    if form.text("action") == "preview":
        basket, used = _basket(form, visit)
        if form.errors:
            return await _form_page(visit, form, None, 400)
        answer = await visit.run("ConsolePreviewEarningRule", {"rule": variables, "basket": basket})
        payload = answer.payload("previewEarningRule")
        form.take(_on_form_lines(payload["errors"], used), FIELDS + BASKET_FIELDS)
        if form.errors:
            return await _form_page(visit, form, None, 400)
        return await _form_page(visit, form, None, preview=payload)
    if not form.errors:
        answer = await visit.run("ConsoleCreateEarningRule", {"input": variables})
        form.take(answer.payload("createEarningRule")["errors"], FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/earning-rules?saved=1", status_code=303)
    return await _form_page(visit, form, None, 400)


@signed_in
async def edit_rule(visit: Visit) -> Response:
    rule_id = visit.request.path_params["id"]
    found = await _rules(visit, True)
    rules = [] if isinstance(found, str) else [rule for rule in found[0] if rule["id"] == rule_id]
    if not rules:
        return render(visit, "error.html", 404, message=visit.texts("No such earning rule."))
    rule = rules[0]
    if visit.request.method == "GET":
        values = {key: "" if rule.get(key) is None else str(rule[key]) for key in FIELDS}
        values["startsAt"] = local_time(rule["startsAt"])
        values["endsAt"] = local_time(rule["endsAt"])
        return await _form_page(visit, Form(values), rule_id)
    form = Form({**dict(await visit.request.form()), "kind": rule["kind"]})
    variables = _variables(form, visit, rule["kind"], creating=False)
    if not form.errors:
        answer = await visit.run(
            "ConsoleUpdateEarningRule", {"input": {"ruleId": rule_id, **variables}}
        )
        form.take(answer.payload("updateEarningRule")["errors"], FIELDS)
        if not form.errors:
            return RedirectResponse(f"{PATH}/earning-rules?saved=1", status_code=303)
    return await _form_page(visit, form, rule_id, 400)


@signed_in
async def archive_rule(visit: Visit) -> Response:
    rule_id = visit.request.path_params["id"]
    answer = await visit.run("ConsoleArchiveEarningRule", {"input": {"ruleId": rule_id}})
    errors = answer.payload("archiveEarningRule")["errors"]
    if errors:
        return render(visit, "error.html", 400, message=errors[0]["message"])
    return RedirectResponse(f"{PATH}/earning-rules?saved=1", status_code=303)
