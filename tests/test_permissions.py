"""Who may do what: every role and credential tried against what it must not reach."""

from __future__ import annotations

from tests.builders import integration_client, new_program, sign_up, staff_client
from tests.graphql import GraphQLClient, codes

CREATE_API_KEY = """
mutation Create($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { key apiKey { id name prefix revokedAt } errors { code field } }
}
"""

REVOKE_API_KEY = """
mutation Revoke($input: RevokeApiKeyInput!) {
  revokeApiKey(input: $input) { apiKey { id revokedAt } errors { code field } }
}
"""

PROGRAM = "query { program { slug name currency } }"


async def test_an_admin_creates_an_api_key_shown_once(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    payload = await admin.mutate(CREATE_API_KEY, {"name": "Shop 12"})
    assert payload["errors"] == []
    assert payload["key"].startswith(f"lk_{payload['apiKey']['prefix']}_")
    # the key authenticates its program
    till = gql.as_api_key(payload["key"])
    assert (await till.query(PROGRAM))["program"]["slug"] == program.slug


async def test_a_revoked_api_key_stops_working(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    created = await admin.mutate(CREATE_API_KEY, {"name": "Shop 13"})
    revoked = await admin.mutate(REVOKE_API_KEY, {"apiKeyId": created["apiKey"]["id"]})
    assert revoked["apiKey"]["revokedAt"] is not None
    assert await gql.as_api_key(created["key"]).error_code(PROGRAM) == "UNAUTHENTICATED"


async def test_an_analyst_or_manager_cannot_create_api_keys(gql: GraphQLClient) -> None:
    program = await new_program()
    for role in ("ANALYST", "MANAGER"):
        staff = await staff_client(gql, program, role)
        assert await staff.error_code(CREATE_API_KEY, {"input": {"name": "x"}}) == "FORBIDDEN", role


async def test_a_member_token_is_refused_on_staff_mutations(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    assert await member.client.error_code(CREATE_API_KEY, {"input": {"name": "x"}}) == "FORBIDDEN"


async def test_an_api_key_is_refused_on_staff_mutations(gql: GraphQLClient) -> None:
    program = await new_program()
    till = await integration_client(gql, program)
    assert await till.error_code(CREATE_API_KEY, {"input": {"name": "x"}}) == "FORBIDDEN"


async def test_no_credential_is_unauthenticated_on_staff_mutations(gql: GraphQLClient) -> None:
    assert await gql.error_code(CREATE_API_KEY, {"input": {"name": "x"}}) == "UNAUTHENTICATED"


async def test_a_bad_api_key_is_unauthenticated(gql: GraphQLClient) -> None:
    for key in ("nonsense", "lk_000000000000_wrong", "lk_short_x", ""):
        body = await gql.as_api_key(key).raw(PROGRAM)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", key


async def test_an_api_key_with_a_wrong_secret_is_refused(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    key = (await admin.mutate(CREATE_API_KEY, {"name": "Shop"}))["key"]
    tampered = key[:-2] + ("aa" if not key.endswith("aa") else "bb")
    assert await gql.as_api_key(tampered).error_code(PROGRAM) == "UNAUTHENTICATED"


async def test_each_credential_sees_only_its_own_program(gql: GraphQLClient) -> None:
    program_a, program_b = await new_program(), await new_program()
    till_a = await integration_client(gql, program_a)
    admin_b = await staff_client(gql, program_b)
    member_a = await sign_up(gql, program_a)
    assert (await till_a.query(PROGRAM))["program"]["slug"] == program_a.slug
    assert (await admin_b.query(PROGRAM))["program"]["slug"] == program_b.slug
    assert (await member_a.client.query(PROGRAM))["program"]["slug"] == program_a.slug


async def test_an_admin_cannot_revoke_another_programs_key(gql: GraphQLClient) -> None:
    program_a, program_b = await new_program(), await new_program()
    admin_a = await staff_client(gql, program_a, "ADMIN")
    admin_b = await staff_client(gql, program_b, "ADMIN")
    created = await admin_a.mutate(CREATE_API_KEY, {"name": "A's till"})
    payload = await admin_b.mutate(REVOKE_API_KEY, {"apiKeyId": created["apiKey"]["id"]})
    assert codes(payload) == ["NOT_FOUND"]
    assert (await gql.as_api_key(created["key"]).query(PROGRAM))["program"]["slug"] == (
        program_a.slug
    )


async def test_a_malformed_id_is_a_user_error(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    for raw in ("abc", "-1", "0", "99999999999999999999999"):
        payload = await admin.mutate(REVOKE_API_KEY, {"apiKeyId": raw})
        assert codes(payload) == ["NOT_FOUND"], raw
