"""Another process holding SQLite's write lock (`BEGIN EXCLUSIVE` in a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
"""


def database_path(database_url: str) -> str:
    return database_url.removeprefix("sqlite://").split("?", 1)[0]


@contextmanager
def write_lock_held(database_url: str) -> Iterator[Callable[[], None]]:
    """Hold the write lock of the database at `database_url` from another process until the
    block ends, or until the `release` it yields is called."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, database_path(database_url)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    stdin = holder.stdin

    def release() -> None:
        if not stdin.closed:
            stdin.close()  # the holder reads end of file and rolls back
            holder.wait(timeout=30)

    try:
        assert holder.stdout.readline().strip() == "locked"
        yield release
    finally:
        release()
        holder.stdout.close()
