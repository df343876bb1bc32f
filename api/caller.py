"""Who is calling: resolved once per request by the authentication middleware."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CallerKind = Literal["anonymous", "invalid", "member", "staff", "integration"]


@dataclass(frozen=True, slots=True)
class Caller:
    kind: CallerKind
    program_id: int | None = None
    subject_id: int | None = None  # member, staff user or API key id
    role: str | None = None  # staff role
    issued_at: float = 0.0  # when the access token was issued (Unix seconds)
    problem: str | None = None  # why a presented credential was refused

    @property
    def member_id(self) -> int:
        assert self.kind == "member" and self.subject_id is not None
        return self.subject_id

    @property
    def staff_id(self) -> int:
        assert self.kind == "staff" and self.subject_id is not None
        return self.subject_id


ANONYMOUS = Caller(kind="anonymous")
