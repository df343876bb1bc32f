"""A staff user changes their own password (changeStaffPassword) and signs out (logOut): the
console's account page and sign-out button are these two mutations."""

from __future__ import annotations

from gamification.audit import SYSTEM
from tests.builders import PASSWORD, STAFF_LOG_IN, new_program, unique
from tests.graphql import GraphQLClient

CHANGE = """
mutation($input: ChangeStaffPasswordInput!) {
  changeStaffPassword(input: $input) {
    accessToken refreshToken staff { email } errors { code field }
  }
}
"""
LOG_OUT = "mutation($input: LogOutInput!) { logOut(input: $input) { ended errors { code } } }"
REFRESH = """
mutation($input: RefreshSessionInput!) {
  refreshSession(input: $input) { accessToken refreshToken errors { code } }
}
"""
STAFF_ME = "query { staffMe { email } }"
NEW_PASSWORD = "a much longer new passphrase"


async def _session(gql: GraphQLClient, slug: str, email: str, password: str) -> dict[str, str]:
    payload = await gql.mutate(
        STAFF_LOG_IN, {"program": slug, "email": email, "password": password}
    )
    assert payload["errors"] == [], payload["errors"]
    return payload


async def _staff(gql: GraphQLClient, role: str = "ANALYST") -> tuple[str, str]:
    from gamification.accounts.staff import create_staff

    program = await new_program()
    email = f"{unique('staff')}@brand.example"
    await create_staff(SYSTEM, program.slug, email, PASSWORD, role)
    return program.slug, email


async def test_an_analyst_changes_their_password_and_logs_in_with_the_new_one_only(
    gql: GraphQLClient,
) -> None:
    slug, email = await _staff(gql)
    session = await _session(gql, slug, email, PASSWORD)
    payload = await gql.as_token(session["accessToken"]).mutate(
        CHANGE, {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    )
    assert payload["errors"] == []
    assert payload["staff"] == {"email": email}
    refused = await gql.mutate(
        STAFF_LOG_IN, {"program": slug, "email": email, "password": PASSWORD}
    )
    assert [error["code"] for error in refused["errors"]] == ["INVALID_CREDENTIALS"]
    await _session(gql, slug, email, NEW_PASSWORD)


async def test_a_password_change_ends_every_old_session_and_answers_a_working_new_one(
    gql: GraphQLClient,
) -> None:
    slug, email = await _staff(gql, "MANAGER")
    here = await _session(gql, slug, email, PASSWORD)
    elsewhere = await _session(gql, slug, email, PASSWORD)
    payload = await gql.as_token(here["accessToken"]).mutate(
        CHANGE, {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    )
    assert payload["errors"] == []
    for old in (here, elsewhere):
        code = await gql.as_token(old["accessToken"]).error_code(STAFF_ME)
        assert code == "UNAUTHENTICATED"
        refreshed = await gql.mutate(REFRESH, {"refreshToken": old["refreshToken"]})
        assert [error["code"] for error in refreshed["errors"]] == ["INVALID_REFRESH_TOKEN"]
    new = gql.as_token(payload["accessToken"])
    assert (await new.query(STAFF_ME))["staffMe"]["email"] == email
    refreshed = await gql.mutate(REFRESH, {"refreshToken": payload["refreshToken"]})
    assert refreshed["errors"] == []


async def test_a_wrong_current_password_or_a_short_new_one_is_refused_naming_its_field(
    gql: GraphQLClient,
) -> None:
    slug, email = await _staff(gql)
    staff = gql.as_token((await _session(gql, slug, email, PASSWORD))["accessToken"])
    wrong = await staff.mutate(
        CHANGE, {"currentPassword": "not it at all", "newPassword": NEW_PASSWORD}
    )
    assert wrong["errors"] == [{"code": "INVALID_CREDENTIALS", "field": "currentPassword"}]
    assert wrong["accessToken"] is None
    short = await staff.mutate(CHANGE, {"currentPassword": PASSWORD, "newPassword": "short"})
    assert short["errors"] == [{"code": "PASSWORD_TOO_SHORT", "field": "newPassword"}]
    # Nothing changed: the old password still works, and so does this session.
    await _session(gql, slug, email, PASSWORD)
    assert (await staff.query(STAFF_ME))["staffMe"]["email"] == email


async def test_logging_out_ends_that_session_only(gql: GraphQLClient) -> None:
    slug, email = await _staff(gql)
    leaving = await _session(gql, slug, email, PASSWORD)
    staying = await _session(gql, slug, email, PASSWORD)
    assert (await gql.mutate(LOG_OUT, {"refreshToken": leaving["refreshToken"]}))["ended"] is True
    refreshed = await gql.mutate(REFRESH, {"refreshToken": leaving["refreshToken"]})
    assert [error["code"] for error in refreshed["errors"]] == ["INVALID_REFRESH_TOKEN"]
    assert (await gql.mutate(REFRESH, {"refreshToken": staying["refreshToken"]}))["errors"] == []
    # Again, or with a token that never was, is harmless.
    assert (await gql.mutate(LOG_OUT, {"refreshToken": leaving["refreshToken"]}))["ended"] is False
    assert (await gql.mutate(LOG_OUT, {"refreshToken": "no such token"}))["ended"] is False
