"""Signing in and out, the signed-in user's password, and the console's language."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.console.gateway import Tokens
from api.console.rendering import render
from api.console.session import (
    LANGUAGE_COOKIE,
    PATH,
    PROGRAM_COOKIE,
    NotFromConsole,
    Visit,
    check_origin,
    forget_session,
    keep_choice,
    keep_session,
    signed_in,
    visit_of,
)
from api.console.translations import LANGUAGES


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a console page only (never another site)."""
    if target and target.startswith(PATH + "/") and not target.startswith("//"):
        return target
    return PATH + "/"


async def sign_in(request: Request) -> Response:
    visit = visit_of(request)
    values = {
        "program": request.cookies.get(PROGRAM_COOKIE, ""),
        "email": "",
        "next": request.query_params.get("next", ""),
    }
    errors: dict[str | None, str] = {}
    if request.method == "POST":
        try:
            check_origin(request)
        except NotFromConsole:
            return Response("This form did not come from the console.", status_code=403)
        form = await request.form()
        values = {key: str(form.get(key, "")).strip() for key in ("program", "email", "next")}
        answer = await visit.run(
            "ConsoleStaffLogIn",
            {
                "program": values["program"],
                "email": values["email"],
                "password": str(form.get("password", "")),
            },
        )
        payload = answer.payload("staffLogIn")
        if not payload["errors"]:
            response = RedirectResponse(_safe_next(values["next"]), status_code=303)
            tokens = Tokens(access=payload["accessToken"], refresh=payload["refreshToken"])
            keep_session(request, response, tokens)
            keep_choice(request, response, PROGRAM_COOKIE, values["program"])
            return response
        for error in payload["errors"]:
            errors[error["field"] if error["field"] in ("program", "email") else None] = error[
                "message"
            ]
    status = 400 if errors else 200
    return render(visit, "sign_in.html", status, values=values, errors=errors)


@signed_in
async def sign_out(visit: Visit) -> Response:
    refresh = visit.gateway.tokens.refresh
    if refresh:
        await visit.run("ConsoleLogOut", {"token": refresh})
    response = RedirectResponse(PATH + "/sign-in", status_code=303)
    forget_session(visit.request, response)
    visit.gateway.tokens.renewed = False
    return response


@signed_in
async def password(visit: Visit) -> Response:
    errors: dict[str | None, str] = {}
    done = False
    if visit.request.method == "POST":
        form = await visit.request.form()
        if form.get("newPassword") != form.get("confirmPassword"):
            errors["confirmPassword"] = visit.texts("The two new passwords differ.")
        else:
            answer = await visit.run(
                "ConsoleChangePassword",
                {
                    "currentPassword": str(form.get("currentPassword", "")),
                    "newPassword": str(form.get("newPassword", "")),
                },
            )
            payload = answer.payload("changeStaffPassword")
            errors = {error["field"]: error["message"] for error in payload["errors"]}
            if not errors:
                # Every session ended with the change, this one too: keep the new one it gave.
                tokens = visit.gateway.tokens
                tokens.access, tokens.refresh = payload["accessToken"], payload["refreshToken"]
                tokens.renewed, tokens.ended = True, False
                done = True
    status = 400 if errors else 200
    return render(visit, "password.html", status, errors=errors, done=done)


async def language(request: Request) -> Response:
    try:
        check_origin(request)
    except NotFromConsole:
        return Response("This form did not come from the console.", status_code=403)
    form = await request.form()
    chosen = str(form.get("language", ""))
    response = RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)
    if chosen in LANGUAGES:
        keep_choice(request, response, LANGUAGE_COOKIE, chosen)
    return response
