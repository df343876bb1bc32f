"""The cache of parsed documents is bounded by the text it holds, not by a count: large or many
documents cannot grow the process without bound, and anonymous callers fill only their share."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from api.documents import ANONYMOUS_TEXT_BYTES, MAX_CACHED_TEXT, DocumentCache
from tests.builders import new_program, sign_up
from tests.graphql import GraphQLClient


def documents(app: Starlette) -> DocumentCache:
    cache = app.state.documents
    assert isinstance(cache, DocumentCache)
    return cache


def padded(tag: int, size: int) -> str:
    query = f"query Q{tag} {{ __typename }}\n#"
    return query + "x" * (size - len(query))


async def test_many_large_anonymous_documents_stay_within_the_anonymous_share(
    app: Starlette, http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    cache = documents(app)
    program = await new_program()
    member = await sign_up(gql, program)
    mine = "query Mine { me { id } }"
    assert (await member.client.query(mine))["me"]["id"] == str(member.id)
    # when an anonymous caller sends 60 distinct documents of 50 KB (3 MB of text)
    for tag in range(60):
        response = await http.post("/graphql", json={"query": padded(tag, 50_000)})
        assert response.json() == {"data": {"__typename": "Query"}}
    # then they hold no more than their share, and the member's document is still cached
    assert cache.anonymous.size <= ANONYMOUS_TEXT_BYTES
    assert mine in cache.signed_in.entries
    assert cache.text_bytes <= ANONYMOUS_TEXT_BYTES + cache.signed_in.size


async def test_a_document_longer_than_the_cached_size_is_answered_but_not_kept(
    app: Starlette, http: httpx.AsyncClient
) -> None:
    cache = documents(app)
    held = len(cache)
    query = padded(999, MAX_CACHED_TEXT + 1)
    for _ in range(2):
        response = await http.post("/graphql", json={"query": query})
        assert response.json() == {"data": {"__typename": "Query"}}
    assert query not in cache.anonymous.entries
    assert len(cache) <= held


async def test_a_signed_in_callers_documents_are_bounded_too(
    gql: GraphQLClient, app: Starlette
) -> None:
    cache = documents(app)
    program = await new_program()
    member = await sign_up(gql, program)
    for tag in range(100):
        await member.client.query(padded(tag, 60_000))
    assert cache.signed_in.size <= cache.signed_in.limit
