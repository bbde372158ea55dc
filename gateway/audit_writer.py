"""Audit rows of concurrent calls committed together (group commit), without weakening the rule
that a call is answered only once its audit row is stored.

A call that records nothing but its audit row (a search, a schedule read) hands the row to the
writer and waits until it is committed. The writer commits whatever rows are waiting in one
transaction; rows that arrive meanwhile wait for the next one. Idle, a row is committed at once
(a batch of one); under load the rows of the calls in flight share a transaction, which is most
of what an audit row costs: measured on SQLite, 1.0 ms of CPU per row committed alone, 0.17 ms in
batches of eight. If a batch cannot be committed, every call in it fails as it would have alone
(nothing of the batch is stored: one transaction), and the next batch is tried afresh.

Calls that write more than the audit row (bookings: the ledger row, the engagement index) keep
their own transaction, so their audit row commits or rolls back with what it describes."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import insert

from gateway.audit import AuditEvent, AuditLog
from gateway.db.database import Database
from gateway.db.models import AuditRow

__all__ = ["AuditNotStored", "AuditWriter"]

log = logging.getLogger("tidbok.audit")


class AuditNotStored(RuntimeError):
    """The audit row could not be committed; the call it describes must not be answered as done."""


class AuditWriter:
    def __init__(self, database: Database, audit: AuditLog, *, max_batch: int = 256) -> None:
        self._database = database
        self._audit = audit
        self._max_batch = max_batch
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.batches = 0  # transactions committed (for tests and the curious)
        self.rows = 0

    async def write(self, event: AuditEvent) -> None:
        """Return once the event's row is committed; raise `AuditNotStored` if it could not be."""
        loop = asyncio.get_running_loop()
        stored: asyncio.Future[None] = loop.create_future()
        self._waiting.append((self._audit.values(event), stored))
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush(), name="tidbok-audit-writer")
        # Shielded: a caller that goes away (the consumer hung up) does not take its row out of
        # the batch, nor the batch's outcome away from the others.
        await asyncio.shield(stored)

    async def _flush(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: len(batch)]
            try:
                async with self._database.engine.begin() as connection:
                    await connection.execute(insert(AuditRow), [values for values, _stored in batch])
            except Exception as exc:
                log.error("audit batch of %d rows not stored: %s", len(batch), type(exc).__name__)
                for _values, stored in batch:
                    if not stored.done():
                        failure = AuditNotStored(f"audit row not stored: {type(exc).__name__}")
                        failure.__cause__ = exc
                        stored.set_exception(failure)
                continue
            self.batches += 1
            self.rows += len(batch)
            for _values, stored in batch:
                if not stored.done():
                    stored.set_result(None)
