"""The program's settings (ADMIN): points validity and expiry reminders, point value, how tiers are
reached and reviewed, and the referral rules: every field of updateProgramSettings."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from api.console.forms import Form
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in

FIELDS = (
    "pointsValidityDays",
    "expiryReminderDays",
    "pointValue",
    "tierBasis",
    "tierWindowDays",
    "tierReviewDays",
    "tierGrace",
    "referralPoints",
    "refereeBonus",
    "referralMinPurchase",
    "referralWindowDays",
    "referralMonthlyCap",
    "referralApplyDays",
    "referralRefundWindowDays",
)
INTEGERS = (
    "pointsValidityDays",
    "tierWindowDays",
    "tierReviewDays",
    "referralPoints",
    "refereeBonus",
    "referralWindowDays",
    "referralMonthlyCap",
    "referralApplyDays",
    "referralRefundWindowDays",
)
DECIMALS = ("pointValue", "referralMinPurchase")
TIER_BASES = ("POINTS", "SPEND")
NO_REMINDERS = "-"


def _reminder_days(form: Form, message: str) -> list[int] | None:
    """ "30, 7" as [30, 7]; empty for the default (null), a dash for no reminders ([])."""
    raw = form.text("expiryReminderDays")
    if raw == "":
        return None
    if raw == NO_REMINDERS:
        return []
    try:
        return [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
    except ValueError:
        form.errors["expiryReminderDays"] = message
        return None


def _shown(name: str, value: Any) -> str:
    if name == "expiryReminderDays":
        return ", ".join(str(day) for day in value) if value else NO_REMINDERS
    if name == "tierGrace":
        return "on" if value else ""
    return "" if value is None else str(value)


@signed_in
async def program_settings(visit: Visit) -> Response:
    if visit.request.method == "POST":
        form = Form(await visit.request.form())
        whole = visit.texts("A whole number.")
        # An empty field sets the setting back to its default (the API's null).
        variables: dict[str, Any] = {name: form.integer(name, whole) for name in INTEGERS}
        for name in DECIMALS:
            variables[name] = form.optional_text(name)
        variables["expiryReminderDays"] = _reminder_days(
            form, visit.texts("Whole numbers of days separated by commas.")
        )
        variables["tierGrace"] = form.flag("tierGrace")
        basis = form.text("tierBasis")
        if basis in TIER_BASES:
            variables["tierBasis"] = basis
        if not form.errors:
            answer = await visit.run("ConsoleUpdateSettings", {"input": variables})
            form.take(answer.payload("updateProgramSettings")["errors"], FIELDS)
            if not form.errors:
                return RedirectResponse(f"{PATH}/settings?saved=1", status_code=303)
        return render(visit, "settings.html", 400, form=form, bases=_bases(visit))
    answer = await visit.run("ConsoleSettings")
    if answer.errors:
        return render(visit, "error.html", 403, message=answer.message)
    current = answer.data["programSettings"]
    values = {name: _shown(name, current[name]) for name in FIELDS}
    return render(visit, "settings.html", form=Form(values), bases=_bases(visit))


def _bases(visit: Visit) -> list[tuple[str, str]]:
    return [(basis, visit.texts(basis)) for basis in TIER_BASES]
