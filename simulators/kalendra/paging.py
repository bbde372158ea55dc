"""Cursor paging: `?cursor=…&limit=…` in, `{"items": […], "next_cursor": … | null}` out.

A cursor is opaque to clients: URL-safe base64 of the last item's sort key plus a fingerprint of
the query it belongs to, so a cursor cannot be replayed against another query. Keyset paging: a
page never repeats or skips an item that existed before the first page was read and did not move."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from simulators.kalendra.errors import KalendraError

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "PageRequest", "page_of"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Where a page starts (`after`, the sort key of the last item seen) and how long it is."""

    scope: str
    after: tuple[Any, ...] | None
    limit: int

    @classmethod
    def parse(cls, cursor: str | None, limit: int | None, scope: object) -> PageRequest:
        fingerprint = hashlib.sha256(json.dumps(scope, sort_keys=True, default=str).encode()).hexdigest()[:16]
        size = DEFAULT_LIMIT if limit is None else limit
        if not 1 <= size <= MAX_LIMIT:
            raise KalendraError.invalid(f"limit must be between 1 and {MAX_LIMIT}")
        if cursor is None or cursor == "":
            return cls(fingerprint, None, size)
        try:
            decoded = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
            scope_of_cursor, after = decoded["s"], decoded["k"]
        except (ValueError, KeyError, TypeError) as exc:
            raise KalendraError.invalid("cursor is not one this API gave out") from exc
        if scope_of_cursor != fingerprint or not isinstance(after, list):
            raise KalendraError.invalid("cursor belongs to another query")
        return cls(fingerprint, tuple(after), size)

    def cursor_after(self, key: Sequence[Any]) -> str:
        raw = json.dumps({"s": self.scope, "k": list(key)}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def page_of(
    rows: Sequence[Row], request: PageRequest, key: Callable[[Row], Sequence[Any]], render: Callable[[Row], Any]
) -> dict[str, Any]:
    """`rows` were fetched with LIMIT `request.limit + 1`: the extra row says whether more follow."""
    visible = rows[: request.limit]
    more = len(rows) > request.limit
    return {
        "items": [render(row) for row in visible],
        "next_cursor": request.cursor_after(key(visible[-1])) if more and visible else None,
    }
