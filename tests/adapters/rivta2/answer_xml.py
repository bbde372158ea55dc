"""Pieces of scheduling 2 answers as XML text (prefixes r: responder, c: core), for building
fixture answers with `rivta2_support.response_element`, which checks them against the schemas."""

from __future__ import annotations

UNIT = "SE2321000024-E0301"
SLOT_ID = "4f323cb4-9a16-4a00-9eda-9efa4bbc377c"
APPOINTMENT_ID = "b4ae4e3c-753b-44ed-a590-b66fbda9d2a1"
CITIZEN = "191212121212"


def hsa(name: str, value: str) -> str:
    return f"<c:{name}><c:root>1.2.752.129.2.1.4.1</c:root><c:extension>{value}</c:extension></c:{name}>"


def cv(name: str, code: str, system: str, display: str | None = None) -> str:
    shown = f"<c:displayName>{display}</c:displayName>" if display else ""
    return f"<c:{name}><c:code>{code}</c:code><c:codeSystem>{system}</c:codeSystem>{shown}</c:{name}>"


def service(code: str = "11429006", display: str | None = "Konsultation", information: str | None = None) -> str:
    info = f"<c:information><c:header>{information}</c:header></c:information>" if information else ""
    return f"<c:healthcareService>{cv('code', code, '1.2.752.116.2.1.1', display)}{info}</c:healthcareService>"


def time_type(
    code: str = "LAK30",
    *,
    contact: str | None = "VID",
    services: str | None = None,
    cancel: str = "true",
    update: str = "false",
    rules: str = "",
) -> str:
    contact_code = cv("careContactCode", contact, "2.25.1", "Videomöte") if contact else ""
    return (
        f"<c:code>{code}</c:code><c:hidden>false</c:hidden>{contact_code}"
        f"{service() if services is None else services}"
        f"<c:cancelAppointmentAllowed>{cancel}</c:cancelAppointmentAllowed>"
        f"<c:updateAppointmentAllowed>{update}</c:updateAppointmentAllowed>{rules}"
    )


def practitioner(hsa_id: str = "SE2321000024-P030101", title: str | None = "Läkare") -> str:
    titled = f"<c:title>{title}</c:title>" if title else ""
    return (
        f"<c:practitioner>{hsa('HSAId', hsa_id)}<c:firstName>Emma</c:firstName>"
        f"<c:lastName>Larsson</c:lastName>{titled}</c:practitioner>"
    )


def timeslot(
    *,
    slot_id: str = SLOT_ID,
    start: str = "20261201093000",
    end: str | None = "20261201100000",
    length: str | None = "30.0",
    practitioners: str | None = None,
    resource: str = "<c:resource><c:description>Rum 2</c:description></c:resource>",
    kind: str | None = None,
) -> str:
    return (
        f"<c:timeslotId>{slot_id}</c:timeslotId><c:timeType>{kind or time_type()}</c:timeType>"
        f"<c:startTime>{start}</c:startTime>"
        + (f"<c:endTime>{end}</c:endTime>" if end else "")
        + (f"<c:timeLength>{length}</c:timeLength>" if length else "")
        + hsa("healthcareFacilityHSAId", UNIT)
        + (practitioner() if practitioners is None else practitioners)
        + resource
    )


def ok(text: str | None = None, code: str = "OK") -> str:
    return f"<r:resultCode>{code}</r:resultCode>" + (f"<r:resultText>{text}</r:resultText>" if text else "")
