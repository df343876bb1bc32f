"""The parsed and validated documents are cached across requests (api/documents.py): a repeated
operation is not parsed or validated again."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema

from api import documents
from tests.builders import new_program, sign_up
from tests.graphql import GraphQLClient


async def test_a_repeated_operation_is_validated_once(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = await new_program()
    member = await sign_up(gql, program)
    calls = []
    parses = []
    real_validate = strawberry_schema.validate
    real_parse = documents.parse

    def counting_validate(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real_validate(*args, **kwargs)

    def counting_parse(*args: Any, **kwargs: Any) -> Any:
        parses.append(1)
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(strawberry_schema, "validate", counting_validate)
    monkeypatch.setattr(documents, "parse", counting_parse)
    # an alias makes the document new to this process's caches
    alias = f"a{uuid.uuid4().hex}"
    document = (
        "query Q($first: Int) { me { " + alias + ": ledger(first: $first) { edges { cursor } } } }"
    )
    for first in (1, 2, 3, 4):
        assert (await member.client.raw(document, {"first": first})).get("errors") is None
    assert len(calls) == 1 and len(parses) == 1
