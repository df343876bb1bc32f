"""apiKeys (ADMIN): the program's keys, newest first, revoked ones with their time, never a
secret; another program's keys are not there."""

from __future__ import annotations

from tests.builders import new_program, staff_client
from tests.graphql import GraphQLClient

KEYS = "query { apiKeys { id name prefix revokedAt } }"
CREATE = """
mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } } }
"""
REVOKE = """
mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { errors { code } } }
"""


async def test_an_admin_lists_the_program_s_keys_newest_first_with_the_revoked_ones(
    gql: GraphQLClient,
) -> None:
    program = await new_program()
    admin = await staff_client(gql, program)
    first = await admin.mutate(CREATE, {"name": "Till 1"})
    second = await admin.mutate(CREATE, {"name": "Till 2"})
    await admin.mutate(REVOKE, {"apiKeyId": first["apiKey"]["id"]})
    keys = (await admin.query(KEYS))["apiKeys"]
    assert [key["name"] for key in keys] == ["Till 2", "Till 1"]
    assert keys[0]["revokedAt"] is None and keys[1]["revokedAt"] is not None
    assert second["key"].startswith(f"lk_{keys[0]['prefix']}_")
    other = await staff_client(gql, await new_program())
    assert (await other.query(KEYS))["apiKeys"] == []
