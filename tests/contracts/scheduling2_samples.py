"""Sample scheduling 2 messages, one valid request and response per interaction, written by hand
from SPEC.md §6 (not from our schemas), so that validating them tests the schemas."""

from __future__ import annotations

from lxml import etree

__all__ = [
    "CORE_NS",
    "PERSON_OID",
    "SAMPLES",
    "SAMPLE_PNR",
    "actor_xml",
    "element",
    "person_xml",
    "responder_ns",
]

CORE_NS = "urn:riv:supportprocess:logistics:scheduling:2"
PERSON_OID = "1.2.752.129.2.1.3.1"
HSA_OID = "1.2.752.129.2.1.4.1"
SNOMED_OID = "1.2.752.116.2.1.1"
SAMPLE_PNR = "191212121212"
UNIT = "SE2321000016-E0101"
SLOT_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
APPOINTMENT_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def responder_ns(name: str) -> str:
    major = 1 if name == "ConfirmAppointment" else 2
    return f"urn:riv:supportprocess:logistics:scheduling:{name}Responder:{major}"


def actor_xml(actor_id: str = SAMPLE_PNR, root: str = PERSON_OID, code: str = "116154003") -> str:
    return (
        f"<r:actor><c:actorId><c:root>{root}</c:root><c:extension>{actor_id}</c:extension></c:actorId>"
        f"<c:actorType><c:code>{code}</c:code><c:codeSystem>{SNOMED_OID}</c:codeSystem></c:actorType></r:actor>"
    )


def person_xml(number: str = SAMPLE_PNR, root: str = PERSON_OID, tag: str = "personId") -> str:
    return f"<r:{tag}><c:root>{root}</c:root><c:extension>{number}</c:extension></r:{tag}>"


def _hsa(tag: str, value: str = UNIT, root: str = HSA_OID) -> str:
    return f"<c:{tag}><c:root>{root}</c:root><c:extension>{value}</c:extension></c:{tag}>"


_PRACTITIONER = (
    f"<c:practitioner>{_hsa('HSAId', 'SE2321000016-P010100')}"
    "<c:firstName>Anna</c:firstName><c:lastName>Nilsson</c:lastName><c:title>Läkare</c:title></c:practitioner>"
)
_TIME_TYPE_BODY = (
    "<c:code>VIDLAK</c:code><c:hidden>false</c:hidden>"
    "<c:careContactCode><c:code>VIDEO</c:code><c:codeSystem>1.2.752.129.5.1.1</c:codeSystem>"
    "<c:displayName>Videomöte</c:displayName></c:careContactCode>"
    f"<c:healthcareService><c:code><c:code>11429006</c:code><c:codeSystem>{SNOMED_OID}</c:codeSystem></c:code>"
    "<c:information><c:header>Om besöket</c:header></c:information></c:healthcareService>"
    "<c:patientGroup>false</c:patientGroup>"
    "<c:cancelAppointmentAllowed>true</c:cancelAppointmentAllowed>"
    "<c:updateAppointmentAllowed>true</c:updateAppointmentAllowed>"
    "<c:appointmentRule><c:type>AVBOKNING</c:type><c:reasonTextRequired>Optional</c:reasonTextRequired>"
    "<c:reasonCodeRequired>Mandatory</c:reasonCodeRequired>"
    "<c:reasonCodes><c:code>AV01</c:code><c:codeSystem>1.2.3</c:codeSystem>"
    "<c:displayName>Tiden passar inte</c:displayName></c:reasonCodes>"
    "<c:conditionToConfirm><c:header>Avbokningsregler</c:header></c:conditionToConfirm></c:appointmentRule>"
)
_TIME_TYPE = f"<c:timeType>{_TIME_TYPE_BODY}</c:timeType>"
_TIMESLOT_BODY = (
    f"<c:timeslotId>{SLOT_ID}</c:timeslotId>{_TIME_TYPE}"
    "<c:startTime>20261201143000</c:startTime><c:endTime>20261201145000</c:endTime><c:timeLength>20</c:timeLength>"
    f"{_hsa('healthcareFacilityHSAId')}{_PRACTITIONER}"
    "<c:resource><c:description>Videorum 2</c:description></c:resource>"
    "<c:withinCareGuarantee>true</c:withinCareGuarantee>"
)
_ORG_UNIT = (
    f"{_hsa('HSAId')}<c:name>Vårdcentral Stockholm Centrum</c:name>"
    "<c:information><c:header>Öppettider</c:header><c:description>Vardagar 8-17</c:description></c:information>"
    "<c:conditionToConfirm><c:header>Villkor</c:header></c:conditionToConfirm>"
)
_OK = "<r:resultCode>OK</r:resultCode>"

# name -> (request body, response body); each is the inner XML of the root element.
SAMPLES: dict[str, tuple[str, str]] = {
    "CancelAppointment": (
        f"{actor_xml()}<r:appointmentId>{APPOINTMENT_ID}</r:appointmentId>{person_xml()}"
        "<r:reasonText>Förhinder</r:reasonText>",
        "<r:resultCode>TOO_LATE_TO_CANCEL_APPOINTMENT</r:resultCode><r:resultText>För sent</r:resultText>",
    ),
    "ConfirmAppointment": (
        f"{actor_xml()}<r:appointmentId>{APPOINTMENT_ID}</r:appointmentId>{person_xml()}",
        _OK,
    ),
    "GetAppointment": (
        f"{actor_xml()}<r:appointmentId>{APPOINTMENT_ID}</r:appointmentId>{person_xml()}",
        f"<r:appointment><c:appointmentId>{APPOINTMENT_ID}</c:appointmentId>"
        f"<c:timeslot>{_TIMESLOT_BODY}</c:timeslot>"
        f"<c:personId><c:root>{PERSON_OID}</c:root><c:extension>{SAMPLE_PNR}</c:extension></c:personId>"
        "<c:information><c:header>Inför besöket</c:header><c:link>https://video.example/m/1</c:link></c:information>"
        "<c:status>preliminary</c:status><c:newAppointmentReasonText>Hosta</c:newAppointmentReasonText>"
        "<c:reference><c:name>Videolänk</c:name><c:link>https://video.example/m/1</c:link></c:reference>"
        f"</r:appointment>{_OK}",
    ),
    "GetAppointments": (
        f"{actor_xml()}{person_xml()}<r:fromDate>20261201</r:fromDate><r:toDate>20261231</r:toDate>",
        f"<r:appointment><c:appointmentId>{APPOINTMENT_ID}</c:appointmentId>{_hsa('healthcareFacilityId')}"
        "</r:appointment>",
    ),
    "GetAvailableDates": (
        f"{actor_xml()}{person_xml()}<r:startDateInclusive>20261201</r:startDateInclusive>"
        "<r:endDateInclusive>20261214</r:endDateInclusive><r:timeTypeCode>VIDLAK</r:timeTypeCode>"
        "<r:careContactCode><c:code>VIDEO</c:code><c:codeSystem>1.2.752.129.5.1.1</c:codeSystem></r:careContactCode>",
        f"<r:availableDate><c:date>20261201</c:date><c:noOfTimeslots>3</c:noOfTimeslots>{_TIME_TYPE}"
        f"{_PRACTITIONER}</r:availableDate>{_OK}",
    ),
    "GetAvailableTimeslots": (
        "<r:startDateInclusive>20261201</r:startDateInclusive><r:endDateInclusive>20261201</r:endDateInclusive>"
        "<r:careContactCode><c:code>VIDEO</c:code><c:codeSystem>x</c:codeSystem></r:careContactCode>"
        "<r:careContactCode><c:code>PHONE</c:code><c:codeSystem>x</c:codeSystem></r:careContactCode>",
        f"<r:timeslot>{_TIMESLOT_BODY}</r:timeslot>{_OK}",
    ),
    "GetHealthcareFacilities": (
        f"{person_xml()}<r:timeTypeCode>LAK30</r:timeTypeCode>",
        f"<r:healthcareFacility>{_ORG_UNIT}</r:healthcareFacility>{_OK}",
    ),
    "GetHealthcareFacility": ("", f"<r:healthcareFacility>{_ORG_UNIT}</r:healthcareFacility>{_OK}"),
    "GetPractitioners": (
        f"{actor_xml()}{person_xml()}<r:timeTypeCode>LAK30</r:timeTypeCode>",
        f"<r:practitioner>{_hsa('HSAId', 'SE2321000016-P010100')}<c:firstName>Anna</c:firstName>"
        f"<c:lastName>Nilsson</c:lastName></r:practitioner>{_OK}",
    ),
    "GetTimeTypes": (
        f"{actor_xml()}<r:healthcareServiceCode>11429006</r:healthcareServiceCode>{person_xml()}",
        f"<r:timeType>{_TIME_TYPE_BODY}</r:timeType>{_OK}",
    ),
    "MakeAppointment": (
        f"{actor_xml()}{person_xml()}<r:timeslotId>{SLOT_ID}</r:timeslotId>"
        "<r:reasonCode><c:code>NY01</c:code><c:codeSystem>1.2.3</c:codeSystem><c:displayName>Hosta</c:displayName>"
        "</r:reasonCode>",
        f"<r:appointmentId>{APPOINTMENT_ID}</r:appointmentId>{_OK}",
    ),
    "UpdateAppointment": (
        f"{actor_xml()}<r:originalAppointmentId>{APPOINTMENT_ID}</r:originalAppointmentId>"
        f"<r:timeslotId>{SLOT_ID}</r:timeslotId>{person_xml()}",
        "<r:resultCode>REQUESTED_TIME_IS_ALREADY_RESERVED</r:resultCode>",
    ),
}


def element(name: str, inner: str, *, response: bool = False) -> etree._Element:
    """The root element `name` (or `nameResponse`) of the interaction, with `inner` as its content."""
    tag = f"{name}Response" if response else name
    return etree.fromstring(f'<r:{tag} xmlns:r="{responder_ns(name)}" xmlns:c="{CORE_NS}">{inner}</r:{tag}>'.encode())
