"""Database rows → FHIR R4 resources (JSON dicts). Instants go out in Swedish local time with
their offset (`2027-10-31T01:30:00+02:00`); references carry the target's HSA-id or personnummer as
`Reference.identifier` and a display name, so a client needs no second look-up to show them."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from simulators.common.regions import Region
from simulators.fhir_server.terminology import (
    CHANNEL_CODES,
    CHANNEL_DISPLAY,
    CHANNEL_SYSTEM,
    HSA_ID_SYSTEM,
    PERSONAL_NUMBER_SYSTEM,
    SWEDISH_TIME,
    care_type_system,
    time_type_system,
)

__all__ = ["Renderer", "instant"]

JSON = dict[str, Any]


def instant(epoch: int) -> str:
    """A FHIR instant in Swedish local time with its UTC offset."""
    return dt.datetime.fromtimestamp(epoch, SWEDISH_TIME).isoformat()


def _meta(row: sqlite3.Row) -> JSON:
    return {"versionId": str(row["version"]), "lastUpdated": instant(row["last_updated"])}


class Renderer:
    """Builds resources for one region (its code systems) from rows of `store`'s tables."""

    def __init__(self, region: Region) -> None:
        self.region = region
        self.time_type_system = time_type_system(region)
        self.care_type_system = care_type_system(region)

    # codings -------------------------------------------------------------------------------------

    def time_type(self, code: str, name: str) -> JSON:
        return {"coding": [{"system": self.time_type_system, "code": code, "display": name}], "text": name}

    def care_type(self, code: str, name: str) -> JSON:
        return {"coding": [{"system": self.care_type_system, "code": code, "display": name}], "text": name}

    @staticmethod
    def channel(channel: str) -> JSON:
        code = CHANNEL_CODES[channel]
        return {"coding": [{"system": CHANNEL_SYSTEM, "code": code, "display": CHANNEL_DISPLAY[code]}]}

    # references ----------------------------------------------------------------------------------

    @staticmethod
    def location_ref(location_id: str, hsa_id: str, name: str) -> JSON:
        return {
            "reference": f"Location/{location_id}",
            "type": "Location",
            "identifier": {"system": HSA_ID_SYSTEM, "value": hsa_id},
            "display": name,
        }

    @staticmethod
    def practitioner_ref(practitioner_id: str, hsa_id: str, given: str, family: str) -> JSON:
        return {
            "reference": f"Practitioner/{practitioner_id}",
            "type": "Practitioner",
            "identifier": {"system": HSA_ID_SYSTEM, "value": hsa_id},
            "display": f"{given} {family}",
        }

    @staticmethod
    def patient_ref(patient_id: str, personal_number: str) -> JSON:
        return {
            "reference": f"Patient/{patient_id}",
            "type": "Patient",
            "identifier": {"system": PERSONAL_NUMBER_SYSTEM, "value": personal_number},
        }

    # resources -----------------------------------------------------------------------------------

    def organization(self, row: sqlite3.Row) -> JSON:
        return {
            "resourceType": "Organization",
            "id": row["id"],
            "identifier": [{"system": HSA_ID_SYSTEM, "value": row["hsa_id"]}],
            "active": True,
            "name": row["name"],
        }

    def location(self, row: sqlite3.Row) -> JSON:
        return {
            "resourceType": "Location",
            "id": row["id"],
            "identifier": [{"system": HSA_ID_SYSTEM, "value": row["hsa_id"]}],
            "status": "active",
            "name": row["name"],
            "mode": "instance",
            "address": {"city": row["town"], "country": "SE"},
            "managingOrganization": {"reference": f"Organization/{row['organization_id']}"},
        }

    def healthcare_service(self, row: sqlite3.Row, types: list[sqlite3.Row]) -> JSON:
        return {
            "resourceType": "HealthcareService",
            "id": row["id"],
            "active": True,
            "providedBy": {"reference": f"Organization/{row['organization_id']}"},
            "category": [self.care_type(row["care_type_code"], row["care_type_name"])],
            "type": [self.time_type(t["code"], t["name"]) for t in types],
            "location": [self.location_ref(row["location_id"], row["location_hsa_id"], row["location_name"])],
            "name": f"{row['care_type_name']}, {row['location_name']}",
        }

    def practitioner(self, row: sqlite3.Row) -> JSON:
        return {
            "resourceType": "Practitioner",
            "id": row["id"],
            "identifier": [{"system": HSA_ID_SYSTEM, "value": row["hsa_id"]}],
            "active": True,
            "name": [{"family": row["family"], "given": [row["given"]], "text": f"{row['given']} {row['family']}"}],
            "qualification": [{"code": {"text": row["title"]}}],
        }

    def schedule(self, row: sqlite3.Row) -> JSON:
        """`row`: a schedule joined with its practitioner, location and time type (see `queries`)."""
        return {
            "resourceType": "Schedule",
            "id": row["id"],
            "active": True,
            "serviceCategory": [self.care_type(row["care_type_code"], row["care_type_name"])],
            "serviceType": [self.time_type(row["time_type_code"], row["time_type_name"])],
            "actor": [
                self.practitioner_ref(row["practitioner_id"], row["practitioner_hsa_id"], row["given"], row["family"]),
                self.location_ref(row["location_id"], row["location_hsa_id"], row["location_name"]),
            ],
            "planningHorizon": {"start": instant(row["horizon_start"]), "end": instant(row["horizon_end"])},
            "comment": f"{row['time_type_name']} hos {row['given']} {row['family']}",
        }

    def slot(self, row: sqlite3.Row) -> JSON:
        """`row`: a slot joined with its schedule's time type (see `queries`)."""
        resource: JSON = {
            "resourceType": "Slot",
            "id": row["id"],
            "meta": _meta(row),
            "serviceCategory": [self.care_type(row["care_type_code"], row["care_type_name"])],
            "serviceType": [self.time_type(row["time_type_code"], row["time_type_name"])],
            "appointmentType": self.channel(row["channel"]),
            "schedule": {"reference": f"Schedule/{row['schedule_id']}"},
            "status": row["status"],
            "start": instant(row["start"]),
            "end": instant(row["end"]),
        }
        if row["capacity"] > 1:
            resource["overbooked"] = False
            resource["comment"] = f"Gruppsession, {row['capacity']} platser. {row['comment'] or ''}".strip()
        elif row["comment"]:
            resource["comment"] = row["comment"]
        return resource

    def patient(self, row: sqlite3.Row) -> JSON:
        resource: JSON = {
            "resourceType": "Patient",
            "id": row["id"],
            "meta": _meta(row),
            "identifier": [{"system": PERSONAL_NUMBER_SYSTEM, "value": row["personal_number"]}],
            "active": True,
        }
        if row["family"] or row["given"]:
            name: JSON = {}
            if row["family"]:
                name["family"] = row["family"]
            if row["given"]:
                name["given"] = row["given"].split()
            resource["name"] = [name]
        telecom = [
            {"system": system, "value": row[column]}
            for system, column in (("phone", "phone"), ("email", "email"))
            if row[column]
        ]
        if telecom:
            resource["telecom"] = telecom
        return resource

    def appointment(self, row: sqlite3.Row) -> JSON:
        """`row`: an appointment joined with patient, practitioner, location and time type (see `queries`)."""
        resource: JSON = {"resourceType": "Appointment", "id": row["id"], "meta": _meta(row)}
        if row["identifier_value"]:
            identifier = {"value": row["identifier_value"]}
            if row["identifier_system"]:
                identifier = {"system": row["identifier_system"], **identifier}
            resource["identifier"] = [identifier]
        resource["status"] = row["status"]
        if row["status"] == "cancelled" and row["cancelation_reason"]:
            resource["cancelationReason"] = {"text": row["cancelation_reason"]}
        resource["serviceCategory"] = [self.care_type(row["care_type_code"], row["care_type_name"])]
        resource["serviceType"] = [self.time_type(row["time_type_code"], row["time_type_name"])]
        resource["appointmentType"] = self.channel(row["channel"])
        if row["reason"]:
            resource["reasonCode"] = [{"text": row["reason"]}]
        if row["description"]:
            resource["description"] = row["description"]
        if row["start"] is not None:
            resource["start"] = instant(row["start"])
            resource["end"] = instant(row["end"])
            resource["minutesDuration"] = (row["end"] - row["start"]) // 60
        if row["slot_id"]:
            resource["slot"] = [{"reference": f"Slot/{row['slot_id']}"}]
        resource["created"] = instant(row["created"])
        if row["comment"]:
            resource["comment"] = row["comment"]
        attendance = "declined" if row["status"] == "cancelled" else "accepted"
        patient_status = "needs-action" if row["status"] == "proposed" else attendance
        participants = [
            {
                "actor": self.patient_ref(row["patient_id"], row["personal_number"]),
                "required": "required",
                "status": patient_status,
            }
        ]
        if row["practitioner_id"]:
            participants.append(
                {
                    "actor": self.practitioner_ref(
                        row["practitioner_id"], row["practitioner_hsa_id"], row["given"], row["family"]
                    ),
                    "required": "required",
                    "status": attendance,
                }
            )
        participants.append(
            {
                "actor": self.location_ref(row["location_id"], row["location_hsa_id"], row["location_name"]),
                "required": "required",
                "status": attendance,
            }
        )
        resource["participant"] = participants
        return resource

    def code_systems(self, time_types: list[sqlite3.Row], care_types: list[sqlite3.Row]) -> list[JSON]:
        def code_system(kind: str, url: str, title: str, rows: list[sqlite3.Row]) -> JSON:
            return {
                "resourceType": "CodeSystem",
                "id": f"region{self.region.code}-{kind}",
                "url": url,
                "name": title.replace(" ", ""),
                "title": f"{title}, {self.region.name}",
                "status": "active",
                "content": "complete",
                "count": len(rows),
                "concept": [{"code": r["code"], "display": r["name"]} for r in rows],
            }

        return [
            code_system("time-type", self.time_type_system, "Tidstyper", time_types),
            code_system("care-type", self.care_type_system, "Vårdtyper", care_types),
        ]
