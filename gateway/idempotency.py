"""Idempotent writes. Every write carries a key — the consumer's (`Idempotency-Key` HTTP header)
or one derived from what it asks (citizen + unit + slot + time type for a booking; the booking and
its new time for a rebooking; the booking for a cancellation) — and the ledger holds at most one
row per key (a unique index). A retried or duplicated request gets the first answer and never
books twice; a request whose first attempt timed out is reconciled with the region before the
region is asked again.

Derived keys only hold what the region did: a refusal, a failure or a booking since cancelled
releases the key, so a citizen who fixes the reason, or books a cancelled time again, is not
answered from the past. A consumer's own key always returns the first answer."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from dataclasses import dataclass, replace

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from adapters.domain import BookingOutcome, RequestContext
from gateway.db.database import Database
from gateway.db.models import LedgerRow
from gateway.ledger import Ledger, LedgerStatus, WriteIntent, outcome_of
from gateway.protection import CitizenProtector

__all__ = ["IDEMPOTENCY_HEADER", "Claim", "IdempotencyGuard"]

IDEMPOTENCY_HEADER = "Idempotency-Key"
# A pending row older than this belongs to an attempt that died: reconcile instead of waiting.
PENDING_WAIT = dt.timedelta(seconds=15)


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of claiming a key: our own pending `row`, or the `first` answer, or an earlier
    attempt that may have reached the region and must be `reconciled` first."""

    row: LedgerRow | None = None
    first: BookingOutcome | None = None
    reconcile: LedgerRow | None = None


class IdempotencyGuard:
    def __init__(self, database: Database, ledger: Ledger, protector: CitizenProtector) -> None:
        self._database = database
        self._ledger = ledger
        self._protector = protector

    def key_for(self, context: RequestContext, intent: WriteIntent) -> tuple[str, bool]:
        """(key, whether the consumer gave it)."""
        given = context.extra_headers.get(IDEMPOTENCY_HEADER)
        if given:
            return f"{intent.operation}:c:{context.consumer_id or '-'}:{given.strip()[:80]}", True
        slot = intent.slot
        parts = [
            intent.operation,
            intent.region_code,
            intent.care_unit.upper(),
            self._protector.reference(intent.citizen) if intent.citizen else "-",
            intent.booking_id or "-",
        ]
        if slot is not None:
            parts += [
                slot.start.astimezone(dt.UTC).isoformat() if slot.start else "-",
                slot.end.astimezone(dt.UTC).isoformat() if slot.end else "-",
                str(slot.performer or "-"),
                slot.time_type_id or "-",
                slot.slot_id or "-",
            ]
        digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
        return f"{intent.operation}:d:{digest}", False

    async def claim(self, intent: WriteIntent, key: str, explicit: bool) -> Claim:
        keyed = replace(intent, idempotency_key=key)
        for _attempt in range(200):
            try:
                async with self._database.sessions.begin() as session:
                    row = self._ledger.open(session, keyed)
                return Claim(row=row)
            except IntegrityError:
                pass
            existing = await self._existing(key)
            if existing is None:
                continue  # released meanwhile: try again
            if existing.status == LedgerStatus.PENDING:
                if _age(existing) < PENDING_WAIT:
                    await asyncio.sleep(0.05)  # the first attempt is still with the region
                    continue
                return Claim(reconcile=existing)
            if existing.status == LedgerStatus.UNCERTAIN:
                return Claim(reconcile=existing)
            if existing.status == LedgerStatus.DONE and (explicit or await self._still_answers(existing)):
                return Claim(first=outcome_of(existing))
            if existing.status == LedgerStatus.REFUSED and explicit:
                return Claim(first=outcome_of(existing))
            await self.release(existing)  # failed, refused (derived key) or since cancelled
        raise RuntimeError(f"could not claim idempotency key {key[:20]}…")

    async def _existing(self, key: str) -> LedgerRow | None:
        async with self._database.sessions() as session:
            found: LedgerRow | None = await session.scalar(select(LedgerRow).where(LedgerRow.idempotency_key == key))
            return found

    async def _still_answers(self, row: LedgerRow) -> bool:
        """Whether a done write answers a repeat of it under a derived key. A booking or a
        rebooking does, until it is cancelled; a repeated cancellation or confirmation is asked
        again, so that it hears the truth of today (already cancelled, already confirmed)."""
        if row.operation not in {"book", "rebook"}:
            return False
        if not row.booking_id:
            return True
        async with self._database.sessions() as session:
            return not await self._ledger.was_cancelled(session, row.region_code, row.booking_id)

    async def release(self, row: LedgerRow) -> None:
        async with self._database.sessions.begin() as session:
            await session.execute(
                update(LedgerRow)
                .where(LedgerRow.id == row.id, LedgerRow.idempotency_key == row.idempotency_key)
                .values(idempotency_key=f"{row.idempotency_key}:released:{row.id}")
            )

    async def take_over(self, row: LedgerRow) -> LedgerRow:
        """Make an earlier attempt's row ours again (pending), after reconciling found nothing."""
        async with self._database.sessions.begin() as session:
            merged = await session.merge(row)
            merged.status = LedgerStatus.PENDING
            merged.updated_at = dt.datetime.now(dt.UTC)
        return merged


def _age(row: LedgerRow) -> dt.timedelta:
    return dt.datetime.now(dt.UTC) - row.updated_at
