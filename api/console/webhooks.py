"""Webhooks (ADMIN): each endpoint with its last deliveries, a new one (its signing secret shown
once), archiving one, and sending a failed delivery again."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from api.console.forms import Form
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in

# The schema's EventType values (tests/test_console.py keeps them equal).
EVENT_TYPES = (
    "MEMBER_SIGNED_UP",
    "MEMBER_BLOCKED",
    "MEMBER_UNBLOCKED",
    "MEMBER_ANONYMISED",
    "PURCHASE_RECORDED",
    "PURCHASE_REFUNDED",
    "ACTION_RECORDED",
    "POINTS_EARNED",
    "POINTS_SPENT",
    "POINTS_EXPIRED",
    "POINTS_EXPIRING",
    "POINTS_ADJUSTED",
    "POINTS_REVERSED",
    "TIER_CHANGED",
    "MEMBERSHIP_ACTIVATED",
    "MEMBERSHIP_ENDED",
    "REWARD_REDEEMED",
    "REDEMPTION_USED",
    "REDEMPTION_CANCELLED",
    "REDEMPTION_EXPIRED",
    "BADGE_AWARDED",
    "CHALLENGE_JOINED",
    "CHALLENGE_PROGRESSED",
    "CHALLENGE_COMPLETED",
    "REFERRAL_QUALIFIED",
    "REFERRAL_CAPPED",
    "REFERRAL_REVERSED",
    "GAME_PLAYED",
    "PRIZE_WON",
    "CONTEST_ENTERED",
    "BID_PLACED",
    "OUTBID",
    "AUCTION_WON",
    "AUCTION_SETTLED",
)


async def _page(
    visit: Visit,
    form: Form,
    chosen: list[str],
    status: int = 200,
    secret: str | None = None,
    error: str | None = None,
) -> Response:
    answer = await visit.run("ConsoleWebhooks")
    if answer.errors:
        return render(visit, "error.html", 403, message=answer.message)
    return render(
        visit,
        "webhooks.html",
        status,
        webhooks=answer.data["webhooks"],
        form=form,
        event_types=EVENT_TYPES,
        chosen=chosen,
        secret=secret,
        error=error,
    )


@signed_in
async def webhook_list(visit: Visit) -> Response:
    return await _page(visit, Form({}), [])


@signed_in
async def create_webhook(visit: Visit) -> Response:
    data = await visit.request.form()
    form = Form(data)
    chosen = [str(value) for value in data.getlist("eventTypes") if value in EVENT_TYPES]
    variables = {"url": form.text("url"), "eventTypes": chosen}
    answer = await visit.run("ConsoleCreateWebhook", {"input": variables})
    payload = answer.payload("createWebhook")
    form.take(payload["errors"], ("url", "eventTypes"))
    if form.errors:
        return await _page(visit, form, chosen, 400)
    # The signing secret is in this answer only.
    response = await _page(visit, Form({}), [], secret=payload["secret"])
    response.headers["Cache-Control"] = "no-store"
    return response


@signed_in
async def webhook_action(visit: Visit) -> Response:
    target = visit.request.path_params["id"]
    action = visit.request.path_params["action"]
    if action == "archive":
        answer = await visit.run("ConsoleArchiveWebhook", {"input": {"webhookId": target}})
        errors = answer.payload("archiveWebhook")["errors"]
    elif action == "replay":
        answer = await visit.run("ConsoleReplayDelivery", {"input": {"deliveryId": target}})
        errors = answer.payload("replayWebhookDelivery")["errors"]
    else:
        return render(visit, "error.html", 404, message=visit.texts("No such action."))
    if errors:
        return await _page(visit, Form({}), [], 400, error=errors[0]["message"])
    return RedirectResponse(f"{PATH}/webhooks?done=1", status_code=303)
