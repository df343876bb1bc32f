"""A drawn contest's public record, fetched from the GraphQL API the way any member could:
the contest's seed, commitment, hash, prizes and winners, and its entry list page by page.
`python -m api fetch-draw-record` writes it for `python -m api verify-draw` (docs/games.md)."""

from __future__ import annotations

from typing import Any

import httpx

RECORD = """
query($id: ID!, $first: Int!) {
  contest(id: $id) {
    status seed seedCommitment entryListHash allowMultipleWins
    prizes { id quantity }
    winners { slot entryId memberId displayName prize { id } }
    entryList(first: $first) { id memberId entries }
  }
}
"""

ENTRY_PAGE = """
query($id: ID!, $after: ID!, $first: Int!) {
  contest(id: $id) { entryList(after: $after, first: $first) { id memberId entries } }
}
"""


class RecordUnavailable(Exception):
    """The API refused, or the contest is not drawn yet."""


def fetch_record(
    client: httpx.Client, url: str, contest_id: str, token: str, page_size: int = 10_000
) -> dict[str, Any]:
    """The record, its entry list joined from pages of `page_size` entries."""

    def ask(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = client.post(
            url,
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        try:
            body = response.json()
        except ValueError as error:
            raise RecordUnavailable(f"HTTP {response.status_code}: not a GraphQL answer") from error
        if body.get("errors"):
            error = body["errors"][0]
            code = error.get("extensions", {}).get("code", "ERROR")
            raise RecordUnavailable(f"{code}: {error.get('message', '')}")
        return body["data"]["contest"]

    record = ask(RECORD, {"id": contest_id, "first": page_size})
    if record["status"] != "DRAWN" or record["entryList"] is None:
        raise RecordUnavailable(f"contest {contest_id} is {record['status']}, not drawn yet")
    page = record["entryList"]
    while len(page) == page_size:
        variables = {"id": contest_id, "after": page[-1]["id"], "first": page_size}
        page = ask(ENTRY_PAGE, variables)["entryList"]
        record["entryList"].extend(page)
    return record
