"""The ledger of writes made through the gateway. A row is opened (pending) before the region is
called and closed with the region's answer, in the same transaction as the call's audit row; a
row left pending or uncertain tells an operator exactly which writes need reconciling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.domain import BookingOutcome, ErrorCode, ResultCode, Timeslot
from adapters.identifiers import PersonalIdentity
from gateway.db.models import LedgerRow
from gateway.protection import CitizenProtector

__all__ = ["Ledger", "LedgerStatus", "WriteIntent"]


class LedgerStatus:
    PENDING = "pending"  # asked the region, no answer yet
    DONE = "done"  # the region did it (OK or INFO)
    REFUSED = "refused"  # the region or a rule said no (ERROR)
    FAILED = "failed"  # the call did not complete; nothing happened
    UNCERTAIN = "uncertain"  # timed out: the region may or may not have done it


@dataclass(frozen=True, slots=True)
class WriteIntent:
    operation: str  # book | rebook | cancel
    region_code: str
    care_unit: str
    citizen: PersonalIdentity | None
    booking_id: str | None = None
    slot: Timeslot | None = None
    idempotency_key: str | None = None


class Ledger:
    def __init__(self, protector: CitizenProtector) -> None:
        self._protector = protector

    def open(self, session: AsyncSession, intent: WriteIntent) -> LedgerRow:
        slot = intent.slot
        row = LedgerRow(
            idempotency_key=intent.idempotency_key,
            operation=intent.operation,
            status=LedgerStatus.PENDING,
            region_code=intent.region_code,
            care_unit=intent.care_unit,
            citizen_ref=self._protector.reference(intent.citizen) if intent.citizen else None,
            booking_id=intent.booking_id,
            time_type_id=slot.time_type_id if slot else None,
            slot_start=slot.start if slot else None,
            slot_end=slot.end if slot else None,
        )
        session.add(row)
        return row

    @staticmethod
    def close(row: LedgerRow, outcome: BookingOutcome) -> None:
        row.status = LedgerStatus.DONE if outcome.succeeded else LedgerStatus.REFUSED
        row.result_code = outcome.code.value
        row.error_code = outcome.error.value if outcome.error else None
        row.result_text = outcome.text
        if outcome.booking_id:
            row.booking_id = outcome.booking_id
        row.updated_at = dt.datetime.now(dt.UTC)

    @staticmethod
    async def rebooking_count(session: AsyncSession, region_code: str, booking_id: str) -> int:
        """How many times the booking has been moved through the gateway."""
        return int(
            await session.scalar(
                select(func.count())
                .select_from(LedgerRow)
                .where(
                    LedgerRow.region_code == region_code,
                    LedgerRow.booking_id == booking_id,
                    LedgerRow.operation == "rebook",
                    LedgerRow.status == LedgerStatus.DONE,
                )
            )
            or 0
        )

    @staticmethod
    async def rebooking_counts(session: AsyncSession, region_code: str, booking_ids: Sequence[str]) -> dict[str, int]:
        """`rebooking_count` for several bookings in one query (those never moved are left out)."""
        if not booking_ids:
            return {}
        rows = await session.execute(
            select(LedgerRow.booking_id, func.count())
            .where(
                LedgerRow.region_code == region_code,
                LedgerRow.booking_id.in_(sorted(set(booking_ids))),
                LedgerRow.operation == "rebook",
                LedgerRow.status == LedgerStatus.DONE,
            )
            .group_by(LedgerRow.booking_id)
        )
        return {str(booking_id): int(count) for booking_id, count in rows.all()}

    @staticmethod
    async def was_cancelled(session: AsyncSession, region_code: str, booking_id: str) -> bool:
        """Whether the booking was cancelled through the gateway (regions may forget cancelled ids)."""
        found = await session.scalar(
            select(LedgerRow.id)
            .where(
                LedgerRow.region_code == region_code,
                LedgerRow.booking_id == booking_id,
                LedgerRow.operation == "cancel",
                LedgerRow.status == LedgerStatus.DONE,
            )
            .limit(1)
        )
        return found is not None

    @staticmethod
    def fail(row: LedgerRow, status: str, detail: str) -> None:
        row.status = status
        row.result_text = detail
        row.updated_at = dt.datetime.now(dt.UTC)


def outcome_of(row: LedgerRow) -> BookingOutcome:
    """The answer a closed ledger row recorded (what a retried write gets back)."""
    return BookingOutcome(
        code=ResultCode(row.result_code or "ERROR"),
        text=row.result_text,
        booking_id=row.booking_id if row.operation == "book" else None,
        error=ErrorCode(row.error_code) if row.error_code else None,
    )
