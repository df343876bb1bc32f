"""The console's way into the API: the GraphQL endpoint itself, called in process.

Each console request that needs data sends one of the console's documents (operations/*.graphql,
registered with `register-operations` like any client's) to POST /graphql of this same app,
through every middleware, with the signed-in user's bearer token and the browser's own address
(log-in throttling counts the browser, not the console). So permissions, validation, error codes,
rate limits and logs are the API's: the console holds no rule and reaches no service directly.

A document goes as its SHA-256 alone (a persisted query); only when the server does not know it
yet is the text sent (Apollo's APQ). An access token the API no longer takes is traded once for
new tokens with the refresh token (refreshSession), and the request sent again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import orjson
from starlette.types import ASGIApp

OPERATIONS = Path(__file__).parent / "operations"
# The protocol's answer to a hash the server does not know (as Apollo's link reads it).
NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Document:
    name: str
    text: str
    digest: str


@cache
def documents() -> dict[str, Document]:
    """The console's documents by operation name (each file holds one operation, its name)."""
    found = {}
    for path in sorted(OPERATIONS.glob("*.graphql")):
        text = path.read_text(encoding="utf-8")
        found[path.stem] = Document(path.stem, text, sha256(text))
    return found


@dataclass
class Answer:
    """What the API answered: `data`, and the top-level errors (a refusal, UNAUTHENTICATED...)."""

    data: dict[str, Any]
    errors: list[dict[str, Any]]

    @property
    def code(self) -> str | None:
        if not self.errors:
            return None
        return str(self.errors[0].get("extensions", {}).get("code", "ERROR"))

    def payload(self, field: str) -> dict[str, Any]:
        """A mutation's payload; a top-level refusal reads as a payload error without field."""
        if self.errors or not self.data.get(field):
            return {"errors": [{"code": self.code, "message": self.message, "field": None}]}
        payload: dict[str, Any] = self.data[field]
        return payload

    @property
    def message(self) -> str:
        return str(self.errors[0].get("message", "")) if self.errors else ""


@dataclass
class Tokens:
    access: str | None
    refresh: str | None
    # Set when the API issued new ones during this request: the response stores them.
    renewed: bool = False
    ended: bool = False


@dataclass
class Gateway:
    app: ASGIApp
    client_address: str
    tokens: Tokens

    def _client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(self.client_address, 0))
        return httpx.AsyncClient(transport=transport, base_url="http://console.internal")

    async def run(self, name: str, variables: dict[str, Any] | None = None) -> Answer:
        async with self._client() as client:
            answer = await self._send(client, name, variables)
            refreshable = answer.code == "UNAUTHENTICATED" and self.tokens.refresh
            if refreshable and await self._refresh(client):
                answer = await self._send(client, name, variables)
            if answer.code == "UNAUTHENTICATED":
                self.tokens.ended = True
            return answer

    async def get(self, path: str, params: dict[str, str]) -> httpx.Response:
        """A plain HTTP route of the API (the CSV exports), with the same bearer token."""
        async with self._client() as client:
            response = await client.get(path, params=params, headers=self._headers())
            refreshable = response.status_code == 401 and self.tokens.refresh
            if refreshable and await self._refresh(client):
                response = await client.get(path, params=params, headers=self._headers())
            return response

    def _headers(self) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        if self.tokens.access:
            headers["authorization"] = f"Bearer {self.tokens.access}"
        return headers

    async def _send(
        self, client: httpx.AsyncClient, name: str, variables: dict[str, Any] | None
    ) -> Answer:
        document = documents()[name]
        body: dict[str, Any] = {
            "operationName": name,
            "variables": variables or {},
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": document.digest}},
        }
        answer = await self._post(client, body)
        if answer.code == NOT_FOUND:
            answer = await self._post(client, {**body, "query": document.text})
        return answer

    async def _post(self, client: httpx.AsyncClient, body: dict[str, Any]) -> Answer:
        response = await client.post(
            "/graphql", content=orjson.dumps(body), headers=self._headers()
        )
        try:
            decoded = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            decoded = {}
        if not isinstance(decoded, dict):
            decoded = {}
        errors = decoded.get("errors") or []
        if not errors and response.status_code != 200:
            errors = [{"message": f"HTTP {response.status_code}", "extensions": {"code": "ERROR"}}]
        return Answer(data=decoded.get("data") or {}, errors=errors)

    async def _refresh(self, client: httpx.AsyncClient) -> bool:
        self.tokens.access = None
        answer = await self._send(client, "ConsoleRefreshSession", {"token": self.tokens.refresh})
        payload = answer.data.get("refreshSession") or {}
        if answer.errors or payload.get("errors") or not payload.get("accessToken"):
            self.tokens.refresh = None
            return False
        self.tokens.access = payload["accessToken"]
        self.tokens.refresh = payload["refreshToken"]
        self.tokens.renewed = True
        return True
