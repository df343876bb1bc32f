"""Staff management through the API (ADMIN): createStaff, updateStaff, archiveStaff and
staffUsers, with the codes of every other mutation; a new role or an archive applies to tokens
already issued; the program always keeps an admin, whatever the concurrency."""

from __future__ import annotations

import asyncio

from tests.builders import PASSWORD, STAFF_LOG_IN, new_program, unique
from tests.graphql import GraphQLClient

CREATE = """
mutation($input: CreateStaffInput!) {
  createStaff(input: $input) { staff { id email role archivedAt } errors { code field } }
}
"""
UPDATE = """
mutation($input: UpdateStaffInput!) {
  updateStaff(input: $input) { staff { id role } errors { code field } }
}
"""
ARCHIVE = """
mutation($input: ArchiveStaffInput!) {
  archiveStaff(input: $input) { staff { id archivedAt } errors { code field } }
}
"""
STAFF_USERS = "query { staffUsers { email role archivedAt } }"
CREATE_TIER = """
mutation($input: CreateTierInput!) { createTier(input: $input) { errors { code } } }
"""
REFRESH = """
mutation($input: RefreshSessionInput!) { refreshSession(input: $input) { errors { code } } }
"""


class Staff:
    def __init__(self, id: str, email: str, client: GraphQLClient, refresh: str) -> None:
        self.id, self.email, self.client, self.refresh = id, email, client, refresh


async def _log_in(gql: GraphQLClient, slug: str, email: str) -> Staff:
    payload = await gql.mutate(
        STAFF_LOG_IN, {"program": slug, "email": email, "password": PASSWORD}
    )
    assert payload["errors"] == [], payload["errors"]
    return Staff(
        payload["staff"]["id"], email, gql.as_token(payload["accessToken"]), payload["refreshToken"]
    )


async def _first_admin(gql: GraphQLClient) -> tuple[str, Staff]:
    """A program and its admin, made as the command line does (`create-staff`)."""
    from gamification.accounts.staff import create_staff
    from gamification.audit import Actor

    program = await new_program()
    email = f"{unique('admin')}@brand.example"
    await create_staff(Actor.system("command line"), program.slug, email, PASSWORD, "ADMIN")
    return program.slug, await _log_in(gql, program.slug, email)


async def _add(gql: GraphQLClient, admin: Staff, slug: str, role: str) -> Staff:
    email = f"{unique(role.lower())}@brand.example"
    payload = await admin.client.mutate(
        CREATE, {"email": email, "password": PASSWORD, "role": role}
    )
    assert payload["errors"] == [], payload["errors"]
    return await _log_in(gql, slug, email)


async def test_an_admin_adds_staff_who_can_log_in_and_a_manager_cannot(gql: GraphQLClient) -> None:
    slug, admin = await _first_admin(gql)
    manager = await _add(gql, admin, slug, "MANAGER")
    # the new manager works with their role
    assert (await manager.client.mutate(CREATE_TIER, {"name": "Bronze", "rank": 0}))["errors"] == []
    # and cannot manage staff
    attempt = {"input": {"email": "x@brand.example", "password": PASSWORD, "role": "ADMIN"}}
    assert await manager.client.error_code(CREATE, attempt) == "FORBIDDEN"
    assert await manager.client.error_code(STAFF_USERS) == "FORBIDDEN"
    users = (await admin.client.query(STAFF_USERS))["staffUsers"]
    assert [(u["email"], u["role"]) for u in users] == [
        (admin.email, "ADMIN"),
        (manager.email, "MANAGER"),
    ]


async def test_bad_staff_input_gets_codes(gql: GraphQLClient) -> None:
    _, admin = await _first_admin(gql)

    async def refusal(email: str, password: str) -> list[tuple[str, str | None]]:
        payload = await admin.client.mutate(
            CREATE, {"email": email, "password": password, "role": "ANALYST"}
        )
        assert payload["staff"] is None
        return [(e["code"], e["field"]) for e in payload["errors"]]

    assert (await refusal("not an email", PASSWORD))[0][0] == "INVALID_EMAIL"
    assert (await refusal("short@brand.example", "short"))[0][0] == "PASSWORD_TOO_SHORT"
    assert await refusal(admin.email, PASSWORD) == [("EMAIL_TAKEN", "email")]
    unknown = await admin.client.mutate(UPDATE, {"staffId": "999999999", "role": "ANALYST"})
    assert [(e["code"], e["field"]) for e in unknown["errors"]] == [("STAFF_NOT_FOUND", "staffId")]


async def test_a_new_role_applies_to_the_tokens_already_issued(gql: GraphQLClient) -> None:
    slug, admin = await _first_admin(gql)
    manager = await _add(gql, admin, slug, "MANAGER")
    # when the admin makes the manager an analyst
    payload = await admin.client.mutate(UPDATE, {"staffId": manager.id, "role": "ANALYST"})
    assert payload["errors"] == [] and payload["staff"]["role"] == "ANALYST"
    # then the manager's current token can no longer configure the program
    assert await manager.client.error_code(CREATE_TIER, {"input": {"name": "Gold", "rank": 2}}) == (
        "FORBIDDEN"
    )


async def test_an_archived_user_is_locked_out_at_once(gql: GraphQLClient) -> None:
    slug, admin = await _first_admin(gql)
    analyst = await _add(gql, admin, slug, "ANALYST")
    payload = await admin.client.mutate(ARCHIVE, {"staffId": analyst.id})
    assert payload["errors"] == [] and payload["staff"]["archivedAt"] is not None
    # their access token, their refresh token and their password all stop working
    assert await analyst.client.error_code("query { staffMe { id } }") == "UNAUTHENTICATED"
    refreshed = await gql.mutate(REFRESH, {"refreshToken": analyst.refresh})
    assert [e["code"] for e in refreshed["errors"]] == ["INVALID_REFRESH_TOKEN"]
    log_in = await gql.mutate(
        STAFF_LOG_IN, {"program": slug, "email": analyst.email, "password": PASSWORD}
    )
    assert [e["code"] for e in log_in["errors"]] == ["INVALID_CREDENTIALS"]
    # archiving twice says so
    again = await admin.client.mutate(ARCHIVE, {"staffId": analyst.id})
    assert [e["code"] for e in again["errors"]] == ["ALREADY_ARCHIVED"]
    # and their export access ends too
    response = await gql.http.get(
        "/exports/members.csv", headers={"Authorization": analyst.client.headers()["Authorization"]}
    )
    assert response.status_code == 401


async def test_the_last_admin_can_neither_step_down_nor_leave(gql: GraphQLClient) -> None:
    _, admin = await _first_admin(gql)
    demoted = await admin.client.mutate(UPDATE, {"staffId": admin.id, "role": "MANAGER"})
    assert [(e["code"], e["field"]) for e in demoted["errors"]] == [("LAST_ADMIN", "staffId")]
    archived = await admin.client.mutate(ARCHIVE, {"staffId": admin.id})
    assert [e["code"] for e in archived["errors"]] == ["LAST_ADMIN"]
    # and they are still the admin
    assert (await admin.client.query(STAFF_USERS))["staffUsers"][0]["role"] == "ADMIN"


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(gql: GraphQLClient) -> None:
    slug, first = await _first_admin(gql)
    second = await _add(gql, first, slug, "ADMIN")
    results = await asyncio.gather(
        first.client.mutate(UPDATE, {"staffId": second.id, "role": "ANALYST"}),
        second.client.mutate(UPDATE, {"staffId": first.id, "role": "ANALYST"}),
        first.client.mutate(ARCHIVE, {"staffId": second.id}),
        second.client.mutate(ARCHIVE, {"staffId": first.id}),
        return_exceptions=True,
    )
    # each request answers (a refusal, or a top-level FORBIDDEN once its caller lost the role)
    assert not any(isinstance(r, BaseException) and not _forbidden(r) for r in results)
    users = (await _whoever_is_admin(first, second)).get("staffUsers")
    admins = [u for u in users if u["role"] == "ADMIN" and u["archivedAt"] is None]
    assert len(admins) == 1


def _forbidden(error: BaseException) -> bool:
    return "FORBIDDEN" in str(error) or "UNAUTHENTICATED" in str(error)


async def _whoever_is_admin(*staff: Staff) -> dict[str, list[dict[str, str]]]:
    for one in staff:
        body = await one.client.raw(STAFF_USERS)
        if not body.get("errors"):
            return body["data"]
    raise AssertionError("no admin left")
