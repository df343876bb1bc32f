"""The README's GraphQL snippets run against the demo as written: a newcomer who copies one into
GraphiQL gets an answer, not an error.

Each ```graphql block in README.md follows a `<!-- run as: WHO -->` line that says whose
headers GraphiQL needs for it (anonymous, member, staff or api-key). A placeholder the reader
fills in by hand (`<...>`) is filled here from the demo, the way the README tells the reader to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from api.demo import seed_demo
from api.demo.accounts import (
    DEMO_API_KEY,
    DEMO_MEMBER_EMAIL,
    DEMO_MEMBER_PASSWORD,
    DEMO_SLUG,
    DEMO_STAFF_EMAIL,
    DEMO_STAFF_PASSWORD,
)
from tests.graphql import GraphQLClient
from tests.live import connected
from tests.serving import served

README = Path(__file__).resolve().parent.parent / "README.md"
ACTORS = {"anonymous", "member", "staff", "api-key"}
_BLOCK = re.compile(r"```graphql\n(.*?)```", re.S)
_RUN_AS = re.compile(r"<!-- run as: ([a-z-]+) -->\s*$")
_PLACEHOLDER = re.compile(r"<([^<>\n]+)>")


@dataclass(frozen=True)
class Snippet:
    line: int
    actor: str
    document: str


def snippets(text: str) -> Iterator[Snippet]:
    for block in _BLOCK.finditer(text):
        before = text[: block.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = _RUN_AS.search(before)
        line = text.count("\n", 0, block.start()) + 1
        assert marker and marker.group(1) in ACTORS, (
            f"README.md:{line}: a graphql block needs `<!-- run as: WHO -->` on the line before it"
        )
        yield Snippet(line, marker.group(1), block.group(1))


def payload_errors(data: Any) -> list[Any]:
    """Every non-empty `errors` list of the mutation payloads in `data`."""
    found: list[Any] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "errors" and value:
                found.append(value)
            else:
                found.extend(payload_errors(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(payload_errors(item))
    return found


LOG_IN = (
    """mutation($input: LogInInput!) { logIn(input: $input) { accessToken errors { code } } }"""
)
STAFF_LOG_IN = """mutation($input: StaffLogInInput!) {
  staffLogIn(input: $input) { accessToken errors { code } } }"""


async def clients(gql: GraphQLClient) -> dict[str, GraphQLClient]:
    member = await gql.mutate(
        LOG_IN, {"program": DEMO_SLUG, "email": DEMO_MEMBER_EMAIL, "password": DEMO_MEMBER_PASSWORD}
    )
    staff = await gql.mutate(
        STAFF_LOG_IN,
        {"program": DEMO_SLUG, "email": DEMO_STAFF_EMAIL, "password": DEMO_STAFF_PASSWORD},
    )
    return {
        "anonymous": gql,
        "member": gql.as_token(member["accessToken"]),
        "staff": gql.as_token(staff["accessToken"]),
        "api-key": gql.as_api_key(DEMO_API_KEY),
    }


async def fill(document: str, actors: dict[str, GraphQLClient]) -> str:
    """The snippet with each `<...>` placeholder replaced as the README tells the reader to."""
    values: dict[str, str] = {}
    for name in set(_PLACEHOLDER.findall(document)):
        values[name] = await PLACEHOLDERS[name](actors)
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], document)


async def _challenge_not_joined(actors: dict[str, GraphQLClient]) -> str:
    data = await actors["member"].query("{ challenges { id myProgress { value } } }")
    open_ = [c["id"] for c in data["challenges"] if c["myProgress"] is None]
    assert open_, "the demo leaves the member a challenge to join"
    return open_[0]


async def _reward(actors: dict[str, GraphQLClient]) -> str:
    data = await actors["member"].query(
        "{ rewards(first: 50) { edges { node { id available } } } }"
    )
    available = [e["node"]["id"] for e in data["rewards"]["edges"] if e["node"]["available"]]
    assert available, "the demo offers the member a reward they can afford"
    return available[0]


PLACEHOLDERS = {
    "challenge id": _challenge_not_joined,
    "reward id": _reward,
}


def test_every_graphql_block_of_the_readme_says_who_runs_it() -> None:
    found = list(snippets(README.read_text()))
    assert len(found) >= 4
    assert {s.actor for s in found} >= {"anonymous", "member", "api-key", "staff"}


async def test_every_graphql_snippet_of_the_readme_runs_against_the_demo(
    gql: GraphQLClient, app: Starlette, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed_demo()
    capsys.readouterr()
    actors = await clients(gql)
    for snippet in snippets(README.read_text()):
        document = await fill(snippet.document, actors)
        if document.lstrip().startswith("subscription"):
            # Over WebSocket, as GraphQL clients subscribe: the first message (a value stream's
            # value when subscribing) answers without errors.
            async with served(app) as url, connected(url, actors[snippet.actor].token) as live:
                stream = live.subscribe(document)
                try:
                    assert await stream.next(), snippet.line
                finally:
                    await stream.stop()
            continue
        body = await actors[snippet.actor].raw(document)
        where = f"README.md:{snippet.line} (as {snippet.actor})"
        assert not body.get("errors"), (where, body["errors"])
        assert body["data"], where
        assert payload_errors(body["data"]) == [], (where, body["data"])
