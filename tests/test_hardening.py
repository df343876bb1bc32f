"""Hostile documents and bodies: refused with a clear error and a code, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.graphql import GraphQLClient

# The schema is shallow so far: a low depth limit still shows the limiter at work.
SETTINGS_OVERRIDES = {"max_query_depth": 1, "max_aliases": 5, "max_tokens": 400}


async def test_a_deep_query_is_refused(gql: GraphQLClient) -> None:
    deep = """
    mutation { refreshSession(input: {refreshToken: "x"}) { member { id } } }
    """
    body = await gql.raw(deep)
    assert body["data"] is None
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_an_alias_bomb_is_refused(gql: GraphQLClient) -> None:
    bomb = "query { " + " ".join(f"a{i}: __typename" for i in range(50)) + " }"
    body = await gql.raw(bomb)
    assert body["data"] is None
    assert "aliases" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_a_document_with_too_many_tokens_is_refused(gql: GraphQLClient) -> None:
    long_doc = "query { " + "__typename " * 500 + "}"
    body = await gql.raw(long_doc)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_a_syntax_error_has_a_code(gql: GraphQLClient) -> None:
    body = await gql.raw("query { me ")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_an_unknown_field_has_a_code(gql: GraphQLClient) -> None:
    body = await gql.raw("query { nothingHere }")
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_an_oversized_body_is_refused_with_413(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        content=b'{"query": "' + b"x" * 1_100_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_an_oversized_streamed_body_is_refused_with_413(http: httpx.AsyncClient) -> None:
    async def chunks():  # no content-length: the limit counts what arrives
        for _ in range(20):
            yield b"x" * 100_000

    response = await http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_a_body_that_is_not_json_is_a_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    "body", [b'"hello"', b"null", b"5", b"true", b"[1, 2]", b'[{"query": 5}]', b'{"query": 5}']
)
async def test_a_json_body_that_is_not_an_operation_is_a_400_with_a_code(
    http: httpx.AsyncClient, body: bytes
) -> None:
    response = await http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_method_graphql_does_not_take_is_a_405_with_a_code(
    http: httpx.AsyncClient,
) -> None:
    response = await http.put("/graphql", content=b'{"query": "{ __typename }"}')
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


async def test_an_unknown_path_is_a_404_with_a_code(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphq1")
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_variables_that_are_not_an_object_are_a_400_with_a_code(
    http: httpx.AsyncClient,
) -> None:
    for variables in (b'"x"', b"[1]", b"5"):
        response = await http.post(
            "/graphql",
            content=b'{"query": "{ __typename }", "variables": ' + variables + b"}",
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400, (variables, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_body_of_another_content_type_gets_a_json_error_with_a_code(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post("/graphql", content=b"query", headers={"content-type": "text/plain"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_body_nested_past_any_parser_limit_is_a_400_not_a_crash(
    http: httpx.AsyncClient,
) -> None:
    # 100,000 nested arrays fit the body limit, and used to exhaust the standard parser's recursion
    body = (
        b'{"query": "{ __typename }", "variables": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    )
    response = await http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_wrong_variable_types_are_refused_with_a_code(gql: GraphQLClient) -> None:
    document = "mutation($input: LogInInput!) { logIn(input: $input) { errors { code } } }"
    body = await gql.raw(document, {"input": {"program": 12, "email": None}})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_graphiql_is_served_in_development(http: httpx.AsyncClient) -> None:
    # This module runs with environment=test, which is not production: GraphiQL is on.
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_health_and_readiness(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "redis": "ok", "leaderboards": "ok"}


# Each body as clients send it; api/graphql_view.py answers these itself. With "extensions" the
# same body goes through strawberry's own view, which must answer the very same.
PLAIN_POSTS: list[dict[str, object]] = [
    {"query": "{ __typename }"},
    {"query": "query Q($n: Int) { __typename }", "variables": {"n": 1}, "operationName": "Q"},
    {"query": "query A { __typename } query B { __typename }", "operationName": "B"},
    {"query": "query A { __typename } query B { __typename }"},
    {"query": "query A { __typename }", "operationName": "C"},
    {"query": ""},
    {"query": "{ nope }"},
    {"query": "{ me { id } }"},
    {"query": 'mutation { logIn(input: {program: "x", email: "a@b.c", password: "p"}) { ok } }'},
    {"query": "query($n: Int!) { __typename }", "variables": {"n": "x"}},
]


@pytest.mark.parametrize("body", PLAIN_POSTS, ids=range(len(PLAIN_POSTS)))
async def test_a_plain_post_is_answered_as_strawberrys_view_answers_it(
    http: httpx.AsyncClient, body: dict[str, object]
) -> None:
    plain = await http.post("/graphql", json=body)
    through_strawberry = await http.post("/graphql", json={**body, "extensions": {}})
    assert plain.status_code == through_strawberry.status_code
    assert plain.headers["content-type"] == through_strawberry.headers["content-type"]
    assert plain.json() == through_strawberry.json()
