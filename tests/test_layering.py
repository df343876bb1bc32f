"""The layering of docs/architecture.md holds: import-linter's contracts (pyproject.toml) are
part of the suite, imports inside functions included."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "bootstrap", "workers", "badges", "challenges", "gamification", "core")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    tool = Path(sys.executable).parent / "lint-imports"
    return subprocess.run(
        [str(tool), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


def test_every_import_follows_the_layers() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def _copy_of_the_tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_an_import_of_badges_inside_a_core_function_breaks_the_contract(tmp_path: Path) -> None:
    tree = _copy_of_the_tree(tmp_path)
    eligibility = tree / "gamification" / "rewards" / "eligibility.py"
    eligibility.write_text(
        eligibility.read_text()
        + "\n\nasync def sneaky(member_id: int) -> bool:\n"
        + "    from badges import holders\n\n"
        + "    return await holders.has_badge(member_id, 1)\n"
    )
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "gamification.rewards.eligibility -> badges.holders" in result.stdout


def test_a_lower_core_package_importing_a_higher_one_breaks_the_contract(
    tmp_path: Path,
) -> None:
    tree = _copy_of_the_tree(tmp_path)
    ledger = tree / "gamification" / "points" / "ledger.py"
    ledger.write_text(ledger.read_text() + "\nfrom gamification.games import prizes  # noqa\n")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "gamification.points is not allowed to import gamification.games" in result.stdout
