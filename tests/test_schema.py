"""The committed schema.graphql is what the code serves."""

from __future__ import annotations

from api.__main__ import SCHEMA_PATH, export_schema_text


def test_committed_schema_matches_the_code() -> None:
    assert SCHEMA_PATH.read_text() == export_schema_text(), (
        "schema.graphql is stale: run `make schema` and commit it"
    )
