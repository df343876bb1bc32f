"""What a newcomer opens first is there and true: the licence pyproject.toml names, and an
`.env.example` listing every setting with its real default."""

from __future__ import annotations

import re
from pathlib import Path

from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_the_licence_pyproject_names_is_shipped() -> None:
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text()
    assert "Apache License" in (ROOT / "LICENSE").read_text()


def test_env_example_lists_every_setting_with_its_default(tmp_path: Path) -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    shown = dict(m.groups() for line in lines if (m := re.match(r"^# ([A-Z_]+)=(.*)$", line)))
    assert set(shown) == {name.upper() for name in Settings.model_fields}
    # Uncommented, the file gives the same settings as none at all.
    env = tmp_path / ".env"
    env.write_text("".join(f"{k}={v}\n" for k, v in shown.items() if v))
    assert Settings(_env_file=env) == Settings(_env_file=None)  # type: ignore[call-arg]  # pydantic-settings' per-call option
