"""In production: no GraphiQL, no introspection, and unexpected errors say nothing of the inside."""

from __future__ import annotations

import httpx
from tortoise import connections

from tests.builders import new_program, sign_up
from tests.graphql import GraphQLClient

SETTINGS_OVERRIDES = {"environment": "production"}


async def test_graphiql_is_off(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert "graphiql" not in response.text.lower()


async def test_introspection_is_off(gql: GraphQLClient) -> None:
    body = await gql.raw("query { __schema { types { name } } }")
    assert body["data"] is None
    assert "introspection" in body["errors"][0]["message"].lower()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_an_unexpected_failure_is_masked_and_coded(gql: GraphQLClient) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    # Break the database under the app, as an outage or a botched deploy would.
    await connections.get("default").execute_script("DROP TABLE refresh_token")
    body = await gql.raw(
        "mutation($input: RefreshSessionInput!) { refreshSession(input: $input) { accessToken } }",
        {"input": {"refreshToken": member.refresh_token}},
    )
    error = body["errors"][0]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "refresh_token" not in str(body)
