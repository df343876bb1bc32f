"""Sign-up, log-in, sessions and their refusals, through the real GraphQL endpoint."""

from __future__ import annotations

import asyncio

import httpx

from tests.builders import PASSWORD, SIGN_UP, STAFF_LOG_IN, new_program, sign_up, staff_client
from tests.graphql import GraphQLClient, codes

LOG_IN = """
mutation LogIn($input: LogInInput!) {
  logIn(input: $input) {
    accessToken refreshToken member { id email } errors { code field }
  }
}
"""

REFRESH = """
mutation Refresh($input: RefreshSessionInput!) {
  refreshSession(input: $input) {
    accessToken refreshToken member { id } staff { id role } errors { code }
  }
}
"""

ME = "query { me { id email displayName referralCode } }"


async def test_sign_up_returns_tokens_that_open_me(gql: GraphQLClient) -> None:
    # given a program
    program = await new_program()
    # when a member signs up
    member = await sign_up(gql, program, email="Ada@Example.com", display_name="  Ada   L ")
    # then the access token shows their profile, email normalised and name tidied
    me = (await member.client.query(ME))["me"]
    assert me == {
        "id": str(member.id),
        "email": "ada@example.com",
        "displayName": "Ada L",
        "referralCode": member.referral_code,
    }
    assert len(member.referral_code) == 8


async def test_log_in_with_the_right_password_opens_a_session(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    payload = await gql.mutate(
        LOG_IN, {"program": program.slug, "email": member.email.upper(), "password": PASSWORD}
    )
    assert payload["errors"] == []
    assert payload["member"]["id"] == str(member.id)
    assert (await gql.as_token(payload["accessToken"]).query(ME))["me"]["id"] == str(member.id)


async def test_wrong_password_and_unknown_email_answer_alike(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    wrong_password = await gql.mutate(
        LOG_IN, {"program": program.slug, "email": member.email, "password": "not the password"}
    )
    unknown_email = await gql.mutate(
        LOG_IN, {"program": program.slug, "email": "nobody@example.com", "password": PASSWORD}
    )
    assert (
        wrong_password
        == unknown_email
        == {
            "accessToken": None,
            "refreshToken": None,
            "member": None,
            "errors": [{"code": "INVALID_CREDENTIALS", "field": None}],
        }
    )


async def test_a_member_of_one_program_cannot_log_in_to_another(gql: GraphQLClient) -> None:
    program, other = await new_program(), await new_program()
    member = await sign_up(gql, program)
    payload = await gql.mutate(
        LOG_IN, {"program": other.slug, "email": member.email, "password": PASSWORD}
    )
    assert codes(payload) == ["INVALID_CREDENTIALS"]


async def test_the_same_email_can_join_two_programs(gql: GraphQLClient) -> None:
    first, second = await new_program(), await new_program()
    a = await sign_up(gql, first, email="twice@example.com")
    b = await sign_up(gql, second, email="twice@example.com")
    assert a.id != b.id


async def test_refresh_rotates_the_refresh_token(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    payload = await gql.mutate(REFRESH, {"refreshToken": member.refresh_token})
    assert payload["errors"] == []
    assert payload["member"] == {"id": str(member.id)}
    assert payload["refreshToken"] != member.refresh_token
    assert (await gql.as_token(payload["accessToken"]).query(ME))["me"]["id"] == str(member.id)
    # and the next link works in turn
    again = await gql.mutate(REFRESH, {"refreshToken": payload["refreshToken"]})
    assert again["errors"] == []


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    rotated = await gql.mutate(REFRESH, {"refreshToken": member.refresh_token})
    # when the first (already used) token comes back, as a thief would present it
    reuse = await gql.mutate(REFRESH, {"refreshToken": member.refresh_token})
    assert codes(reuse) == ["INVALID_REFRESH_TOKEN"]
    # then the legitimate newer link is dead too
    after = await gql.mutate(REFRESH, {"refreshToken": rotated["refreshToken"]})
    assert codes(after) == ["INVALID_REFRESH_TOKEN"]


async def test_concurrent_uses_of_one_refresh_token_end_the_family(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    results = await asyncio.gather(
        *(gql.mutate(REFRESH, {"refreshToken": member.refresh_token}) for _ in range(10))
    )
    # one use can claim the link; the others are reuses, which revoke the family
    winners = [r for r in results if not r["errors"]]
    assert len(winners) <= 1
    assert all(codes(r) == ["INVALID_REFRESH_TOKEN"] for r in results if r["errors"])
    for winner in winners:
        after = await gql.mutate(REFRESH, {"refreshToken": winner["refreshToken"]})
        assert codes(after) == ["INVALID_REFRESH_TOKEN"]


async def test_an_unknown_refresh_token_is_refused(gql: GraphQLClient) -> None:
    payload = await gql.mutate(REFRESH, {"refreshToken": "made-up"})
    assert codes(payload) == ["INVALID_REFRESH_TOKEN"]
    assert payload["accessToken"] is None


async def test_staff_sessions_refresh_as_staff(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "MANAGER")
    me = (await admin.query("query { staffMe { id role } }"))["staffMe"]
    assert me["role"] == "MANAGER"


async def test_me_without_a_token_is_unauthenticated(gql: GraphQLClient) -> None:
    assert await gql.error_code(ME) == "UNAUTHENTICATED"


async def test_me_with_a_forged_token_is_unauthenticated(gql: GraphQLClient) -> None:
    forged = gql.as_token("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZW1iZXI6MSJ9.bad-signature")
    assert await forged.error_code(ME) == "UNAUTHENTICATED"


async def test_a_malformed_authorization_header_is_unauthenticated(gql: GraphQLClient) -> None:
    response = await gql.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": "Basic abc"}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_staff_token_cannot_read_me(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program)
    assert await admin.error_code(ME) == "FORBIDDEN"


SIGN_UP_REFUSALS = [
    ({"program": "no-such-program"}, "PROGRAM_NOT_FOUND", "program"),
    ({"email": "not-an-email"}, "INVALID_EMAIL", "email"),
    ({"email": "a@b"}, "INVALID_EMAIL", "email"),
    ({"password": "short"}, "PASSWORD_TOO_SHORT", "password"),
    ({"password": "x" * 129}, "PASSWORD_TOO_LONG", "password"),
    ({"displayName": "   "}, "INVALID_DISPLAY_NAME", "displayName"),
    ({"displayName": "x" * 61}, "INVALID_DISPLAY_NAME", "displayName"),
    ({"displayName": "bell\x07"}, "INVALID_DISPLAY_NAME", "displayName"),
    ({"referralCode": "NOPE1234"}, "INVALID_REFERRAL_CODE", "referralCode"),
]


async def test_every_bad_sign_up_input_has_its_code(gql: GraphQLClient) -> None:
    program = await new_program()
    for change, code, field in SIGN_UP_REFUSALS:
        input = {
            "program": program.slug,
            "email": "valid@example.com",
            "password": PASSWORD,
            "displayName": "Valid",
            **change,
        }
        payload = await gql.mutate(SIGN_UP, input)
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)], change
        assert payload["member"] is None and payload["accessToken"] is None


async def test_a_program_slug_longer_than_any_is_an_unknown_program(gql: GraphQLClient) -> None:
    # given slugs no program can have: too long for the column, and merely unknown
    credentials = {"email": "valid@example.com", "password": PASSWORD}
    for document, extra in ((SIGN_UP, {"displayName": "Valid"}), (LOG_IN, {}), (STAFF_LOG_IN, {})):
        answers = []
        for slug in ("é" * 300, "a" * 65, "no-such-program"):
            # when a member signs up, a member logs in and staff log in with each
            payload = await gql.mutate(document, {"program": slug, **credentials, **extra})
            answers.append([(e["code"], e["field"]) for e in payload["errors"]])
        # then the long ones answer as the unknown one does
        assert answers[0] == answers[1] == answers[2] != [], (document, answers)


async def test_several_bad_fields_are_reported_together(gql: GraphQLClient) -> None:
    program = await new_program()
    payload = await gql.mutate(
        SIGN_UP,
        {"program": program.slug, "email": "bad", "password": "short", "displayName": ""},
    )
    assert sorted(codes(payload)) == [
        "INVALID_DISPLAY_NAME",
        "INVALID_EMAIL",
        "PASSWORD_TOO_SHORT",
    ]


async def test_a_duplicate_email_is_refused_and_changes_nothing(gql: GraphQLClient) -> None:
    program = await new_program()
    first = await sign_up(gql, program, email="dup@example.com")
    payload = await gql.mutate(
        SIGN_UP,
        {
            "program": program.slug,
            "email": "DUP@example.com",
            "password": "another password",
            "displayName": "Imposter",
        },
    )
    assert codes(payload) == ["EMAIL_TAKEN"]
    # the original account still logs in with its own password
    login = await gql.mutate(
        LOG_IN, {"program": program.slug, "email": first.email, "password": PASSWORD}
    )
    assert login["errors"] == []


async def test_concurrent_sign_ups_with_one_email_create_one_member(gql: GraphQLClient) -> None:
    program = await new_program()
    input = {
        "program": program.slug,
        "email": "race@example.com",
        "password": PASSWORD,
        "displayName": "Racer",
    }
    results = await asyncio.gather(*(gql.mutate(SIGN_UP, input) for _ in range(10)))
    assert sum(1 for r in results if not r["errors"]) == 1
    assert all(codes(r) == ["EMAIL_TAKEN"] for r in results if r["errors"])


async def test_a_referral_code_links_the_new_member(gql: GraphQLClient) -> None:
    program = await new_program()
    referrer = await sign_up(gql, program)
    referee = await sign_up(gql, program, referral_code=referrer.referral_code.lower())
    from gamification.accounts.models import Member

    assert (await Member.get(id=referee.id)).referred_by_id == referrer.id


async def test_another_programs_referral_code_is_unknown(gql: GraphQLClient) -> None:
    program, other = await new_program(), await new_program()
    outsider = await sign_up(gql, other)
    payload = await gql.mutate(
        SIGN_UP,
        {
            "program": program.slug,
            "email": "new@example.com",
            "password": PASSWORD,
            "displayName": "New",
            "referralCode": outsider.referral_code,
        },
    )
    assert codes(payload) == ["INVALID_REFERRAL_CODE"]


async def test_queries_work_over_get(http: httpx.AsyncClient, gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    response = await http.get(
        "/graphql",
        params={"query": "{ me { id } }"},
        headers={"Authorization": f"Bearer {member.access_token}"},
    )
    assert response.json()["data"]["me"]["id"] == str(member.id)
