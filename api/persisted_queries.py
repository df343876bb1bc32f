"""Persisted queries: Apollo's automatic persisted queries (APQ), and an allow-list of registered
operations for production.

APQ, as Apollo Client's persisted-queries link (and Relay set up alike) speaks it: a client sends
`extensions.persistedQuery = {version: 1, sha256Hash}` and no text. A hash we know runs as its
text; an unknown one is answered `PersistedQueryNotFound` (`extensions.code` =
`PERSISTED_QUERY_NOT_FOUND`), and the client sends the same request again with its text. The
text must hash to the hash it came with; it is then kept in Redis, and hash-only requests run
from then on, over GET too, where a short, stable URL is what lets an HTTP cache or a CDN key on
an operation and its variables.

What is kept is bounded: documents over `max_bytes` still run but are not kept, each kept one
lives `ttl_seconds`, and at most `max_documents` are kept (the oldest go first). Forgetting one
costs its client one round trip: the protocol makes any loss harmless. Keys carry the
deployment's prefix inside a hash tag, so deployments can share a Redis, and a Redis Cluster
keeps them all in one slot (the store script touches several at once).

Registered operations (`python -m api register-operations FILE`) are kept without expiry. With
`registered_only` (the REGISTERED_OPERATIONS_ONLY setting) they are the only documents that run:
any other text, sent with a hash or alone, is refused with `OPERATION_NOT_REGISTERED`, and
nothing is kept automatically. They live in Redis, so a deploy registers its clients' operations
after `migrate` (registering again changes nothing).

A hash names exactly one text (SHA-256), so texts already seen are kept in process too, which
spares hash-only requests their Redis round trip: nothing can make such an entry wrong.

Without Redis, APQ degrades to sending texts: a hash it cannot look up is not found, and a text
it cannot keep still runs. The allow-list cannot be read then: operations this process has not
checked yet are refused with `PERSISTED_QUERIES_UNAVAILABLE` (503), never run unchecked.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from graphql import GraphQLError, GraphQLSchema, parse, validate

from core.redis import UNREACHABLE, RedisClient, ScriptCall, run_scripts
from core.settings import Settings

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
INVALID = "PERSISTED_QUERY_INVALID"
HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
NOT_REGISTERED = "OPERATION_NOT_REGISTERED"
UNAVAILABLE = "PERSISTED_QUERIES_UNAVAILABLE"

log = structlog.get_logger("api.persisted_queries")

VERSION = 1
_HASH = re.compile(r"[0-9a-f]{64}")
# Texts kept in process, per process (a few hundred operations per app version is typical).
_LOCAL_SIZE = 2048

# Keeps one document for `ttl` seconds and drops what goes past the bounds, atomically.
# KEYS[1] the document, KEYS[2] the index (hash -> time kept); ARGV: text, ttl, max documents,
# hash, the documents' key prefix. The documents it evicts share KEYS' hash tag (one slot).
_STORE = """
local time = redis.call('TIME')
local now = tonumber(time[1]) + tonumber(time[2]) / 1000000
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - ttl)
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if over > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #oldest, 2 do redis.call('DEL', ARGV[5] .. oldest[i]) end
end
redis.call('EXPIRE', KEYS[2], ttl)
return 1
"""


class PersistedQueryRefused(Exception):
    """The request cannot run as sent; `code` says why (a step of the protocol for NOT_FOUND)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Limits:
    ttl_seconds: int
    max_bytes: int
    max_documents: int


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class PersistedQueries:
    def __init__(
        self, redis: RedisClient, prefix: str, limits: Limits, registered_only: bool = False
    ) -> None:
        self.redis = redis
        self.limits = limits
        self.registered_only = registered_only
        tag = "{" + prefix + ":persisted-queries}"
        self._registered_key = f"{tag}:registered"
        self._auto_prefix = f"{tag}:auto:"
        self._index_key = f"{tag}:auto-index"
        # Known texts by hash: registered ones, or any seen when no allow-list applies.
        self._known: dict[str, str] = {}

    @classmethod
    def from_settings(cls, settings: Settings, redis: RedisClient) -> PersistedQueries:
        limits = Limits(
            ttl_seconds=settings.persisted_queries_ttl_seconds,
            max_bytes=settings.persisted_queries_max_bytes,
            max_documents=settings.persisted_queries_max_documents,
        )
        return cls(
            redis,
            settings.persisted_queries_prefix,
            limits,
            registered_only=settings.registered_operations_only,
        )

    async def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The text to run for a request's `query` and `extensions`, or PersistedQueryRefused."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if query is not None and self.registered_only:
                await self._require_registered(sha256(query))
            return query
        digest = _requested_hash(persisted)
        if query is None:
            text = await self._lookup(digest)
            if text is None:
                raise PersistedQueryRefused(NOT_FOUND, "PersistedQueryNotFound")
            return text
        if sha256(query) != digest:
            raise PersistedQueryRefused(
                HASH_MISMATCH,
                "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query text "
                "(hash the exact text sent, as UTF-8, in lowercase hex).",
            )
        if self.registered_only:
            await self._require_registered(digest)
        elif digest not in self._known:
            await self._keep(digest, query)
        return query

    async def register(self, documents: Mapping[str, str]) -> int:
        """Keep `documents` (hash -> text, each hash its text's SHA-256) without expiry; the
        number that were not registered before."""
        for digest, text in documents.items():
            if sha256(text) != digest:
                raise ValueError(f"{digest} is not the SHA-256 of its text")
        if not documents:
            return 0
        return int(await self.redis.hset(self._registered_key, mapping=dict(documents)))

    async def registered_count(self) -> int:
        return int(await self.redis.hlen(self._registered_key))

    async def is_kept(self, digest: str) -> bool:
        """Whether Redis holds the text of `digest`, registered or kept automatically."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hexists(self._registered_key, digest)
            pipe.exists(self._auto_prefix + digest)
            registered, automatic = await pipe.execute()
        return bool(registered or automatic)

    async def _lookup(self, digest: str) -> str | None:
        text = self._known.get(digest)
        if text is not None:
            return text
        if self.registered_only:
            text = await self._registered_text(digest)
        else:
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    pipe.hget(self._registered_key, digest)
                    pipe.get(self._auto_prefix + digest)
                    registered, automatic = await pipe.execute()
            except UNREACHABLE as error:
                log.warning("persisted query lookup failed", error=error.__class__.__name__)
                return None  # not found: the client sends the text, which runs
            text = registered or automatic
        if text is not None:
            self._remember(digest, text)
        return text

    async def _registered_text(self, digest: str) -> str | None:
        try:
            text: str | None = await self.redis.hget(self._registered_key, digest)
        except UNREACHABLE as error:
            log.warning("registered operations unreadable", error=error.__class__.__name__)
            raise PersistedQueryRefused(
                UNAVAILABLE, "Registered operations cannot be checked now; try again shortly."
            ) from None
        return text

    async def _require_registered(self, digest: str) -> None:
        if digest in self._known:
            return
        text = await self._registered_text(digest)
        if text is None:
            raise PersistedQueryRefused(
                NOT_REGISTERED,
                "This server runs registered operations only, and this one is not registered "
                "(python -m api register-operations).",
            )
        self._remember(digest, text)

    async def _keep(self, digest: str, text: str) -> None:
        if len(text.encode()) <= self.limits.max_bytes:
            try:
                await run_scripts(self.redis, [self.store_call(digest, text)])
            except UNREACHABLE as error:
                # It still runs; a later request keeps it.
                log.warning("persisted query not kept", error=error.__class__.__name__)
                return
        self._remember(digest, text)

    def store_call(self, digest: str, text: str) -> ScriptCall:
        """The script call that keeps `text` under `digest` (and evicts past the bounds: the
        documents under the prefix it is given, of the same tag)."""
        return ScriptCall(
            _STORE,
            keys=[self._auto_prefix + digest, self._index_key],
            args=[
                text,
                str(self.limits.ttl_seconds),
                str(self.limits.max_documents),
                digest,
                self._auto_prefix,
            ],
        )

    def _remember(self, digest: str, text: str) -> None:
        if len(self._known) >= _LOCAL_SIZE:
            self._known.clear()
        self._known[digest] = text


def _requested_hash(persisted: object) -> str:
    if not isinstance(persisted, dict) or persisted.get("version") != VERSION:
        raise PersistedQueryRefused(
            INVALID, "extensions.persistedQuery must be {version: 1, sha256Hash: <hex>}."
        )
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _HASH.fullmatch(digest):
        raise PersistedQueryRefused(
            INVALID, "extensions.persistedQuery.sha256Hash must be 64 lowercase hex digits."
        )
    return digest


class OperationsFileError(ValueError):
    """A file of operations that cannot be registered; the message says where and why."""


def read_operations(path: Path, schema: GraphQLSchema) -> dict[str, str]:
    """The documents of a client's extracted operations, by SHA-256, each valid against `schema`.

    Reads Apollo's persisted-query manifest (`@apollo/generate-persisted-query-manifest`, its
    default ids), a Relay query map (`{"<sha256>": "<text>"}`, relay-compiler's `persist` with
    SHA256), or a `.graphql` file, registered as the one document it is (a client sends it
    verbatim, with an operation name when it holds several)."""
    try:
        raw = path.read_text()
    except OSError as error:
        raise OperationsFileError(f"{path}: {error.strerror}") from None
    documents = _json_documents(path, raw) if path.suffix == ".json" else {sha256(raw): raw}
    for digest, text in documents.items():
        try:
            problems = validate(schema, parse(text))
        except GraphQLError as error:
            problems = [error]
        if problems:
            raise OperationsFileError(
                f"{path}: operation {digest[:12]}… does not validate against the schema: "
                f"{problems[0].message}"
            )
    return documents


def _json_documents(path: Path, raw: str) -> dict[str, str]:
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise OperationsFileError(f"{path}: not JSON ({error})") from None
    if isinstance(data, dict) and data.get("format") == "apollo-persisted-query-manifest":
        if data.get("version") != 1 or not isinstance(data.get("operations"), list):
            raise OperationsFileError(f"{path}: only version 1 manifests with operations are read")
        pairs = []
        for operation in data["operations"]:
            if not isinstance(operation, dict):
                raise OperationsFileError(f"{path}: an operation is not an object")
            pairs.append((operation.get("id"), operation.get("body"), operation.get("name")))
    elif isinstance(data, dict):
        pairs = [(key, value, key) for key, value in data.items()]
    else:
        raise OperationsFileError(f"{path}: neither an Apollo manifest nor a Relay query map")
    documents: dict[str, str] = {}
    for digest, body, name in pairs:
        if not isinstance(digest, str) or not isinstance(body, str):
            raise OperationsFileError(f"{path}: operation {name!r} needs a string id and body")
        if sha256(body) != digest:
            raise OperationsFileError(
                f"{path}: operation {name!r}: its id is not the SHA-256 of its body; generate "
                "the manifest with the default ids (what the persisted-queries link sends)"
            )
        documents[digest] = body
    return documents
