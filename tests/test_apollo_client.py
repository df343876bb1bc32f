"""Apollo Client 4 and its persisted-queries link, on Node, against the real app on a real socket:
the first query is not found and sent again with its text, the second goes as a hash alone, and
with `useGETForHashedQueries` the hash goes over GET."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.applications import Starlette

from tests.builders import new_program, sign_up
from tests.graphql import GraphQLClient
from tests.node_clients import run_node
from tests.serving import served

SETTINGS_OVERRIDES = {"persisted_queries_prefix": "apollo-test"}


def exchange(request: dict[str, Any]) -> tuple[str, bool, int, list[str]]:
    return (request["method"], request["withText"], request["status"], request["errorCodes"])


async def test_apollo_clients_persisted_queries_link_over_post_and_get(
    app: Starlette, gql: GraphQLClient
) -> None:
    member = await sign_up(gql, await new_program(), display_name="Grace")
    async with served(app) as base:
        # The Node process runs while this loop serves it.
        result = await asyncio.to_thread(
            run_node, "apollo_persisted_queries.mjs", f"{base}/graphql", member.access_token
        )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)

    # Over POST: the hash alone is not found, the text follows, then the hash alone is enough.
    post = seen["post"]
    assert [exchange(r) for r in post["requests"]] == [
        ("POST", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", True, 200, []),
        ("POST", False, 200, []),
    ]
    me = {"__typename": "Member", "displayName": "Grace", "pointsBalance": 0}
    assert [data["me"] for data in post["data"]] == [me, me]

    # With useGETForHashedQueries: GET for the hash, POST for the text, then GET answered.
    get = seen["get"]
    assert [exchange(r) for r in get["requests"]] == [
        ("GET", False, 200, ["PERSISTED_QUERY_NOT_FOUND"]),
        ("POST", True, 200, []),
        ("GET", False, 200, []),
    ]
    assert (
        get["data"][0]
        == get["data"][1]
        == {"rewards": {"__typename": "RewardConnection", "edges": []}}
    )

    # The server keeps both documents in Redis, under the hashes the link computed.
    store = app.state.services.persisted_queries
    for client in (post, get):
        (digest,) = {r["hash"] for r in client["requests"]}
        assert await store.is_kept(digest)
