"""The engagement index (engagemangsindex): which care units hold which citizen's future bookings
and invitations, so the national calendar knows whom to ask.

It is kept up to date by every booking, rebooking and cancellation that passes through the
gateway (in the same transaction as the ledger row), by the bookings the gateway sees when it
reads a unit's schedule, and by regions calling the contract's Update for bookings made in their
own systems. Citizens are keyed hashes; past entries are purged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.domain import Booking, BookingOutcome
from adapters.identifiers import PersonalIdentity
from gateway.db.database import Database
from gateway.db.models import EngagementRow
from gateway.protection import CitizenProtector

__all__ = ["SCHEDULING_DOMAIN", "Engagement", "EngagementIndex"]

SCHEDULING_DOMAIN = "riv:crm:scheduling"
# An entry stays findable this long after its start: a visit in progress is still "upcoming".
GRACE = dt.timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class Engagement:
    """One entry as the contract names its parts."""

    service_domain: str
    categorization: str
    logical_address: str
    business_object_id: str
    source_system: str
    data_controller: str | None
    most_recent_content: dt.datetime
    updated_at: dt.datetime


class EngagementIndex:
    def __init__(self, database: Database, protector: CitizenProtector, source_system: str) -> None:
        self._database = database
        self._protector = protector
        self.source_system = source_system

    def reference(self, citizen: PersonalIdentity | str) -> str:
        """The citizen's keyed hash, as the index stores it."""
        return self._protector.reference(citizen)

    async def upsert(
        self,
        session: AsyncSession,
        citizen: PersonalIdentity | str,
        logical_address: str,
        business_object_id: str,
        most_recent_content: dt.datetime,
        *,
        service_domain: str = SCHEDULING_DOMAIN,
        categorization: str = "NA",
        source_system: str | None = None,
        data_controller: str | None = None,
    ) -> None:
        """Create or refresh one entry inside the caller's transaction."""
        values: dict[str, Any] = {
            "citizen_ref": self.reference(citizen),
            "service_domain": service_domain,
            "categorization": categorization,
            "logical_address": logical_address.upper(),
            "business_object_id": business_object_id,
            "source_system": source_system or self.source_system,
            "data_controller": data_controller,
            "most_recent_content": most_recent_content,
            "updated_at": dt.datetime.now(dt.UTC),
        }
        key = ["citizen_ref", "service_domain", "logical_address", "business_object_id"]
        changes = {
            k: values[k]
            for k in ("categorization", "source_system", "data_controller", "most_recent_content", "updated_at")
        }
        insert = postgresql.insert if self._database.engine.dialect.name == "postgresql" else sqlite.insert
        statement: Any = insert(EngagementRow).values(values).on_conflict_do_update(index_elements=key, set_=changes)
        await session.execute(statement)

    async def remove(
        self,
        session: AsyncSession,
        logical_address: str,
        business_object_id: str,
        *,
        citizen: PersonalIdentity | str | None = None,
        service_domain: str = SCHEDULING_DOMAIN,
    ) -> None:
        conditions = [
            EngagementRow.service_domain == service_domain,
            EngagementRow.logical_address == logical_address.upper(),
            EngagementRow.business_object_id == business_object_id,
        ]
        if citizen is not None:
            conditions.append(EngagementRow.citizen_ref == self.reference(citizen))
        await session.execute(delete(EngagementRow).where(*conditions))

    async def after_write(
        self,
        session: AsyncSession,
        operation: str,
        citizen: PersonalIdentity | None,
        care_unit: str,
        booking_id: str | None,
        start: dt.datetime | None,
        outcome: BookingOutcome,
    ) -> None:
        """Keep the index in step with a write the region accepted."""
        if not outcome.succeeded:
            return
        if operation == "cancel" and booking_id:
            await self.remove(session, care_unit, booking_id)
            return
        if citizen is None or start is None:
            return
        current = outcome.booking_id or booking_id
        if operation == "rebook" and booking_id and current and current != booking_id:
            await self.remove(session, care_unit, booking_id)
        if current and operation in {"book", "rebook"}:
            await self.upsert(session, citizen, care_unit, current, start)

    async def seen(self, session: AsyncSession, bookings: Iterable[Booking]) -> None:
        """Bookings read from a unit's schedule: the index learns of those made elsewhere."""
        for booking in bookings:
            if booking.slot.start is not None:
                await self.upsert(
                    session, booking.citizen, booking.slot.care_unit, booking.booking_id, booking.slot.start
                )

    async def unrecorded(
        self, session: AsyncSession, citizen: PersonalIdentity, bookings: Iterable[Booking]
    ) -> list[Booking]:
        """Of one citizen's bookings read from a region, those the index lacks or holds at another
        time — what `seen` must write. Reading a schedule is frequent and its bookings rarely new:
        one query here spares a write transaction on almost every read."""
        timed = {
            (b.slot.care_unit.upper(), b.booking_id): b
            for b in bookings
            if b.slot.start is not None and b.citizen == citizen
        }
        if not timed:
            return []
        rows = await session.execute(
            select(
                EngagementRow.logical_address, EngagementRow.business_object_id, EngagementRow.most_recent_content
            ).where(
                EngagementRow.citizen_ref == self.reference(citizen),
                EngagementRow.service_domain == SCHEDULING_DOMAIN,
                EngagementRow.business_object_id.in_(sorted({booking_id for _unit, booking_id in timed})),
            )
        )
        recorded = {(unit, booking_id): at for unit, booking_id, at in rows.all()}
        return [b for key, b in timed.items() if recorded.get(key) != b.slot.start]

    async def units_for(
        self, citizen: PersonalIdentity | str, now: dt.datetime, service_domain: str = SCHEDULING_DOMAIN
    ) -> list[str]:
        """The units that hold the citizen's upcoming bookings."""
        async with self._database.sessions() as session:
            rows = await session.scalars(
                select(EngagementRow.logical_address)
                .where(
                    EngagementRow.citizen_ref == self.reference(citizen),
                    EngagementRow.service_domain == service_domain,
                    EngagementRow.most_recent_content >= now - GRACE,
                )
                .distinct()
            )
            return sorted(rows.all())

    async def find(
        self,
        citizen: PersonalIdentity | str,
        service_domain: str,
        *,
        logical_address: str | None = None,
        business_object_id: str | None = None,
        categorization: str | None = None,
    ) -> list[Engagement]:
        conditions = [
            EngagementRow.citizen_ref == self.reference(citizen),
            EngagementRow.service_domain == service_domain,
        ]
        if logical_address:
            conditions.append(EngagementRow.logical_address == logical_address.upper())
        if business_object_id:
            conditions.append(EngagementRow.business_object_id == business_object_id)
        if categorization:
            conditions.append(EngagementRow.categorization == categorization)
        async with self._database.sessions() as session:
            rows = (await session.scalars(select(EngagementRow).where(*conditions))).all()
        return [
            Engagement(
                r.service_domain,
                r.categorization,
                r.logical_address,
                r.business_object_id,
                r.source_system,
                r.data_controller,
                r.most_recent_content,
                r.updated_at,
            )
            for r in rows
        ]

    async def purge(self, now: dt.datetime) -> int:
        """Forget entries whose time has passed."""
        async with self._database.sessions.begin() as session:
            result = await session.execute(delete(EngagementRow).where(EngagementRow.most_recent_content < now - GRACE))
        return int(getattr(result, "rowcount", 0) or 0)
