"""The program's settings (ADMIN): points validity, point value, tier basis, referral rules."""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from api.console.forms import Form
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in

FIELDS = (
    "pointsValidityDays",
    "pointValue",
    "tierBasis",
    "referralPoints",
    "refereeBonus",
    "referralMonthlyCap",
)
INTEGERS = ("pointsValidityDays", "referralPoints", "refereeBonus", "referralMonthlyCap")
TIER_BASES = ("POINTS", "SPEND")


@signed_in
async def program_settings(visit: Visit) -> Response:
    if visit.request.method == "POST":
        form = Form(await visit.request.form())
        whole = visit.texts("A whole number.")
        # An empty field sets the setting back to its default (the API's null).
        variables: dict[str, Any] = {name: form.integer(name, whole) for name in INTEGERS}
        variables["pointValue"] = form.optional_text("pointValue")
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
    values = {name: "" if current[name] is None else str(current[name]) for name in FIELDS}
    return render(visit, "settings.html", form=Form(values), bases=_bases(visit))


def _bases(visit: Visit) -> list[tuple[str, str]]:
    return [(basis, visit.texts(basis)) for basis in TIER_BASES]
