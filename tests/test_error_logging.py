"""The development log, as `make run` prints it: a refusal the API meant to give
(UNAUTHENTICATED, FORBIDDEN, a domain error, an invalid document) is one line with its code,
operation and path, and no traceback; an unexpected error still comes with its traceback.

The app runs as `make run` runs it (uvicorn, ENVIRONMENT=development) in a process of its own,
whose output is the log read here."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from tortoise import connections

from core.settings import Settings
from tests.builders import new_program, sign_up
from tests.graphql import GraphQLClient

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class DevServer:
    url: str
    log_path: Path

    def log(self) -> list[str]:
        return ANSI.sub("", self.log_path.read_text()).splitlines()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def dev_server(
    app: Starlette, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevServer]:
    """The app of `make run` on this module's database and Redis (migrated by `app`)."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("log") / "server.log"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("LOG_JSON", "DATABASE_URL")},
        "ENVIRONMENT": "development",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "uvicorn", "api.asgi:app", "--port", str(port)]
    with log_path.open("w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, log_path.read_text()
            time.sleep(0.05)
        yield DevServer(url, log_path)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
async def client(dev_server: DevServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=dev_server.url, timeout=30) as http:
        yield http


async def ask(
    http: httpx.AsyncClient, query: str, token: str | None = None, **variables: object
) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return str(response.json()["errors"][0]["extensions"]["code"])


async def lines_with(server: DevServer, text: str) -> list[str]:
    # The server writes its log as it answers; give it a moment to reach the file.
    for _ in range(50):
        found = [line for line in server.log() if text in line]
        if found:
            return found
        await asyncio.sleep(0.02)
    return []


async def test_an_expected_refusal_is_one_line_with_its_code_and_no_traceback(
    gql: GraphQLClient, dev_server: DevServer, client: httpx.AsyncClient
) -> None:
    member = await sign_up(gql, await new_program())
    refusals = {
        "UNAUTHENTICATED": await ask(client, "query MyBalance { me { pointsBalance } }"),
        "FORBIDDEN": await ask(
            client, "query Segments { segments { computedAt } }", member.access_token
        ),
        "UNKNOWN_LEADERBOARD": await ask(
            client,
            'query Board { leaderboard(board: "nope") { board } }',
            member.access_token,
        ),
        "GRAPHQL_VALIDATION_FAILED": await ask(client, "query Broken { me { noSuchField } }"),
    }
    assert refusals == {code: code for code in refusals}

    unauthenticated = await lines_with(dev_server, "code=UNAUTHENTICATED")
    assert len(unauthenticated) == 1, dev_server.log()
    assert "operation=MyBalance" in unauthenticated[0]
    assert "path=me" in unauthenticated[0]
    for code, operation in [
        ("FORBIDDEN", "Segments"),
        ("UNKNOWN_LEADERBOARD", "Board"),
        ("GRAPHQL_VALIDATION_FAILED", "Broken"),
    ]:
        (line,) = await lines_with(dev_server, f"code={code}")
        assert f"operation={operation}" in line
    assert not [line for line in dev_server.log() if "Traceback" in line], dev_server.log()


# Last: it breaks the database under the server.
async def test_an_unexpected_error_still_logs_its_traceback(
    gql: GraphQLClient, dev_server: DevServer, client: httpx.AsyncClient
) -> None:
    member = await sign_up(gql, await new_program())
    await connections.get("default").execute_script("DROP TABLE refresh_token")
    code = await ask(
        client,
        "mutation Refresh($input: RefreshSessionInput!) { refreshSession(input: $input) "
        "{ accessToken } }",
        input={"refreshToken": member.refresh_token},
    )
    assert code == "INTERNAL_SERVER_ERROR"
    (line,) = await lines_with(dev_server, "code=INTERNAL_SERVER_ERROR")
    assert "unexpected error" in line
    assert "operation=Refresh" in line
    log = dev_server.log()
    after = log[log.index(line) :]
    assert any("Traceback" in later for later in after), log
    assert any("refresh_token" in later for later in after), log
