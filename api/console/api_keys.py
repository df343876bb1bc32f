"""The program's API keys (ADMIN): the list, a new key (its secret shown once, on the page that
created it, never again) and revoking one."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from api.console.forms import Form
from api.console.rendering import render
from api.console.session import PATH, Visit, signed_in


async def _page(visit: Visit, form: Form, status: int = 200, secret: str | None = None) -> Response:
    answer = await visit.run("ConsoleApiKeys")
    if answer.errors:
        return render(visit, "error.html", 403, message=answer.message)
    return render(
        visit, "api_keys.html", status, keys=answer.data["apiKeys"], form=form, secret=secret
    )


@signed_in
async def key_list(visit: Visit) -> Response:
    return await _page(visit, Form({}))


@signed_in
async def create_key(visit: Visit) -> Response:
    form = Form(await visit.request.form())
    answer = await visit.run("ConsoleCreateApiKey", {"input": {"name": form.text("name")}})
    payload = answer.payload("createApiKey")
    form.take(payload["errors"], ("name",))
    if form.errors:
        return await _page(visit, form, 400)
    # Shown in this answer only: a reload or a later visit cannot show it again.
    response = await _page(visit, Form({}), secret=payload["key"])
    response.headers["Cache-Control"] = "no-store"
    return response


@signed_in
async def revoke_key(visit: Visit) -> Response:
    key_id = visit.request.path_params["id"]
    answer = await visit.run("ConsoleRevokeApiKey", {"input": {"apiKeyId": key_id}})
    errors = answer.payload("revokeApiKey")["errors"]
    if errors:
        return render(visit, "error.html", 400, message=errors[0]["message"])
    return RedirectResponse(f"{PATH}/api-keys", status_code=303)
