"""arq workers: `arq workers.WorkerSettings`. Jobs only schedule and call domain services."""

from workers.settings import WorkerSettings

__all__ = ["WorkerSettings"]
