"""A small GraphQL client over the real HTTP endpoint, one per actor."""

from __future__ import annotations

from typing import Any

import httpx


class GraphQLError(AssertionError):
    pass


class GraphQLClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        token: str | None = None,
        api_key: str | None = None,
        accept_language: str | None = None,
    ) -> None:
        self.http = http
        self.token = token
        self.api_key = api_key
        self.accept_language = accept_language

    def as_token(self, token: str) -> GraphQLClient:
        return GraphQLClient(self.http, token=token)

    def speaking(self, accept_language: str) -> GraphQLClient:
        """The same caller, sending this Accept-Language header."""
        return GraphQLClient(self.http, self.token, self.api_key, accept_language)

    def as_api_key(self, key: str) -> GraphQLClient:
        return GraphQLClient(self.http, api_key=key)

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.api_key:
            headers["X-Api-Key"] = self.api_key
        if self.accept_language:
            headers["Accept-Language"] = self.accept_language
        return headers

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The whole response body, errors included; fails on any HTTP status but 200."""
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers()
        )
        assert response.status_code == 200, (response.status_code, response.text)
        return response.json()

    async def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """`data`, asserting there were no top-level errors."""
        body = await self.raw(query, variables)
        if body.get("errors"):
            raise GraphQLError(body["errors"])
        return body["data"]

    async def mutate(self, query: str, input: dict[str, Any]) -> dict[str, Any]:
        """The payload of a one-mutation document called with `input`."""
        data = await self.query(query, {"input": input})
        (payload,) = data.values()
        return payload

    async def error_code(self, query: str, variables: dict[str, Any] | None = None) -> str:
        """The code of the first top-level error (the request must fail)."""
        body = await self.raw(query, variables)
        assert body.get("errors"), body
        return body["errors"][0]["extensions"]["code"]


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["errors"]]
