"""Automatic persisted queries as Apollo's link speaks them: an unknown hash is answered
`PersistedQueryNotFound`, the text sent with its hash is kept in Redis (bounded, under this
deployment's prefix), and from then on the hash alone runs, over POST or GET."""

from __future__ import annotations

import hashlib
import json
import socket
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette

from api.persisted_queries import Limits, PersistedQueries, PersistedQueryRefused
from tests.builders import new_program, sign_up
from tests.graphql import GraphQLClient

SETTINGS_OVERRIDES = {
    "persisted_queries_prefix": "apq-test",
    "persisted_queries_ttl_seconds": 3600,
    "persisted_queries_max_bytes": 400,
    "persisted_queries_max_documents": 3,
}

ME = "query Me { me { displayName pointsBalance } }"
REWARDS = "query Rewards($first: Int!) { rewards(first: $first) { edges { node { id } } } }"
ADJUST = "mutation Adjust($input: AdjustPointsInput!) { adjustPoints(input: $input) {__typename} }"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(text)}}


def store(app: Starlette) -> PersistedQueries:
    return app.state.services.persisted_queries


async def post(
    http: httpx.AsyncClient, body: dict[str, Any], token: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post("/graphql", json=body, headers=headers)


async def test_an_unknown_hash_is_not_found_then_its_text_is_kept_and_the_hash_runs(
    http: httpx.AsyncClient, gql: GraphQLClient, app: Starlette
) -> None:
    member = await sign_up(gql, await new_program(), display_name="Ada")
    # Given a hash the server has never seen,
    first = await post(http, {"extensions": persisted(ME)}, member.access_token)
    # then it answers what Apollo's link waits for, and no cache may keep that answer.
    assert first.status_code == 200
    assert first.json()["errors"] == [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
    assert first.headers["cache-control"] == "no-store"
    assert not await store(app).is_kept(sha256(ME))

    # When the client sends the text with its hash, it runs and is kept in Redis,
    second = await post(http, {"query": ME, "extensions": persisted(ME)}, member.access_token)
    assert second.json() == {"data": {"me": {"displayName": "Ada", "pointsBalance": 0}}}
    assert await store(app).is_kept(sha256(ME))

    # and the hash alone runs from then on.
    third = await post(http, {"extensions": persisted(ME)}, member.access_token)
    assert third.json() == second.json()


async def test_a_kept_query_runs_over_get_with_its_variables(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    member = await sign_up(gql, await new_program())
    await post(http, {"query": REWARDS, "extensions": persisted(REWARDS)}, member.access_token)
    params = {
        "operationName": "Rewards",
        "variables": json.dumps({"first": 5}),
        "extensions": json.dumps(persisted(REWARDS)),
    }
    response = await http.get(
        "/graphql",
        params=params,
        # curl's Accept: the persisted query is asked for, not GraphiQL.
        headers={"Authorization": f"Bearer {member.access_token}", "Accept": "*/*"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"rewards": {"edges": []}}}
    # A shared cache that keeps it keys on the caller's credentials too.
    assert response.headers["vary"] == "Authorization, X-Api-Key"


async def test_an_unknown_hash_over_get_is_not_found_and_never_cached(
    http: httpx.AsyncClient,
) -> None:
    text = "query Never { __typename }"
    response = await http.get("/graphql", params={"extensions": json.dumps(persisted(text))})
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert response.headers["cache-control"] == "no-store"


async def test_a_mutation_never_runs_over_get_even_by_hash(
    http: httpx.AsyncClient, gql: GraphQLClient, app: Starlette
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    # A mutation's text is known (sent once over POST),
    await post(http, {"query": ADJUST, "extensions": persisted(ADJUST)}, member.access_token)
    assert await store(app).is_kept(sha256(ADJUST))
    # yet over GET its hash is refused before anything runs.
    variables = {"input": {"memberId": str(member.id), "delta": 5, "reason": "x"}}
    response = await http.get(
        "/graphql",
        params={"variables": json.dumps(variables), "extensions": json.dumps(persisted(ADJUST))},
        headers={"Authorization": f"Bearer {member.access_token}"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_text_that_does_not_match_its_hash_is_refused_and_not_kept(
    http: httpx.AsyncClient, app: Starlette
) -> None:
    other = "query Other { __typename }"
    response = await post(http, {"query": "{ __typename }", "extensions": persisted(other)})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    assert not await store(app).is_kept(sha256(other))
    # The hash still names nothing.
    again = await post(http, {"extensions": persisted(other)})
    assert again.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_malformed_persisted_query_extension_is_refused_with_a_code(
    http: httpx.AsyncClient,
) -> None:
    for extension in (
        {"version": 2, "sha256Hash": sha256(ME)},
        {"version": 1, "sha256Hash": "not-a-hash"},
        {"version": 1, "sha256Hash": sha256(ME).upper()},
        "sha",
    ):
        response = await post(http, {"extensions": {"persistedQuery": extension}})
        assert response.status_code == 400, extension
        assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_INVALID"


async def test_what_is_kept_is_bounded_in_size_count_and_time(
    http: httpx.AsyncClient, app: Starlette, redis: Redis
) -> None:
    # A document over the size limit runs but is not kept.
    big = "query Big { __typename " + "__typename " * 40 + "}"
    answer = await post(http, {"query": big, "extensions": persisted(big)})
    assert answer.json() == {"data": {"__typename": "Query"}}
    assert not await store(app).is_kept(sha256(big))

    # At most three are kept: the oldest go first.
    texts = [f"query Kept{i} {{ __typename }}" for i in range(5)]
    for text in texts:
        await post(http, {"query": text, "extensions": persisted(text)})
    kept = [await store(app).is_kept(sha256(text)) for text in texts]
    assert kept == [False, False, True, True, True]
    # Each lives at most the TTL, under this deployment's prefix.
    keys = [key async for key in redis.scan_iter("*persisted-queries*")]
    assert keys and all(key.startswith("{apq-test:persisted-queries}:") for key in keys)
    documents = [key for key in keys if ":auto:" in key]
    assert len(documents) == 3
    assert all(0 < ttl <= 3600 for ttl in [await redis.ttl(key) for key in documents])


def _unreachable_redis() -> Redis:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return Redis.from_url(f"redis://127.0.0.1:{port}/0", decode_responses=True)


async def test_without_redis_texts_still_run_and_the_allow_list_runs_nothing_unchecked() -> None:
    redis = _unreachable_redis()
    limits = Limits(ttl_seconds=60, max_bytes=1000, max_documents=10)
    automatic = PersistedQueries(redis, "down", limits)
    # A hash it cannot look up is not found, so the client sends the text, which runs.
    with pytest.raises(PersistedQueryRefused) as refused:
        await automatic.resolve(None, persisted(ME))
    assert refused.value.code == "PERSISTED_QUERY_NOT_FOUND"
    assert await automatic.resolve(ME, persisted(ME)) == ME

    allow_list = PersistedQueries(redis, "down", limits, registered_only=True)
    for query, extensions in [(ME, None), (None, persisted(ME)), (ME, persisted(ME))]:
        with pytest.raises(PersistedQueryRefused) as refused:
            await allow_list.resolve(query, extensions)
        assert refused.value.code == "PERSISTED_QUERIES_UNAVAILABLE"
    await redis.aclose()
