"""The producer's requests and answers as plain values, between the XML codec and the service.

Times are the contract's own strings (`YYYYMMDDhhmmss`, `YYYYMMDD`, Swedish local time): the
simulator stores and compares them as they are, which keeps a slot's identity exact."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "Actor",
    "AvailableDate",
    "CareTypeInfo",
    "CatalogueRequest",
    "CitizenInfo",
    "FacilityInfo",
    "PerformerInfo",
    "RequestedTimeslot",
    "ResultCode",
    "SlotSearch",
    "TimeTypeInfo",
    "TimeslotView",
    "WriteOutcome",
]


class ResultCode(Enum):
    OK = "OK"
    INFO = "INFO"  # done, with a text the citizen must see
    ERROR = "ERROR"  # not done, with a text the citizen must see


@dataclass(frozen=True, slots=True)
class Actor:
    """The Actor header: a citizen (`subject_of_care`) or staff acting for one (`subject_of_care_agent`)."""

    actor_id: str
    actor_type: str

    @property
    def is_citizen(self) -> bool:
        return self.actor_type == "subject_of_care"


@dataclass(frozen=True, slots=True)
class CitizenInfo:
    """subject_of_care_info: contact details and the name as the tax agency has it."""

    first_name: str
    last_name: str
    middle_name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    coaddress: str | None = None


@dataclass(frozen=True, slots=True)
class RequestedTimeslot:
    """The time a MakeBooking or UpdateBooking asks for."""

    healthcare_facility: str
    start: str | None
    end: str | None
    performer: str | None = None
    booking_id: str | None = None
    subject_of_care: str | None = None
    reason: str | None = None
    time_type_id: str | None = None
    time_type_name: str | None = None


@dataclass(frozen=True, slots=True)
class SlotSearch:
    """GetAvailableDates / GetAvailableTimeslots. An empty `performers` means every performer."""

    healthcare_facility: str
    start_date: str
    end_date: str
    subject_of_care: str
    booking_id: str | None = None
    performers: tuple[str, ...] = ()
    time_type_id: str | None = None
    time_type_name: str | None = None
    care_type_id: str | None = None
    care_type_name: str | None = None


@dataclass(frozen=True, slots=True)
class CatalogueRequest:
    """GetAllTimeTypes / GetAllCareTypes / GetAllPerformers / GetAllHealthcareFacilities."""

    healthcare_facility: str
    subject_of_care: str
    time_type_ids: tuple[str, ...] = ()
    care_type_ids: tuple[str, ...] = ()
    performers: tuple[str, ...] = ()
    booking_id: str | None = None


@dataclass(frozen=True, slots=True)
class TimeslotView:
    """Everything TimeslotType can say about a free slot, a booking or an invitation."""

    healthcare_facility: str
    start: str | None
    end: str | None
    performer: str | None = None
    booking_id: str | None = None
    subject_of_care: str | None = None
    purpose: str | None = None
    reason: str | None = None
    resource_name: str | None = None
    healthcare_facility_name: str | None = None
    performer_name: str | None = None
    resource_id: str | None = None
    time_type_name: str | None = None
    time_type_id: str | None = None
    care_type_name: str | None = None
    care_type_id: str | None = None
    cancel_booking_allowed: bool | None = None
    rebooking_allowed: bool | None = None
    message_allowed: bool | None = None
    is_invitation: bool | None = None


@dataclass(frozen=True, slots=True)
class AvailableDate:
    """One performerAvailabilityByDate: a date with free times for a performer and time type."""

    healthcare_facility: str
    date: str
    performer: str | None
    resource_name: str | None
    resource_id: str | None
    time_type_name: str
    time_type_id: str
    care_type_name: str
    care_type_id: str


@dataclass(frozen=True, slots=True)
class TimeTypeInfo:
    time_type_id: str
    name: str


@dataclass(frozen=True, slots=True)
class CareTypeInfo:
    care_type_id: str
    name: str


@dataclass(frozen=True, slots=True)
class PerformerInfo:
    hsa_id: str
    first_name: str
    last_name: str
    title: str | None


@dataclass(frozen=True, slots=True)
class FacilityInfo:
    hsa_id: str
    name: str


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """The answer of MakeBooking / UpdateBooking / CancelBooking."""

    result_code: ResultCode
    result_text: str | None = None
    booking_id: str | None = None

    @classmethod
    def error(cls, text: str) -> WriteOutcome:
        return cls(ResultCode.ERROR, text)
