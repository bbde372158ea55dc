"""Two 1177-style consumers for end-to-end tests, one per contract generation, both zeep clients
built from the gateway's own WSDLs, behind one small interface so a journey can be written once
and run in every combination of consumer and region generation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

import zeep
from lxml import etree
from zeep import Plugin

from contracts.catalogue import Generation, by_name
from contracts.schemas import schema_for
from tests.gateway.chain import Chain, next_weekday
from tests.support.conformance import CONFORMANCE, assert_valid, official_schema

__all__ = ["Consumer", "Consumer2", "Consumer11", "Result", "Slot"]

PNR_ROOT = "1.2.752.129.2.1.3.1"
SNOMED = "1.2.752.116.2.1.1"
CITIZEN_CODE = "116154003"
_BODY = "{http://schemas.xmlsoap.org/soap/envelope/}Body"


@dataclass(frozen=True)
class Slot:
    handle: Any  # 1.1: the zeep timeslot; 2.0: the timeslotId
    start: str  # YYYYMMDDhhmmss


@dataclass(frozen=True)
class Result:
    code: str  # 1.1: OK | INFO | ERROR; 2.0: OK | INFO | ERROR | a specific code
    booking_id: str | None = None
    text: str | None = None

    @property
    def ok(self) -> bool:
        return self.code in {"OK", "INFO"}


class Consumer(Protocol):
    generation: str

    def time_types(self, unit: str, citizen: str) -> list[str]: ...

    def free_slots(
        self, unit: str, citizen: str, time_type: str, *, days: int = 14, moving: str | None = None
    ) -> list[Slot]: ...

    def book(self, unit: str, citizen: str, slot: Slot, reason: str | None = "Ont i ryggen") -> Result: ...

    def schedule(self, unit: str, citizen: str) -> list[str]: ...

    def details(self, unit: str, citizen: str, booking_id: str) -> dict[str, Any] | None: ...

    def rebook(self, unit: str, citizen: str, booking_id: str, slot: Slot, reason: str | None = None) -> Result: ...

    def cancel(self, unit: str, citizen: str, booking_id: str) -> Result: ...


def _window(days: int) -> tuple[str, str]:
    start = next_weekday(4)
    return start.strftime("%Y%m%d"), (start + dt.timedelta(days=days)).strftime("%Y%m%d")


@dataclass
class Consumer11:
    chain: Chain
    generation: str = "crm:scheduling:1"

    def _call(self, name: str, unit: str, citizen: str, **body: Any) -> Any:
        return self.chain.call(name, unit, citizen, **body)

    def time_types(self, unit: str, citizen: str) -> list[str]:
        answer = self._call("GetAllTimeTypes", unit, citizen, healthcare_facility=unit, subject_of_care=citizen)
        return [t.timeTypeId for t in answer.ListOfTimeTypes]

    def free_slots(
        self, unit: str, citizen: str, time_type: str, *, days: int = 14, moving: str | None = None
    ) -> list[Slot]:
        first, last = _window(days)
        answer = self._call(
            "GetAvailableTimeslots",
            unit,
            citizen,
            healthcare_facility=unit,
            bookingId=moving,
            startDateInclusive=first,
            endDateInclusive=last,
            timeTypeID=time_type,
            subject_of_care=citizen,
        )
        return [Slot(s, s.startTimeInclusive) for s in answer.timeslotDetail]

    @staticmethod
    def _timeslot(slot: Slot, citizen: str, **extra: Any) -> dict[str, Any]:
        s = slot.handle
        return {
            "startTimeInclusive": s.startTimeInclusive,
            "endTimeExclusive": s.endTimeExclusive,
            "healthcare_facility": s.healthcare_facility,
            "performer": s.performer,
            "subject_of_care": citizen,
            "timeTypeID": s.timeTypeID,
            **{k: v for k, v in extra.items() if v is not None},
        }

    def book(self, unit: str, citizen: str, slot: Slot, reason: str | None = "Ont i ryggen") -> Result:
        answer = self._call(
            "MakeBooking",
            unit,
            citizen,
            healthcare_facility_med=unit,
            requestedTimeslot=self._timeslot(slot, citizen, reason=reason),
            subject_of_care_info={"firstName": "Tolvan", "lastName": "Tolvansson"},
        )
        return Result(answer.resultCode, answer.bookingId, answer.resultText)

    def schedule(self, unit: str, citizen: str) -> list[str]:
        answer = self._call(
            "GetSubjectOfCareSchedule", unit, citizen, healthcare_facility=unit, subject_of_care=citizen
        )
        return [t.bookingId for t in answer.timeslotDetail]

    def details(self, unit: str, citizen: str, booking_id: str) -> dict[str, Any] | None:
        try:
            answer = self._call("GetBookingDetails", unit, citizen, healthcare_facility=unit, bookingId=booking_id)
        except zeep.exceptions.Fault as fault:
            if str(fault.message).startswith("TB013"):
                return None
            raise
        slot = answer.timeslotDetail
        return {
            "start": slot.startTimeInclusive,
            "status": "preliminary" if slot.isInvitation else "confirmed",
            "time_type": slot.timeTypeID,
        }

    def rebook(self, unit: str, citizen: str, booking_id: str, slot: Slot, reason: str | None = None) -> Result:
        answer = self._call(
            "UpdateBooking",
            unit,
            citizen,
            requestedTimeslot=self._timeslot(slot, citizen, bookingId=booking_id, reason=reason),
        )
        return Result(answer.resultCode, booking_id, answer.resultText)

    def cancel(self, unit: str, citizen: str, booking_id: str) -> Result:
        answer = self._call("CancelBooking", unit, citizen, healthcare_facility=unit, bookingId=booking_id)
        return Result(answer.resultCode, booking_id, answer.resultText)


class _Scheduling2Conformance(Plugin):  # type: ignore[misc]
    """Every 2.0 message validates against the official schema where one is public, and always
    against the project's own (reconstructed) one."""

    def __init__(self) -> None:
        self.checked: list[str] = []

    def _check(self, envelope: etree._Element) -> None:
        element = envelope.find(_BODY)[0]  # type: ignore[index]
        name = etree.QName(element).localname.removesuffix("Response")
        assert_valid(schema_for(by_name(Generation.SCHEDULING_2, name)), element)
        official = CONFORMANCE / "scheduling_2.0" / "interactions" / f"{name}Interaction" / f"{name}Responder_2.0.xsd"
        if official.is_file():
            assert_valid(official_schema("supportprocess:logistics:scheduling:2", name), element)
        self.checked.append(etree.QName(element).localname)

    def egress(self, envelope: etree._Element, http_headers: Any, operation: Any, binding_options: Any) -> Any:
        self._check(envelope)
        return envelope, http_headers

    def ingress(self, envelope: etree._Element, http_headers: Any, operation: Any) -> Any:
        self._check(envelope)
        return envelope, http_headers


@dataclass
class Consumer2:
    chain: Chain
    generation: str = "supportprocess:logistics:scheduling:2"
    plugin: _Scheduling2Conformance = field(default_factory=_Scheduling2Conformance)
    _clients: dict[str, zeep.Client] = field(default_factory=dict)

    def _call(self, name: str, unit: str, **body: Any) -> Any:
        if name not in self._clients:
            major = 1 if name == "ConfirmAppointment" else 2
            self._clients[name] = zeep.Client(
                f"{self.chain.url}/vp/{name}/{major}/rivtabp21?wsdl", plugins=[self.plugin]
            )
        return getattr(self._clients[name].service, name)(**body, _soapheaders={"LogicalAddress": unit})

    @staticmethod
    def person(citizen: str) -> dict[str, str]:
        return {"root": PNR_ROOT, "extension": citizen}

    def actor(self, citizen: str) -> dict[str, Any]:
        return {"actorId": self.person(citizen), "actorType": {"code": CITIZEN_CODE, "codeSystem": SNOMED}}

    def time_types(self, unit: str, citizen: str) -> list[str]:
        answer = self._call("GetTimeTypes", unit, actor=self.actor(citizen), personId=self.person(citizen))
        return [t.code for t in answer.timeType]

    def free_slots(
        self, unit: str, citizen: str, time_type: str, *, days: int = 14, moving: str | None = None
    ) -> list[Slot]:
        first, last = _window(days)
        answer = self._call(
            "GetAvailableTimeslots",
            unit,
            actor=self.actor(citizen),
            originalAppointmentId=moving,
            personId=self.person(citizen),
            startDateInclusive=first,
            endDateInclusive=last,
            timeTypeCode=time_type,
        )
        return [Slot(s.timeslotId, s.startTime) for s in answer.timeslot]

    def book(self, unit: str, citizen: str, slot: Slot, reason: str | None = "Ont i ryggen") -> Result:
        answer = self._call(
            "MakeAppointment",
            unit,
            actor=self.actor(citizen),
            personId=self.person(citizen),
            timeslotId=slot.handle,
            reasonText=reason,
        )
        return Result(answer.resultCode, answer.appointmentId, answer.resultText)

    def schedule(self, unit: str, citizen: str) -> list[str]:
        answer = self._call("GetAppointments", unit, actor=self.actor(citizen), personId=self.person(citizen))
        return [a.appointmentId for a in answer.appointment]

    def details(self, unit: str, citizen: str, booking_id: str) -> dict[str, Any] | None:
        answer = self._call(
            "GetAppointment", unit, actor=self.actor(citizen), appointmentId=booking_id, personId=self.person(citizen)
        )
        if answer.appointment is None:
            return None
        appointment = answer.appointment
        return {
            "start": appointment.timeslot.startTime,
            "status": appointment.status,
            "time_type": appointment.timeslot.timeType.code,
        }

    def rebook(self, unit: str, citizen: str, booking_id: str, slot: Slot, reason: str | None = None) -> Result:
        answer = self._call(
            "UpdateAppointment",
            unit,
            actor=self.actor(citizen),
            originalAppointmentId=booking_id,
            timeslotId=slot.handle,
            personId=self.person(citizen),
            reasonText=reason,
        )
        return Result(answer.resultCode, answer.appointmentId, answer.resultText)

    def cancel(self, unit: str, citizen: str, booking_id: str) -> Result:
        answer = self._call(
            "CancelAppointment",
            unit,
            actor=self.actor(citizen),
            appointmentId=booking_id,
            personId=self.person(citizen),
        )
        return Result(answer.resultCode, booking_id, answer.resultText)

    def confirm(self, unit: str, citizen: str, booking_id: str) -> Result:
        answer = self._call(
            "ConfirmAppointment",
            unit,
            actor=self.actor(citizen),
            appointmentId=booking_id,
            personId=self.person(citizen),
        )
        return Result(answer.resultCode, booking_id, answer.resultText)
