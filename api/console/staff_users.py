"""The program's staff users (ADMIN): who they are, their roles, adding and archiving them."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from api.console.forms import Form
from api.console.rendering import render
from api.console.session import PATH, ROLES, Visit, signed_in


async def _page(visit: Visit, form: Form, status: int = 200, error: str | None = None) -> Response:
    answer = await visit.run("ConsoleStaffUsers")
    if answer.errors:
        return render(visit, "error.html", 403, message=answer.message)
    roles = [(role, visit.texts(role)) for role in reversed(ROLES)]
    return render(
        visit,
        "staff.html",
        status,
        staff=answer.data["staffUsers"],
        form=form,
        roles=roles,
        error=error,
    )


@signed_in
async def staff_list(visit: Visit) -> Response:
    return await _page(visit, Form({"role": "ANALYST"}))


@signed_in
async def create_staff(visit: Visit) -> Response:
    form = Form(await visit.request.form())
    variables = {
        "email": form.text("email"),
        "password": form.text("password"),
        "role": form.text("role") if form.text("role") in ROLES else "ANALYST",
    }
    answer = await visit.run("ConsoleCreateStaff", {"input": variables})
    form.take(answer.payload("createStaff")["errors"], ("email", "password", "role"))
    if form.errors:
        return await _page(visit, form, 400)
    return RedirectResponse(f"{PATH}/staff?saved=1", status_code=303)


@signed_in
async def staff_action(visit: Visit) -> Response:
    staff_id = visit.request.path_params["id"]
    action = visit.request.path_params["action"]
    form = Form(await visit.request.form())
    if action == "role":
        role = form.text("role") if form.text("role") in ROLES else "ANALYST"
        answer = await visit.run(
            "ConsoleUpdateStaff", {"input": {"staffId": staff_id, "role": role}}
        )
        errors = answer.payload("updateStaff")["errors"]
    elif action == "archive":
        answer = await visit.run("ConsoleArchiveStaff", {"input": {"staffId": staff_id}})
        errors = answer.payload("archiveStaff")["errors"]
    else:
        return render(visit, "error.html", 404, message=visit.texts("No such action."))
    if errors:
        return await _page(visit, Form({"role": "ANALYST"}), 400, error=errors[0]["message"])
    return RedirectResponse(f"{PATH}/staff?saved=1", status_code=303)
