"""The producer's requests and answers as plain values, between the XML codec and the service.

Times are the contract's own strings (`YYYYMMDDhhmmss`, `YYYYMMDD`, Swedish local time); UUIDs
arrive in any case and are compared in lower case."""

from __future__ import annotations

from dataclasses import dataclass

from simulators.rivta2_producer.store import (
    AppointmentRecord,
    PractitionerRecord,
    SlotRecord,
    TimeTypeRecord,
    UnitRecord,
)
from simulators.rivta2_producer.vocabulary import ActorKind, Code, Information, TimeTypeProfile, UnitProfile

__all__ = [
    "Actor",
    "AppointmentQuery",
    "AppointmentView",
    "AvailableDateView",
    "CatalogueQuery",
    "FacilityView",
    "Identity",
    "Outcome",
    "SlotSearch",
    "SlotView",
    "TimeTypeView",
    "WriteRequest",
]


@dataclass(frozen=True, slots=True)
class Identity:
    """An II value: `root` says what kind of id (an OID), `extension` is the id."""

    root: str
    extension: str


@dataclass(frozen=True, slots=True)
class Actor:
    """The body `actor`. `kind` is None for an actorType code this region does not know."""

    actor_id: Identity
    kind: ActorKind | None
    code: str


@dataclass(frozen=True, slots=True)
class SlotSearch:
    """GetAvailableDates / GetAvailableTimeslots."""

    actor: Actor | None
    original_appointment_id: str | None
    person: Identity | None
    start_date: str
    end_date: str
    priority: int | None
    practitioner: str | None
    time_type_code: str | None
    service_code: str | None
    contact_types: tuple[Code, ...]


@dataclass(frozen=True, slots=True)
class CatalogueQuery:
    """GetTimeTypes / GetPractitioners / GetHealthcareFacilities."""

    actor: Actor | None
    person: Identity | None
    original_appointment_id: str | None = None
    time_type_code: str | None = None
    service_code: str | None = None
    practitioner: str | None = None


@dataclass(frozen=True, slots=True)
class WriteRequest:
    """MakeAppointment / UpdateAppointment / CancelAppointment / ConfirmAppointment."""

    actor: Actor
    person: Identity
    appointment_id: str | None = None  # Cancel, Confirm; Update: the original
    timeslot_id: str | None = None  # Make, Update
    reason_text: str | None = None
    reason_code: Code | None = None


@dataclass(frozen=True, slots=True)
class AppointmentQuery:
    """GetAppointments."""

    actor: Actor
    person: Identity
    from_date: str | None
    to_date: str | None
    time_type_code: str | None
    service_code: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """resultCode (OK, INFO, ERROR or a specific error code) + resultText, and a new appointment id."""

    result_code: str
    result_text: str | None = None
    appointment_id: str | None = None

    @property
    def done(self) -> bool:
        return self.result_code in {"OK", "INFO"}


@dataclass(frozen=True, slots=True)
class TimeTypeView:
    record: TimeTypeRecord
    profile: TimeTypeProfile


@dataclass(frozen=True, slots=True)
class SlotView:
    slot: SlotRecord
    time_type: TimeTypeView
    within_care_guarantee: bool | None


@dataclass(frozen=True, slots=True)
class AvailableDateView:
    date: str
    count: int
    time_type: TimeTypeView
    practitioner: PractitionerRecord


@dataclass(frozen=True, slots=True)
class AppointmentView:
    record: AppointmentRecord
    time_type: TimeTypeView
    information: tuple[Information, ...]
    references: tuple[tuple[str, str], ...]  # (name, link)


@dataclass(frozen=True, slots=True)
class FacilityView:
    unit: UnitRecord
    profile: UnitProfile
