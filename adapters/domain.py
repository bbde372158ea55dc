"""The booking domain: one model that every contract generation and every region maps to.

Times are timezone-aware datetimes. The national contracts carry Swedish local time without a
zone; the codecs convert at the edge, so everything inside compares instants, not wall clocks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from zoneinfo import ZoneInfo

from adapters.identifiers import HsaId, PersonalIdentity

__all__ = [
    "SWEDISH_TIME",
    "Actor",
    "ActorRole",
    "AvailableDate",
    "Booking",
    "BookingOutcome",
    "BookingRequest",
    "BookingStatus",
    "CancelRequest",
    "CareType",
    "CareUnit",
    "CatalogueQuery",
    "CitizenDetails",
    "Code",
    "ContactChannel",
    "ErrorCode",
    "GroupTimeslot",
    "Performer",
    "RebookRequest",
    "RequestContext",
    "ResultCode",
    "SlotQuery",
    "TimeType",
    "Timeslot",
]

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")


class ActorRole(Enum):
    """Who is calling: the citizen, someone acting for them, or staff (ombud)."""

    CITIZEN = "citizen"
    GUARDIAN = "guardian"  # vårdnadshavare
    TRUSTEE = "trustee"  # god man
    CUSTODIAN = "custodian"  # förmyndare
    STAFF = "staff"  # e.g. a 1177 nurse booking on the citizen's behalf (subject_of_care_agent)


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind a call. `actor_id` is a personal identity number or a staff HSA-id."""

    actor_id: str
    role: ActorRole

    @property
    def is_citizen(self) -> bool:
        return self.role is ActorRole.CITIZEN

    def masked(self) -> str:
        if self.role is ActorRole.STAFF:
            return self.actor_id
        return f"{self.actor_id[:4]}********"


class ContactChannel(Enum):
    """How the visit happens (KV kontakttyp)."""

    PHYSICAL = "physical"
    VIDEO = "video"
    PHONE = "phone"


class ResultCode(Enum):
    OK = "OK"
    INFO = "INFO"  # done, with a message the citizen must see
    ERROR = "ERROR"  # not done, with a message the citizen must see


class ErrorCode(Enum):
    """Specific refusals, named as the scheduling 2 contracts name them (values of `resultCode`)."""

    REQUESTED_TIME_IS_ALREADY_RESERVED = "REQUESTED_TIME_IS_ALREADY_RESERVED"
    REQUESTED_TIME_HAS_ALREADY_PASSED = "REQUESTED_TIME_HAS_ALREADY_PASSED"
    REQUESTED_TIME_IS_NO_LONGER_AVAILABLE = "REQUESTED_TIME_IS_NO_LONGER_AVAILABLE"
    TOO_LATE_TO_MAKE_APPOINTMENT = "TOO_LATE_TO_MAKE_APPOINTMENT"
    TOO_LATE_TO_UPDATE_APPOINTMENT = "TOO_LATE_TO_UPDATE_APPOINTMENT"
    TOO_LATE_TO_CANCEL_APPOINTMENT = "TOO_LATE_TO_CANCEL_APPOINTMENT"
    TOO_LATE_TO_CONFIRM_APPOINTMENT = "TOO_LATE_TO_CONFIRM_APPOINTMENT"
    USER_IS_ALREADY_OCCUPIED = "USER_IS_ALREADY_OCCUPIED"
    APPOINTMENT_IS_NOT_ALLOWED = "APPOINTMENT_IS_NOT_ALLOWED"
    UPDATE_APPOINTMENT_IS_NOT_ALLOWED = "UPDATE_APPOINTMENT_IS_NOT_ALLOWED"
    CANCEL_IS_NOT_ALLOWED = "CANCEL_IS_NOT_ALLOWED"
    CONFIRM_IS_NOT_ALLOWED = "CONFIRM_IS_NOT_ALLOWED"
    APPOINTMENT_IS_ALREADY_CANCELED = "APPOINTMENT_IS_ALREADY_CANCELED"
    APPOINTMENT_IS_ALREADY_UPDATED = "APPOINTMENT_IS_ALREADY_UPDATED"
    APPOINTMENT_IS_ALREADY_CONFIRMED = "APPOINTMENT_IS_ALREADY_CONFIRMED"
    APPOINTMENT_DOES_NOT_EXIST = "APPOINTMENT_DOES_NOT_EXIST"


class BookingStatus(Enum):
    CONFIRMED = "confirmed"
    PRELIMINARY = "preliminary"  # proposed by the clinic, awaiting the citizen's confirmation


@dataclass(frozen=True, slots=True)
class Code:
    """A coded value (CV): e.g. a reason code a citizen picked, a SNOMED CT care service."""

    code: str
    code_system: str
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class CareUnit:
    """A care unit (vårdenhet / mottagning) that owns a schedule."""

    hsa_id: HsaId
    name: str | None = None


@dataclass(frozen=True, slots=True)
class TimeType:
    """A kind of time a unit offers (tidstyp). Ids are unit-internal."""

    time_type_id: str
    name: str


@dataclass(frozen=True, slots=True)
class CareType:
    """A kind of care (vårdtyp), e.g. Provtagning, Vaccinering."""

    care_type_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Performer:
    """A bookable member of staff (utförare)."""

    hsa_id: HsaId
    first_name: str
    last_name: str
    title: str | None = None

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.title, self.first_name, self.last_name) if part)


@dataclass(frozen=True, slots=True)
class Timeslot:
    """A time at a unit: free (from a slot search) or taken (inside a Booking).

    `slot_id` is the producer's own id for the slot where it has one (a scheduling 2 UUID, a FHIR
    Slot id, a REST system's key); 1.1 producers identify a slot by its times and attributes."""

    care_unit: HsaId
    start: dt.datetime | None
    end: dt.datetime | None
    care_unit_name: str | None = None
    performer: HsaId | None = None
    performer_name: str | None = None
    resource_id: str | None = None
    resource_name: str | None = None
    time_type_id: str | None = None
    time_type_name: str | None = None
    care_type_id: str | None = None
    care_type_name: str | None = None
    channel: ContactChannel | None = None
    slot_id: str | None = None

    @property
    def is_open(self) -> bool:
        """An open invitation's time: no start or end yet."""
        return self.start is None


@dataclass(frozen=True, slots=True)
class GroupTimeslot:
    """A group session (gruppbokning): one time with `capacity` places, of which `places_left` are
    free — None when the system lists the session without saying how many remain. A citizen who
    books the session's `slot` takes one place."""

    slot: Timeslot
    capacity: int
    places_left: int | None = None


@dataclass(frozen=True, slots=True)
class Booking:
    """A booked time or an invitation (kallelse) of one citizen."""

    booking_id: str
    citizen: PersonalIdentity
    slot: Timeslot
    purpose: str | None = None
    reason: str | None = None
    is_invitation: bool = False
    status: BookingStatus = BookingStatus.CONFIRMED
    cancel_allowed: bool = False
    rebook_allowed: bool = False
    message_allowed: bool = False


@dataclass(frozen=True, slots=True)
class AvailableDate:
    """A date with free times for one combination of performer, resource and time type."""

    care_unit: HsaId
    date: dt.date
    performer: HsaId | None = None
    resource_id: str | None = None
    resource_name: str | None = None
    time_type_id: str | None = None
    time_type_name: str | None = None
    care_type_id: str | None = None
    care_type_name: str | None = None
    free_slots: int | None = None


@dataclass(frozen=True, slots=True)
class CitizenDetails:
    """Contact data a citizen gives with a booking (subject_of_care_info)."""

    first_name: str
    last_name: str
    middle_name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    coaddress: str | None = None


@dataclass(frozen=True, slots=True)
class SlotQuery:
    """A search for free dates or times at one unit. `booking_id` marks a rebooking search."""

    care_unit: HsaId
    start_date: dt.date
    end_date: dt.date
    citizen: PersonalIdentity | None = None
    booking_id: str | None = None
    performers: tuple[HsaId, ...] = ()
    time_type_id: str | None = None
    time_type_name: str | None = None
    care_type_id: str | None = None
    care_type_name: str | None = None


@dataclass(frozen=True, slots=True)
class CatalogueQuery:
    """A catalogue look-up at one unit (time types, care types, performers, units)."""

    care_unit: HsaId
    citizen: PersonalIdentity | None = None
    time_type_ids: tuple[str, ...] = ()
    care_type_ids: tuple[str, ...] = ()
    performers: tuple[HsaId, ...] = ()
    booking_id: str | None = None


@dataclass(frozen=True, slots=True)
class BookingRequest:
    """Book `slot` for `citizen`. `booking_id` names the open invitation being booked, if any."""

    care_unit_med: HsaId
    slot: Timeslot
    citizen: PersonalIdentity
    details: CitizenDetails | None = None
    booking_id: str | None = None
    reason: str | None = None
    reason_code: Code | None = None
    notification: str | None = None


@dataclass(frozen=True, slots=True)
class RebookRequest:
    """Move booking (or timed invitation) `booking_id` to `slot`."""

    booking_id: str
    slot: Timeslot
    citizen: PersonalIdentity
    details: CitizenDetails | None = None
    reason: str | None = None
    reason_code: Code | None = None
    notification: str | None = None


@dataclass(frozen=True, slots=True)
class CancelRequest:
    care_unit: HsaId
    booking_id: str
    citizen: PersonalIdentity | None = None
    message: str | None = None
    reason_code: Code | None = None


@dataclass(frozen=True, slots=True)
class BookingOutcome:
    """What a region said to a write. ERROR is a refusal, not a failure: it carries the citizen's
    text and, where it can be known, the specific `error`."""

    code: ResultCode
    text: str | None = None
    booking_id: str | None = None
    error: ErrorCode | None = None
    alternatives: tuple[Timeslot, ...] = ()  # the nearest free times, when the asked one was taken

    @property
    def succeeded(self) -> bool:
        return self.code is not ResultCode.ERROR

    @classmethod
    def refused(cls, error: ErrorCode | None, text: str) -> BookingOutcome:
        return cls(code=ResultCode.ERROR, text=text, error=error)


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Who asks and where to: travels with every adapter call."""

    logical_address: str
    actor: Actor | None = None
    consumer_id: str | None = None
    correlation_id: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)
    subject: PersonalIdentity | None = None  # the citizen the call concerns, when the gateway knows it
