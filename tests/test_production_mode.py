"""In production: no GraphiQL, no introspection, unexpected errors say nothing of the inside, and
the console's cookies travel over HTTPS only."""

from __future__ import annotations

import httpx
from tortoise import connections

from gamification.accounts.staff import create_staff
from gamification.audit import SYSTEM
from tests.builders import PASSWORD, new_program, sign_up, staff_client, unique
from tests.graphql import GraphQLClient

SETTINGS_OVERRIDES = {"environment": "production"}


async def test_graphiql_is_off(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert "graphiql" not in response.text.lower()
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_graphiqls_files_are_not_served(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphiql/graphiql/graphiql.min.js")
    assert response.status_code == 404


async def test_introspection_is_off(gql: GraphQLClient) -> None:
    body = await gql.raw("query { __schema { types { name } } }")
    assert body["data"] is None
    assert "introspection" in body["errors"][0]["message"].lower()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


CREATE_WEBHOOK = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) { webhook { id url } errors { code field } }
}
"""


async def test_webhooks_cannot_target_a_private_network(gql: GraphQLClient) -> None:
    program = await new_program()
    admin = await staff_client(gql, program, "ADMIN")
    for url in (
        "http://127.0.0.1:6379/",
        "http://localhost/hook",
        "https://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://[::1]:8000/hook",
        "http://169.254.169.254/latest/meta-data",
    ):
        payload = await admin.mutate(CREATE_WEBHOOK, {"url": url, "eventTypes": ["POINTS_EARNED"]})
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_URL", "url")], url
    public = await admin.mutate(
        CREATE_WEBHOOK, {"url": "https://93.184.216.34/hook", "eventTypes": ["POINTS_EARNED"]}
    )
    assert public["errors"] == []


async def test_the_console_s_session_cookies_are_secure(http: httpx.AsyncClient) -> None:
    program = await new_program()
    email = f"{unique('admin')}@brand.example"
    await create_staff(SYSTEM, program.slug, email, PASSWORD, "ADMIN")
    answer = await http.post(
        "/console/sign-in",
        data={"program": program.slug, "email": email, "password": PASSWORD},
        headers={"origin": "http://testserver"},
    )
    assert answer.status_code == 303
    cookies = answer.headers.get_list("set-cookie")
    assert {cookie.split("=")[0] for cookie in cookies} >= {"console_access", "console_refresh"}
    assert all("; Secure" in cookie and "HttpOnly" in cookie for cookie in cookies), cookies


# Last: it breaks the database under the app.
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
