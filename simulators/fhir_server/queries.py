"""The joined SELECTs that give a resource everything it renders, and reads by id."""

from __future__ import annotations

import sqlite3

__all__ = [
    "APPOINTMENT_SELECT",
    "HEALTHCARE_SERVICE_SELECT",
    "LOCATION_SELECT",
    "ORGANIZATION_SELECT",
    "PATIENT_SELECT",
    "PRACTITIONER_SELECT",
    "SCHEDULE_SELECT",
    "SLOT_SELECT",
    "fetch_one",
    "healthcare_service_types",
]

ORGANIZATION_SELECT = "SELECT organization.* FROM organization"
LOCATION_SELECT = "SELECT location.* FROM location"
PRACTITIONER_SELECT = "SELECT practitioner.* FROM practitioner"
PATIENT_SELECT = "SELECT patient.* FROM patient"

HEALTHCARE_SERVICE_SELECT = (
    "SELECT healthcare_service.*, care_type.name AS care_type_name, location.hsa_id AS location_hsa_id,"
    " location.name AS location_name, location.organization_id FROM healthcare_service"
    " JOIN care_type ON care_type.code = healthcare_service.care_type_code"
    " JOIN location ON location.id = healthcare_service.location_id"
)

SCHEDULE_SELECT = (
    "SELECT schedule.*, practitioner.hsa_id AS practitioner_hsa_id, practitioner.given, practitioner.family,"
    " location.hsa_id AS location_hsa_id, location.name AS location_name, time_type.name AS time_type_name,"
    " time_type.care_type_code, care_type.name AS care_type_name FROM schedule"
    " JOIN practitioner ON practitioner.id = schedule.practitioner_id"
    " JOIN location ON location.id = schedule.location_id"
    " JOIN time_type ON time_type.code = schedule.time_type_code"
    " JOIN care_type ON care_type.code = time_type.care_type_code"
)

SLOT_SELECT = (
    "SELECT slot.*, schedule.practitioner_id, schedule.location_id, schedule.time_type_code,"
    " time_type.name AS time_type_name, time_type.channel, time_type.care_type_code,"
    " care_type.name AS care_type_name FROM slot"
    " JOIN schedule ON schedule.id = slot.schedule_id"
    " JOIN time_type ON time_type.code = schedule.time_type_code"
    " JOIN care_type ON care_type.code = time_type.care_type_code"
)

APPOINTMENT_SELECT = (
    "SELECT appointment.*, patient.personal_number, practitioner.hsa_id AS practitioner_hsa_id,"
    " practitioner.given, practitioner.family, location.hsa_id AS location_hsa_id, location.name AS location_name,"
    " time_type.name AS time_type_name, time_type.channel, time_type.care_type_code,"
    " care_type.name AS care_type_name FROM appointment"
    " JOIN patient ON patient.id = appointment.patient_id"
    " LEFT JOIN practitioner ON practitioner.id = appointment.practitioner_id"
    " JOIN location ON location.id = appointment.location_id"
    " JOIN time_type ON time_type.code = appointment.time_type_code"
    " JOIN care_type ON care_type.code = time_type.care_type_code"
)


def fetch_one(db: sqlite3.Connection, select: str, table: str, resource_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(f"{select} WHERE {table}.id = ?", (resource_id,)).fetchone()
    return row


def healthcare_service_types(db: sqlite3.Connection, location_id: str, care_type_code: str) -> list[sqlite3.Row]:
    """The time types a unit offers within one care type: those it has schedules for."""
    return db.execute(
        "SELECT DISTINCT time_type.code, time_type.name FROM schedule"
        " JOIN time_type ON time_type.code = schedule.time_type_code"
        " WHERE schedule.location_id = ? AND time_type.care_type_code = ? ORDER BY time_type.code",
        (location_id, care_type_code),
    ).fetchall()
