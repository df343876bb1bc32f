"""Request fingerprints: a stable hash of what an idempotent request asked for."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def fingerprint(body: Any) -> str:
    """SHA-256 of the canonical JSON of `body` (sorted keys; Decimals and dates as strings)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
