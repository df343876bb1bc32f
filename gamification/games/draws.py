"""The winner algorithm of a contest: a pure function of the seed, the entry list and the prizes.

Anyone can rerun it (`python -m api verify-draw`) from what a drawn contest publishes. The exact
algorithm, also in docs/games.md:

- The entry list is the contest's entries ordered by entry id ascending; each entry is
  `(entry_id, member_id, weight)` with weight = its number of entries (>= 1). Its hash is
  SHA-256 over the UTF-8 lines `"{entry_id},{member_id},{weight}\\n"`, in order, as hex.
- The random stream: the k-th number (k = 0, 1, 2...) is the first 8 bytes, big-endian unsigned,
  of HMAC-SHA256(key = seed (32 bytes), message = k as 8 bytes big-endian).
- A uniform integer below n: take the next number r; if r >= 2^64 - (2^64 mod n), reject it and
  take the next (no modulo bias); else the result is r mod n.
- Slots: the prizes in the published order, each repeated `quantity` times, numbered 0, 1, 2...
- For each slot in order: draw u uniform below W (the total weight of all entries); the winning
  entry is the first whose cumulative weight (sum of the weights up to and including it) is > u.
  Unless multiple wins are allowed, an entry of a member who already won is rejected and u drawn
  again (the same distribution as removing that member's entries). When every member has won,
  the remaining slots stay empty.
"""

from __future__ import annotations

import hashlib
import hmac
from array import array
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SEED_BYTES = 32
_TWO_64 = 1 << 64


@dataclass(frozen=True)
class Winner:
    slot: int
    prize_id: int
    entry_id: int
    member_id: int


def commitment(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


class EntryList:
    """The frozen entry list, kept in compact arrays (a million entries fit in a few tens of MB)."""

    def __init__(self) -> None:
        self.entry_ids = array("q")
        self.member_ids = array("q")
        self.cumulative = array("q")
        self.total = 0
        self._hash = hashlib.sha256()
        self._last_id = -1

    def add(self, rows: Iterable[tuple[int, int, int]]) -> None:
        """Append entries `(entry_id, member_id, weight)`, in ascending entry id order."""
        lines = []
        for entry_id, member_id, weight in rows:
            if entry_id <= self._last_id:
                raise ValueError("entries must be in ascending entry id order")
            if weight < 1:
                raise ValueError(f"entry {entry_id}: a weight is at least 1")
            self._last_id = entry_id
            self.total += weight
            self.entry_ids.append(entry_id)
            self.member_ids.append(member_id)
            self.cumulative.append(self.total)
            lines.append(f"{entry_id},{member_id},{weight}\n")
        self._hash.update("".join(lines).encode())

    def __len__(self) -> int:
        return len(self.entry_ids)

    @property
    def hash(self) -> str:
        return self._hash.hexdigest()


class Stream:
    """The HMAC-SHA256 counter stream of a seed."""

    def __init__(self, seed: bytes) -> None:
        if len(seed) != SEED_BYTES:
            raise ValueError("a seed is 32 bytes")
        self.seed = seed
        self.counter = 0

    def next64(self) -> int:
        block = hmac.new(self.seed, self.counter.to_bytes(8, "big"), hashlib.sha256).digest()
        self.counter += 1
        return int.from_bytes(block[:8], "big")

    def below(self, n: int) -> int:
        if not 0 < n < _TWO_64:
            raise ValueError("n is between 1 and 2^64 - 1")
        limit = _TWO_64 - _TWO_64 % n
        while True:
            r = self.next64()
            if r < limit:
                return r % n


def draw_winners(
    seed: bytes,
    entries: EntryList,
    prizes: list[tuple[int, int]],
    allow_multiple_wins: bool = False,
) -> list[Winner]:
    """The winners of each slot of `prizes` (`[(prize_id, quantity)]`, in draw order)."""
    if entries.total == 0:
        return []
    stream = Stream(seed)
    distinct_members = len(set(entries.member_ids)) if not allow_multiple_wins else 0
    won: set[int] = set()
    winners: list[Winner] = []
    slot = 0
    for prize_id, quantity in prizes:
        for _ in range(quantity):
            if not allow_multiple_wins and len(won) == distinct_members:
                return winners
            while True:
                index = bisect_right(entries.cumulative, stream.below(entries.total))
                member_id = entries.member_ids[index]
                if allow_multiple_wins or member_id not in won:
                    break
            won.add(member_id)
            winners.append(Winner(slot, prize_id, entries.entry_ids[index], member_id))
            slot += 1
    return winners


def verify(record: dict[str, Any]) -> dict[str, Any]:
    """Recompute a published draw. `record` is the `contest` object of the public GraphQL query
    (docs/games.md), or the whole response around it:
    {"seed", "seedCommitment"?, "entryListHash"?, "allowMultipleWins"?, "prizes": [{"id",
    "quantity"}] in draw order, "entryList": [{"id", "memberId", "entries"}], "winners"?:
    [{"slot", "entryId", "prize": {"id"}}]}."""
    if "data" in record:
        record = record["data"]["contest"]
    seed = bytes.fromhex(record["seed"])
    entries = EntryList()
    entries.add(
        (int(e["id"]), int(e["memberId"]), int(e["entries"]))
        for e in sorted(record["entryList"], key=lambda e: int(e["id"]))
    )
    prizes = [(int(p["id"]), int(p["quantity"])) for p in record["prizes"]]
    winners = draw_winners(seed, entries, prizes, bool(record.get("allowMultipleWins", False)))
    result: dict[str, Any] = {
        "entryListHash": entries.hash,
        "winners": [
            {
                "slot": w.slot,
                "prizeId": str(w.prize_id),
                "entryId": str(w.entry_id),
                "memberId": str(w.member_id),
            }
            for w in winners
        ],
    }
    checks = {}
    if record.get("seedCommitment"):
        checks["commitmentMatches"] = commitment(seed) == record["seedCommitment"]
    if record.get("entryListHash"):
        checks["entryListHashMatches"] = entries.hash == record["entryListHash"]
    if record.get("winners") is not None:
        published = sorted(
            (int(w["slot"]), int(w["prize"]["id"]), int(w["entryId"])) for w in record["winners"]
        )
        checks["winnersMatch"] = published == [(w.slot, w.prize_id, w.entry_id) for w in winners]
    result["checks"] = checks
    result["ok"] = all(checks.values())
    return result
