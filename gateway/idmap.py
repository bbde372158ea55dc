"""Scheduling 2 ids for things a region may not have ids for.

scheduling 2 addresses slots and appointments by UUID; a crm:scheduling 1.1 region knows a slot
only by its times and attributes and a booking by a free-text bookingId. The gateway mints the
UUIDs and keeps, in its database, what each one stands for and which citizen it was shown to:

- appointment ids: the region's id itself when it already is a UUID (a scheduling 2 region),
  otherwise a name-based UUID (uuid5) of (region, unit, bookingId) — the same booking always has
  the same id, across restarts and gateway instances;
- slot ids: a name-based UUID of (citizen, region, slot), so the same slot shown again to the same
  citizen keeps its id, and a slot id from one citizen's answer does not open the slot to another.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from adapters.domain import Timeslot
from adapters.identifiers import HsaId, PersonalIdentity
from gateway.db.database import Database
from gateway.db.models import BookingAliasRow, IdMappingRow
from gateway.protection import CitizenProtector
from gateway.slot_json import slot_from_json, slot_to_json

__all__ = ["AppointmentRef", "IdMap", "SlotRef", "is_uuid"]

_NAMESPACE = uuid.UUID("6f1d7c1e-2f0a-5b8e-9d1c-7a3b2c4d5e6f")
APPOINTMENT = "appointment"
SLOT = "slot"


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


@dataclass(frozen=True, slots=True)
class AppointmentRef:
    appointment_id: str
    region_code: str
    care_unit: HsaId
    booking_id: str
    citizen_ref: str | None


@dataclass(frozen=True, slots=True)
class SlotRef:
    slot_uuid: str
    region_code: str
    slot: Timeslot
    citizen_ref: str | None


class IdMap:
    def __init__(self, database: Database, protector: CitizenProtector) -> None:
        self._database = database
        self._protector = protector

    def citizen_ref(self, citizen: PersonalIdentity | None) -> str | None:
        return self._protector.reference(citizen) if citizen is not None else None

    @staticmethod
    def appointment_id(region_code: str, care_unit: str, booking_id: str) -> str:
        if is_uuid(booking_id):
            return booking_id.lower()
        return str(uuid.uuid5(_NAMESPACE, f"{APPOINTMENT}|{region_code}|{care_unit.upper()}|{booking_id}"))

    def _slot_uuid(self, region_code: str, slot: Timeslot, citizen_ref: str | None) -> str:
        key = "|".join(
            str(part or "")
            for part in (
                SLOT,
                citizen_ref,
                region_code,
                slot.care_unit,
                slot.start.isoformat() if slot.start else None,
                slot.end.isoformat() if slot.end else None,
                slot.performer,
                slot.resource_id,
                slot.time_type_id,
                slot.slot_id,
            )
        )
        return str(uuid.uuid5(_NAMESPACE, key))

    async def _insert_ignoring_duplicates(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        dialect = self._database.engine.dialect.name
        if dialect == "postgresql":
            statement: Any = postgresql.insert(IdMappingRow).on_conflict_do_nothing(index_elements=["uuid"])
        elif dialect == "sqlite":
            statement = sqlite.insert(IdMappingRow).on_conflict_do_nothing(index_elements=["uuid"])
        else:  # pragma: no cover - other databases: one by one
            async with self._database.sessions.begin() as session:
                for row in rows:
                    if await session.get(IdMappingRow, row["uuid"]) is None:
                        session.add(IdMappingRow(**row))
            return
        async with self._database.sessions.begin() as session:
            await session.execute(statement, rows)

    async def remember_appointments(
        self, region_code: str, bookings: list[tuple[HsaId, str, PersonalIdentity | None]]
    ) -> list[str]:
        """Ids for (unit, bookingId, citizen) triples, recorded for the way back."""
        now = dt.datetime.now(dt.UTC)
        ids: list[str] = []
        rows: list[dict[str, Any]] = []
        for care_unit, booking_id, citizen in bookings:
            appointment_id = self.appointment_id(region_code, care_unit, booking_id)
            ids.append(appointment_id)
            rows.append(
                {
                    "uuid": appointment_id,
                    "kind": APPOINTMENT,
                    "region_code": region_code,
                    "care_unit": str(care_unit),
                    "native_id": booking_id,
                    "slot": None,
                    "citizen_ref": self.citizen_ref(citizen),
                    "created_at": now,
                    "expires_at": None,
                }
            )
        await self._insert_ignoring_duplicates(rows)
        return ids

    async def appointment(self, appointment_id: str) -> AppointmentRef | None:
        async with self._database.sessions() as session:
            row = await session.get(IdMappingRow, appointment_id.lower())
        if row is None or row.kind != APPOINTMENT or row.native_id is None:
            return None
        return AppointmentRef(row.uuid, row.region_code, HsaId(row.care_unit), row.native_id, row.citizen_ref)

    async def remember_slots(
        self, region_code: str, slots: list[Timeslot], citizen: PersonalIdentity | None
    ) -> list[str]:
        citizen_ref = self.citizen_ref(citizen)
        now = dt.datetime.now(dt.UTC)
        ids: list[str] = []
        rows: list[dict[str, Any]] = []
        for slot in slots:
            slot_uuid = self._slot_uuid(region_code, slot, citizen_ref)
            ids.append(slot_uuid)
            rows.append(
                {
                    "uuid": slot_uuid,
                    "kind": SLOT,
                    "region_code": region_code,
                    "care_unit": str(slot.care_unit),
                    "native_id": slot.slot_id,
                    "slot": slot_to_json(slot),
                    "citizen_ref": citizen_ref,
                    "created_at": now,
                    "expires_at": slot.end or slot.start,
                }
            )
        await self._insert_ignoring_duplicates(rows)
        return ids

    async def slot(self, slot_uuid: str) -> SlotRef | None:
        async with self._database.sessions() as session:
            row = await session.get(IdMappingRow, slot_uuid.lower())
        if row is None or row.kind != SLOT or row.slot is None:
            return None
        return SlotRef(row.uuid, row.region_code, slot_from_json(row.slot), row.citizen_ref)

    async def appointments_of(self, region_code: str, booking_ids: list[str]) -> dict[str, str]:
        """Known appointment ids for a region's booking ids (no new rows)."""
        if not booking_ids:
            return {}
        async with self._database.sessions() as session:
            rows = await session.scalars(
                select(IdMappingRow).where(
                    IdMappingRow.kind == APPOINTMENT,
                    IdMappingRow.region_code == region_code,
                    IdMappingRow.native_id.in_(booking_ids),
                )
            )
            return {row.native_id: row.uuid for row in rows if row.native_id is not None}

    # ------------------------------------------------------------------ booking aliases

    async def alias(self, region_code: str, original_id: str, current_id: str) -> None:
        """The region replaced `original_id` (the consumer's) by `current_id`."""
        if original_id == current_id:
            return
        async with self._database.sessions.begin() as session:
            row = await session.get(BookingAliasRow, (region_code, original_id))
            if row is None:
                session.add(BookingAliasRow(region_code=region_code, original_id=original_id, current_id=current_id))
            else:
                row.current_id = current_id

    async def current_booking_id(self, region_code: str, booking_id: str) -> str:
        """The region's id today for a booking id a consumer holds."""
        async with self._database.sessions() as session:
            row = await session.get(BookingAliasRow, (region_code, booking_id))
        return row.current_id if row is not None else booking_id

    async def original_booking_ids(self, region_code: str, current_ids: list[str]) -> dict[str, str]:
        """For the region's ids, the ids consumers know them by (only those that differ)."""
        if not current_ids:
            return {}
        async with self._database.sessions() as session:
            rows = await session.scalars(
                select(BookingAliasRow).where(
                    BookingAliasRow.region_code == region_code, BookingAliasRow.current_id.in_(current_ids)
                )
            )
            return {row.current_id: row.original_id for row in rows}
