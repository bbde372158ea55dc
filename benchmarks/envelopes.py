"""Pre-rendered crm:scheduling 1.1 requests, as a consumer would send them (README "With curl").

Plain string templates: the load generator sends bytes, and rendering here never goes through the
gateway's codec. `Request.job_entry()` is what `benchmarks.loadgen` takes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

__all__ = [
    "NATIONAL_ADDRESS",
    "Request",
    "Slot",
    "available_timeslots",
    "cancel_booking",
    "engagement_update",
    "make_booking",
    "path_of",
    "schedule",
    "update_booking",
]

NATIONAL_ADDRESS = "5565594230"  # Settings.national_logical_address: the national calendar
CONSUMER = "SE5565594230-B31"  # the calling e-service, as the platform's header names it
_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
_CORE = "urn:riv:crm:scheduling:1"
_EXT = "urn:riv:crm:scheduling:1.1"


def _responder(name: str, version: str = "1") -> str:
    return f"urn:riv:crm:scheduling:{name}Responder:{version}"


def path_of(name: str) -> str:
    return f"/vp/{name}/1/rivtabp21"


@dataclass(frozen=True, slots=True)
class Request:
    name: str
    body: str
    label: str
    headers: dict[str, str] = field(default_factory=dict)

    def job_entry(self) -> dict[str, object]:
        action = self.headers.get("SOAPAction", f'"{_responder(self.name)}:{self.name}"')
        headers = {"x-rivta-original-serviceconsumer-hsaid": CONSUMER, **self.headers, "SOAPAction": action}
        return {"path": path_of(self.name), "body": self.body, "headers": headers, "label": self.label}


@dataclass(frozen=True, slots=True)
class Slot:
    """A free time as the producer described it (what MakeBooking sends back)."""

    unit: str
    start: str  # YYYYMMDDhhmmss
    end: str
    performer: str | None
    time_type_id: str


def _envelope(logical_address: str, actor: str, actor_type: str, body: str) -> str:
    return (
        f'<s:Envelope xmlns:s="{_SOAP}"><s:Header>'
        f'<a:Actor xmlns:a="urn:riv:interoperability:headers:1"><a:actorId>{escape(actor)}</a:actorId>'
        f"<a:actorType>{actor_type}</a:actorType></a:Actor>"
        f'<l:LogicalAddress xmlns:l="urn:riv:itintegration:registry:1">{escape(logical_address)}</l:LogicalAddress>'
        f"</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    )


def available_timeslots(
    unit: str, citizen: str, start: dt.date, end: dt.date, time_type_id: str | None, *, label: str = ""
) -> Request:
    ns, ext = _responder("GetAvailableTimeslots"), _responder("GetAvailableTimeslots", "1.1")
    time_type = f"<r:timeTypeID>{time_type_id}</r:timeTypeID>" if time_type_id else ""
    body = (
        f'<r:GetAvailableTimeslots xmlns:r="{ns}" xmlns:r11="{ext}">'
        f"<r:healthcare_facility>{unit}</r:healthcare_facility>"
        f"<r:startDateInclusive>{start:%Y%m%d}</r:startDateInclusive>"
        f"<r:endDateInclusive>{end:%Y%m%d}</r:endDateInclusive>{time_type}"
        f"<r11:subject_of_care>{citizen}</r11:subject_of_care></r:GetAvailableTimeslots>"
    )
    return Request("GetAvailableTimeslots", _envelope(unit, citizen, "subject_of_care", body), label or "search")


def schedule(logical_address: str, unit: str, citizen: str, *, label: str = "") -> Request:
    ns = _responder("GetSubjectOfCareSchedule")
    body = (
        f'<r:GetSubjectOfCareSchedule xmlns:r="{ns}"><r:healthcare_facility>{unit}</r:healthcare_facility>'
        f"<r:subject_of_care>{citizen}</r:subject_of_care></r:GetSubjectOfCareSchedule>"
    )
    return Request(
        "GetSubjectOfCareSchedule", _envelope(logical_address, citizen, "subject_of_care", body), label or "schedule"
    )


def _requested(slot: Slot, citizen: str, booking_id: str | None, reason: str | None) -> str:
    parts = [
        f"<c:startTimeInclusive>{slot.start}</c:startTimeInclusive>",
        f"<c:endTimeExclusive>{slot.end}</c:endTimeExclusive>",
        f"<c:healthcare_facility>{slot.unit}</c:healthcare_facility>",
    ]
    if slot.performer:
        parts.append(f"<c:performer>{slot.performer}</c:performer>")
    if booking_id:
        parts.append(f"<c:bookingId>{escape(booking_id)}</c:bookingId>")
    parts.append(f"<c:subject_of_care>{citizen}</c:subject_of_care>")
    if reason:
        parts.append(f"<c:reason>{escape(reason)}</c:reason>")
    parts.append(f"<c:timeTypeID>{slot.time_type_id}</c:timeTypeID>")
    return f'<r:requestedTimeslot xmlns:c="{_CORE}">{"".join(parts)}</r:requestedTimeslot>'


def make_booking(slot: Slot, citizen: str, *, reason: str = "Besvär sedan en vecka", label: str = "") -> Request:
    ns = _responder("MakeBooking")
    body = (
        f'<r:MakeBooking xmlns:r="{ns}"><r:healthcare_facility_med>{slot.unit}</r:healthcare_facility_med>'
        f"{_requested(slot, citizen, None, reason)}"
        f'<r:subject_of_care_info xmlns:c11="{_EXT}"><c11:firstName>Tolvan</c11:firstName>'
        f"<c11:lastName>Tolvansson</c11:lastName></r:subject_of_care_info></r:MakeBooking>"
    )
    return Request("MakeBooking", _envelope(slot.unit, citizen, "subject_of_care", body), label or "book")


def update_booking(slot: Slot, citizen: str, booking_id: str, *, reason: str = "Ny tid", label: str = "") -> Request:
    ns = _responder("UpdateBooking")
    body = f'<r:UpdateBooking xmlns:r="{ns}">{_requested(slot, citizen, booking_id, reason)}</r:UpdateBooking>'
    return Request("UpdateBooking", _envelope(slot.unit, citizen, "subject_of_care", body), label or "rebook")


def cancel_booking(unit: str, citizen: str, booking_id: str, *, label: str = "") -> Request:
    ns = _responder("CancelBooking")
    body = (
        f'<r:CancelBooking xmlns:r="{ns}"><r:healthcare_facility>{unit}</r:healthcare_facility>'
        f"<r:bookingId>{escape(booking_id)}</r:bookingId><r:message>Förhindrad</r:message></r:CancelBooking>"
    )
    return Request("CancelBooking", _envelope(unit, citizen, "subject_of_care", body), label or "cancel")


_EI = "urn:riv:itintegration:engagementindex:1"
_EI_UPDATE = "urn:riv:itintegration:engagementindex:UpdateResponder:1"


def engagement_update(
    citizen: str, entries: list[tuple[str, str, str]], *, source_system: str, data_controller: str
) -> Request:
    """An engagement index Update (SPEC §5.3) for bookings a region made in its own system:
    `entries` are (unit, booking id, start YYYYMMDDhhmmss)."""
    transactions = "".join(
        f"<u:engagementTransaction><e:deleteFlag>false</e:deleteFlag><e:engagement>"
        f"<e:registeredResidentIdentification>{citizen}</e:registeredResidentIdentification>"
        f"<e:serviceDomain>riv:crm:scheduling</e:serviceDomain><e:categorization>NA</e:categorization>"
        f"<e:logicalAddress>{unit}</e:logicalAddress>"
        f"<e:businessObjectInstanceIdentifier>{escape(booking_id)}</e:businessObjectInstanceIdentifier>"
        f"<e:clinicalProcessInterestId>NA</e:clinicalProcessInterestId>"
        f"<e:mostRecentContent>{start}</e:mostRecentContent><e:sourceSystem>{source_system}</e:sourceSystem>"
        f"<e:dataController>{data_controller}</e:dataController></e:engagement></u:engagementTransaction>"
        for unit, booking_id, start in entries
    )
    body = f'<u:Update xmlns:u="{_EI_UPDATE}" xmlns:e="{_EI}">{transactions}</u:Update>'
    soap_action = f'"{_EI_UPDATE}:Update"'
    envelope = (
        f'<s:Envelope xmlns:s="{_SOAP}"><s:Header>'
        f'<l:LogicalAddress xmlns:l="urn:riv:itintegration:registry:1">{NATIONAL_ADDRESS}</l:LogicalAddress>'
        f"</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    )
    return Request("Update", envelope, "engagement-update", {"SOAPAction": soap_action})
