"""The tree stays ruff clean and type-checked: lint, format and mypy are part of the suite, so CI
enforces them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ruff() -> str:
    ruff = Path(sys.executable).parent / "ruff"
    return str(ruff) if ruff.exists() else shutil.which("ruff") or "ruff"


def test_ruff_finds_nothing_to_fix() -> None:
    result = subprocess.run(
        [_ruff(), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted() -> None:
    result = subprocess.run(
        [_ruff(), "format", "--check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_type_checker_finds_nothing() -> None:
    # Strict over core, gamification, badges, challenges, workers and bootstrap (pyproject.toml).
    mypy = Path(sys.executable).parent / "mypy"
    result = subprocess.run(
        [str(mypy), "--no-incremental"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
