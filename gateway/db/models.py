"""Database models (SQLAlchemy 2). API and contract models live elsewhere; these are rows."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Dialect, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "AdapterInstanceRow",
    "AuditRow",
    "Base",
    "BookingAliasRow",
    "BookingSetPartRow",
    "BookingSetRow",
    "CareUnitRow",
    "EngagementRow",
    "IdMappingRow",
    "LedgerRow",
    "ReferralRow",
    "RegionRow",
]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Instants stored in UTC and read back aware, on every database. (SQLite keeps no zone: an
    aware value would otherwise be stored as its wall clock and compare wrongly.)"""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware instants only")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime(), dict[str, Any]: JSON}


class AdapterInstanceRow(Base):
    """One configured adapter: a kind (entry point name) with its URL and settings."""

    __tablename__ = "adapter_instances"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    base_url: Mapped[str] = mapped_column(String(500))
    timeout_seconds: Mapped[float] = mapped_column(Float, default=10.0)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RegionRow(Base):
    """A region (county code) and the adapter instance its system is reached through."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    logical_address: Mapped[str | None] = mapped_column(String(64), unique=True)
    adapter_name: Mapped[str | None] = mapped_column(ForeignKey("adapter_instances.name"))


class CareUnitRow(Base):
    """A care unit's logical address (HSA-id, upper case) and its region."""

    __tablename__ = "care_units"

    hsa_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    name: Mapped[str | None] = mapped_column(String(200))


class LedgerRow(Base):
    """A write made through the gateway: what was asked, what the region answered."""

    __tablename__ = "ledger"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_ledger_idempotency_key"),
        Index("ix_ledger_booking", "region_code", "booking_id"),
        Index("ix_ledger_citizen", "citizen_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    operation: Mapped[str] = mapped_column(String(20))  # book | rebook | cancel
    status: Mapped[str] = mapped_column(String(20))  # pending | done | refused | failed
    region_code: Mapped[str] = mapped_column(String(2))
    care_unit: Mapped[str] = mapped_column(String(64))
    citizen_ref: Mapped[str | None] = mapped_column(String(64))
    booking_id: Mapped[str | None] = mapped_column(String(128))
    time_type_id: Mapped[str | None] = mapped_column(String(64))
    slot_start: Mapped[dt.datetime | None]
    slot_end: Mapped[dt.datetime | None]
    result_code: Mapped[str | None] = mapped_column(String(10))
    error_code: Mapped[str | None] = mapped_column(String(60))
    result_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=_utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_utcnow, onupdate=_utcnow)


class AuditRow(Base):
    """Who asked what about whom, when, and what came of it. Citizens are stored as keyed hashes."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_citizen", "citizen_ref"), Index("ix_audit_at", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=_utcnow)
    consumer_id: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    actor_ref: Mapped[str | None] = mapped_column(String(64))
    contract: Mapped[str] = mapped_column(String(120))  # e.g. crm:scheduling:1/MakeBooking
    logical_address: Mapped[str] = mapped_column(String(64))
    care_unit: Mapped[str | None] = mapped_column(String(64))
    citizen_ref: Mapped[str | None] = mapped_column(String(64))
    booking_id: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(20))  # OK | INFO | ERROR | FAULT
    detail: Mapped[str | None] = mapped_column(Text)
    correlation_id: Mapped[str | None] = mapped_column(String(64))


class IdMappingRow(Base):
    """A scheduling 2 id the gateway minted or passed on, and what it stands for in the region.

    `kind` slot: `slot` holds the time as the region identifies it (a 1.1 producer by times and
    attributes); kind appointment: `native_id` is the region's booking id. `citizen_ref` binds the
    id to the citizen it was shown to (None: shown to nobody in particular)."""

    __tablename__ = "id_mappings"
    __table_args__ = (Index("ix_id_mappings_native", "kind", "region_code", "native_id"),)

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # slot | appointment
    region_code: Mapped[str] = mapped_column(String(2))
    care_unit: Mapped[str] = mapped_column(String(64))
    native_id: Mapped[str | None] = mapped_column(String(128))
    slot: Mapped[dict[str, Any] | None]
    citizen_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=_utcnow)
    expires_at: Mapped[dt.datetime | None]


class ReferralRow(Base):
    """A referral (hänvisning after assessment, triage or the advice line) or an invitation
    (kallelse) that opens referral-only or hidden time types to one citizen."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_citizen", "citizen_ref"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # referral | invitation
    citizen_ref: Mapped[str] = mapped_column(String(64))
    time_type_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    care_service_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    care_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[int | None]
    valid_from: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime]
    uses_allowed: Mapped[int | None]
    uses_so_far: Mapped[int] = mapped_column(Integer, default=0)
    issued_by: Mapped[str] = mapped_column(String(64))
    revoked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=_utcnow)


class BookingAliasRow(Base):
    """A booking id a consumer holds that the region has since replaced (a scheduling 2 region may
    issue a new appointmentId on UpdateAppointment; a crm:scheduling 1.1 consumer keeps its
    bookingId). The consumer's id stays the key; `current_id` follows the region."""

    __tablename__ = "booking_aliases"
    __table_args__ = (Index("ix_booking_aliases_current", "region_code", "current_id"),)

    region_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    original_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    current_id: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[dt.datetime] = mapped_column(default=_utcnow, onupdate=_utcnow)


class EngagementRow(Base):
    """The engagement index (engagemangsindex): which care unit holds which citizen's future
    bookings and invitations. Kept by the gateway from the writes that pass through it and from
    regions calling Update for bookings made in their own systems."""

    __tablename__ = "engagements"
    __table_args__ = (
        UniqueConstraint(
            "citizen_ref", "service_domain", "logical_address", "business_object_id", name="uq_engagement_key"
        ),
        Index("ix_engagements_citizen", "citizen_ref", "service_domain"),
        Index("ix_engagements_content", "most_recent_content"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    citizen_ref: Mapped[str] = mapped_column(String(64))
    service_domain: Mapped[str] = mapped_column(String(100))  # riv:crm:scheduling
    categorization: Mapped[str] = mapped_column(String(64), default="NA")
    logical_address: Mapped[str] = mapped_column(String(64))  # the care unit
    business_object_id: Mapped[str] = mapped_column(String(128))  # the booking id at the unit
    source_system: Mapped[str] = mapped_column(String(64))
    data_controller: Mapped[str | None] = mapped_column(String(64))
    most_recent_content: Mapped[dt.datetime]  # the booking's start (1.1 practice)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_utcnow, onupdate=_utcnow)


class BookingSetRow(Base):
    """A group, series or combined booking (a saga): its parts are single bookings at one region,
    booked all or none. `citizen_value` and `actor_id` are kept only while the saga is under way
    (recovery after a crash needs them to find and cancel what was booked) and erased when it ends."""

    __tablename__ = "booking_sets"
    __table_args__ = (
        Index("ix_booking_sets_state", "state", "updated_at"),
        Index("ix_booking_sets_citizen", "citizen_ref"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # bookingSetId (UUID)
    kind: Mapped[str] = mapped_column(String(12))  # group | series | combined
    state: Mapped[str] = mapped_column(String(20))  # booking | compensating | booked | rolled_back | ...
    region_code: Mapped[str] = mapped_column(String(2))
    care_unit: Mapped[str] = mapped_column(String(64))
    citizen_ref: Mapped[str] = mapped_column(String(64))
    citizen_value: Mapped[str | None] = mapped_column(String(12))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    contract: Mapped[str] = mapped_column(String(120))
    logical_address: Mapped[str] = mapped_column(String(64))
    consumer_id: Mapped[str | None] = mapped_column(String(64))
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    failed_part: Mapped[int | None]
    result_code: Mapped[str | None] = mapped_column(String(60))
    result_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=_utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_utcnow, onupdate=_utcnow)


class BookingSetPartRow(Base):
    """One part of a booking set: the slot it asked for and the region's booking, when it has one."""

    __tablename__ = "booking_set_parts"
    __table_args__ = (Index("ix_booking_set_parts_booking", "region_code", "booking_id"),)

    set_id: Mapped[str] = mapped_column(ForeignKey("booking_sets.id", ondelete="CASCADE"), primary_key=True)
    part_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(20))  # planned | booking | booked | not_booked | ...
    region_code: Mapped[str] = mapped_column(String(2))
    care_unit: Mapped[str] = mapped_column(String(64))
    time_type_id: Mapped[str | None] = mapped_column(String(64))
    slot_start: Mapped[dt.datetime | None]
    slot_end: Mapped[dt.datetime | None]
    slot: Mapped[dict[str, Any]]
    booking_id: Mapped[str | None] = mapped_column(String(128))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=_utcnow, onupdate=_utcnow)
