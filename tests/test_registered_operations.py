"""Allow-list mode: with REGISTERED_OPERATIONS_ONLY only the operations registered through the
real CLI (`python -m api register-operations FILE`) run, by hash or by text; anything else is
refused with a code, and nothing is kept automatically."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "allow-list-test"
SETTINGS_OVERRIDES = {"registered_operations_only": True, "persisted_queries_prefix": PREFIX}

TYPENAME = "query Typename { __typename }"
REWARDS = "query Rewards { rewards(first: 3) { edges { node { id } } } }"
UNREGISTERED = "query Unregistered { __typename }"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def manifest(*bodies: str, ids: list[str] | None = None) -> dict[str, Any]:
    """What `@apollo/generate-persisted-query-manifest` writes."""
    return {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [
            {
                "id": (ids or [])[i] if ids else sha256(body),
                "name": f"Op{i}",
                "type": "query",
                "body": body,
            }
            for i, body in enumerate(bodies)
        ],
    }


def register(redis_url: str, *files: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REDIS_URL": redis_url, "PERSISTED_QUERIES_PREFIX": PREFIX}
    return subprocess.run(
        [sys.executable, "-m", "api", "register-operations", *map(str, files)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def send(http: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/graphql", json=body)
    return {"status": response.status_code, **response.json()}


def code(answer: dict[str, Any]) -> str:
    return str(answer["errors"][0]["extensions"]["code"])


async def test_only_registered_operations_run(
    http: httpx.AsyncClient, app: Starlette, redis_url: str, tmp_path: Path
) -> None:
    # Before registration, nothing runs: not by text,
    assert code(await send(http, {"query": TYPENAME})) == "OPERATION_NOT_REGISTERED"

    # Given an Apollo manifest registered through the CLI,
    path = tmp_path / "persisted-query-manifest.json"
    path.write_text(json.dumps(manifest(TYPENAME, REWARDS)))
    result = register(redis_url, path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"registered 2 operations (2 new, 2 in all) under prefix {PREFIX}"
    )

    # then its operations run by hash alone, by text alone, and by both.
    hashed = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256(TYPENAME)}}}
    assert await send(http, hashed) == {"status": 200, "data": {"__typename": "Query"}}
    assert await send(http, {"query": TYPENAME}) == {"status": 200, "data": {"__typename": "Query"}}
    assert (await send(http, {"query": TYPENAME, **hashed}))["data"] == {"__typename": "Query"}
    # (A registered operation still needs its caller's rights.)
    assert code(await send(http, {"query": REWARDS})) == "UNAUTHENTICATED"

    # Anything else is refused: its hash is not found (Apollo's link then sends the text),
    other = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256(UNREGISTERED)}}}
    assert code(await send(http, other)) == "PERSISTED_QUERY_NOT_FOUND"
    # and with its text, or by text alone, it is not registered, nor kept by being sent.
    refused = await send(http, {"query": UNREGISTERED, **other})
    assert (refused["status"], code(refused)) == (400, "OPERATION_NOT_REGISTERED")
    assert code(await send(http, {"query": UNREGISTERED})) == "OPERATION_NOT_REGISTERED"
    assert not await app.state.services.persisted_queries.is_kept(sha256(UNREGISTERED))


async def test_registering_again_changes_nothing_and_a_graphql_file_registers_as_sent(
    http: httpx.AsyncClient, redis_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest(TYPENAME)))
    again = register(redis_url, path)
    assert again.returncode == 0, again.stderr
    assert "(0 new," in again.stdout

    # A .graphql file is one document: a client sends it verbatim, naming one of its operations.
    text = "query First { __typename }\nquery Second { __typename }\n"
    document = tmp_path / "operations.graphql"
    document.write_text(text)
    result = register(redis_url, document)
    assert result.returncode == 0, result.stderr
    answer = await send(http, {"query": text, "operationName": "Second"})
    assert answer == {"status": 200, "data": {"__typename": "Query"}}


async def test_register_operations_refuses_a_file_it_cannot_trust(
    redis_url: str, tmp_path: Path
) -> None:
    cases = {
        "ids.json": json.dumps(manifest(TYPENAME, ids=["custom-id"])),
        "stale.json": json.dumps(manifest("query Gone { noSuchField }")),
        "broken.graphql": "query {",
        "list.json": "[]",
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_text(content)
        result = register(redis_url, path)
        assert result.returncode == 1, name
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"error: {path}"), line
    missing = register(redis_url, tmp_path / "missing.json")
    assert missing.returncode == 1
    assert "No such file" in missing.stderr
