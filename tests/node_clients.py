"""The real JavaScript clients of tests/clients/, run with Node. `make test` installs them
(`npm ci` from the committed package-lock.json) before the suite starts."""

from __future__ import annotations

import subprocess
from pathlib import Path

CLIENTS = Path(__file__).resolve().parent / "clients"
NODE = "node"


def run_node(script: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `tests/clients/<script>` with Node, failing with the install step when it is missing."""
    installed = CLIENTS / "node_modules" / ".installed"
    lock = CLIENTS / "package-lock.json"
    assert installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime, (
        "The Node clients are not installed (or older than package-lock.json): "
        "run `make test`, or `npm ci --prefix tests/clients`."
    )
    return subprocess.run(
        [NODE, str(CLIENTS / script), *args],
        cwd=CLIENTS,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
