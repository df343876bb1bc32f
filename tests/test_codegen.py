"""A typed client is generated from schema.graphql as committed, with no edits: graphql-codegen
(the typescript and typescript-operations plugins) writes the schema's types and a mobile app's
operations' types, and tsc --strict compiles them with code that uses them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.node_clients import CLIENTS, run_node

ROOT = Path(__file__).resolve().parent.parent


def test_graphql_codegen_types_the_schema_and_a_mobile_apps_operations(tmp_path: Path) -> None:
    generated = run_node(
        "codegen.mjs",
        str(ROOT / "schema.graphql"),
        str(CLIENTS / "codegen" / "operations.graphql"),
        str(tmp_path),
    )
    assert generated.returncode == 0, generated.stderr
    operations = (tmp_path / "graphql.ts").read_text()
    assert "export type MeQuery = " in operations
    assert "export type RedeemRewardMutation = " in operations
    assert "export type ErrorCode =" in operations

    # The app's code compiles against them, and its two deliberate type errors are caught.
    shutil.copy(CLIENTS / "codegen" / "app.ts", tmp_path / "app.ts")
    compiled = subprocess.run(
        [
            "node",
            str(CLIENTS / "node_modules" / "typescript" / "bin" / "tsc"),
            "--noEmit",
            "--strict",
            "--target",
            "es2022",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
            str(tmp_path / "app.ts"),
            str(tmp_path / "schema.ts"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
