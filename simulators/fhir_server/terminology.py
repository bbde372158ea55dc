"""The code systems and identifier systems the FHIR simulator speaks.

Identifiers are the Swedish national ones: HSA-ids (`urn:oid:1.2.752.129.2.1.4.1`) for the region,
care units and staff, personnummer (`urn:oid:1.2.752.129.2.1.3.1`) for citizens. Time types
(tidstyper) and care types (vårdtyper) are region-owned vocabularies, so each region has its own
CodeSystem for them. The visit's channel (physical, video, phone) is coded with HL7's
`v3-ParticipationMode` (PHYSICAL, VIDEOCONF, PHONE) in `Slot.appointmentType` and
`Appointment.appointmentType`: the R4 example binding there (v2-0276: ROUTINE, WALKIN, …) says why a
visit happens, not how, and ParticipationMode is the HL7 vocabulary for how someone takes part.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from simulators.common.regions import Region

__all__ = [
    "CHANNEL_CODES",
    "CHANNEL_DISPLAY",
    "CHANNEL_SYSTEM",
    "ERROR_SYSTEM",
    "HSA_ID_SYSTEM",
    "PERSONAL_NUMBER_SYSTEM",
    "SWEDISH_TIME",
    "care_type_system",
    "time_type_system",
]

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")

HSA_ID_SYSTEM = "urn:oid:1.2.752.129.2.1.4.1"
PERSONAL_NUMBER_SYSTEM = "urn:oid:1.2.752.129.2.1.3.1"

CHANNEL_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
CHANNEL_CODES = {"physical": "PHYSICAL", "video": "VIDEOCONF", "phone": "PHONE"}
CHANNEL_DISPLAY = {"PHYSICAL": "physical presence", "VIDEOCONF": "videoconferencing", "PHONE": "telephone"}

ERROR_SYSTEM = "https://tidbok.test/fhir/CodeSystem/booking-error"
"""The simulator's own codes in `OperationOutcome.issue.details` (like GP Connect's Spine error codes)."""


def time_type_system(region: Region) -> str:
    """The region's CodeSystem of time types (tidstyper), used in `serviceType`."""
    return f"https://region{region.code}.tidbok.test/fhir/CodeSystem/time-type"


def care_type_system(region: Region) -> str:
    """The region's CodeSystem of care types (vårdtyper), used in `serviceCategory` and `category`."""
    return f"https://region{region.code}.tidbok.test/fhir/CodeSystem/care-type"
