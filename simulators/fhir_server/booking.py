"""The writes: register a patient, book, rebook, cancel, publish a slot.

Every write runs in one `BEGIN IMMEDIATE` transaction: the slot's state is read and changed while no
other writer can run, and the seat index in `store` refuses a second active appointment on a full
slot even if this code had a bug. A slot is `free` while it has a seat left, `busy` when full
(`busy-tentative` when only invitations hold it). Refusals follow GP Connect's habits: a slot that is
no longer free is 409 (conflict), a stale `If-Match` 412, a broken business rule 422.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from simulators.common.seed import luhn_digit
from simulators.fhir_server.models import AppointmentIn, PatientIn, Reference, SlotIn
from simulators.fhir_server.outcomes import FhirError
from simulators.fhir_server.queries import SLOT_SELECT, fetch_one
from simulators.fhir_server.search import Searcher
from simulators.fhir_server.store import INACTIVE_SQL, Database, refresh_slot
from simulators.fhir_server.terminology import PERSONAL_NUMBER_SYSTEM

__all__ = ["Bookings", "Written", "parse_instant"]

JSON = dict[str, Any]
Written = tuple[int, JSON]
"""HTTP status (200 or 201) and the resource as stored."""

_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_NEXT_STATUSES = {
    "proposed": {"proposed", "pending", "booked", "cancelled"},
    "pending": {"pending", "booked", "cancelled"},
    "booked": {"booked", "cancelled"},
}


def parse_instant(text: str, element: str) -> int:
    """A FHIR instant (with its offset: a wall-clock time alone is ambiguous) → epoch seconds."""
    if not _INSTANT.fullmatch(text):
        raise FhirError(
            400, "value", f"{element} must be a FHIR instant with a UTC offset, e.g. 2027-03-28T01:30:00+01:00"
        )
    return int(dt.datetime.fromisoformat(text).timestamp())


def _valid_personal_number(value: str) -> bool:
    return bool(re.fullmatch(r"\d{12}", value)) and luhn_digit(value[2:11]) == int(value[11])


class Bookings:
    def __init__(self, database: Database, searcher: Searcher, clock: Callable[[], dt.datetime]) -> None:
        self.database = database
        self.searcher = searcher
        self.clock = clock

    def _now(self) -> int:
        return int(self.clock().timestamp())

    # Patient -------------------------------------------------------------------------------------

    def create_patient(self, body: PatientIn, if_none_exist: Sequence[tuple[str, str]] | None) -> Written:
        numbers = [i.value for i in body.identifier if i.system == PERSONAL_NUMBER_SYSTEM and i.value]
        if len(numbers) != 1 or not _valid_personal_number(numbers[0].replace("-", "")):
            raise FhirError(422, "value", "a Patient needs one valid personnummer (12 digits) as identifier")
        number = numbers[0].replace("-", "")
        now = self._now()
        with self.database.write() as db:
            if if_none_exist is not None:
                existing = self._conditional(db, "Patient", if_none_exist)
                if existing is not None:
                    return 200, self.searcher.read(db, "Patient", existing)
            if db.execute("SELECT 1 FROM patient WHERE personal_number = ?", (number,)).fetchone():
                raise FhirError(409, "duplicate", "a Patient with this personnummer exists", detail_code="DUPLICATE")
            name = body.name[0] if body.name else None
            telecom = {c.system: c.value for c in body.telecom if c.system in ("phone", "email")}
            patient_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO patient VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                (
                    patient_id,
                    number,
                    " ".join(name.given) if name and name.given else None,
                    name.family if name else None,
                    telecom.get("phone"),
                    telecom.get("email"),
                    now,
                ),
            )
            return 201, self.searcher.read(db, "Patient", patient_id)

    # Appointment: book ---------------------------------------------------------------------------

    def create_appointment(self, body: AppointmentIn, if_none_exist: Sequence[tuple[str, str]] | None) -> Written:
        if body.status not in ("booked", "pending"):
            raise FhirError(
                422, "business-rule", "a new appointment is booked or pending", detail_code="INVALID_STATUS"
            )
        slot_id = self._slot_reference(body)
        if slot_id is None:
            raise FhirError(422, "required", "an appointment books exactly one Slot", detail_code="SLOT_REQUIRED")
        now = self._now()
        with self.database.write() as db:
            if if_none_exist is not None:
                existing = self._conditional(db, "Appointment", if_none_exist)
                if existing is not None:
                    return 200, self._appointment(db, existing)
            patient_id = self._patient(db, body)
            slot = self._bookable_slot(db, slot_id, now)
            self._check_times(body, slot)
            self._check_actors(body, slot)
            self._check_patient_free(db, patient_id, slot, None)
            identifier = body.identifier[0] if body.identifier else None
            appointment_id = str(uuid.uuid4())
            try:
                db.execute(
                    "INSERT INTO appointment (id, identifier_system, identifier_value, status, patient_id, slot_id,"
                    ' seat, start, "end", time_type_code, practitioner_id, location_id, description, comment, reason,'
                    " created, version, last_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
                    (
                        appointment_id,
                        identifier.system if identifier else None,
                        identifier.value if identifier else None,
                        body.status,
                        patient_id,
                        slot["id"],
                        self._free_seat(db, slot),
                        slot["start"],
                        slot["end"],
                        slot["time_type_code"],
                        slot["practitioner_id"],
                        slot["location_id"],
                        body.description,
                        body.comment,
                        _reason(body),
                        now,
                        now,
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise _slot_taken() from exc
            refresh_slot(db, slot["id"], now)
            return 201, self._appointment(db, appointment_id)

    # Appointment: rebook, accept, cancel ---------------------------------------------------------

    def update_appointment(self, appointment_id: str, body: AppointmentIn, if_match: str | None) -> Written:
        if body.id != appointment_id:
            raise FhirError(400, "invalid", "the Appointment's id must be the id in the URL", detail_code="ID_MISMATCH")
        expected = _version(if_match)
        now = self._now()
        with self.database.write() as db:
            current = db.execute("SELECT * FROM appointment WHERE id = ?", (appointment_id,)).fetchone()
            if current is None:
                raise FhirError(
                    404, "not-found", f"Appointment/{appointment_id} is not known", detail_code="APPOINTMENT_NOT_FOUND"
                )
            if current["version"] != expected:
                raise FhirError(
                    412,
                    "conflict",
                    f"the appointment has changed: version {current['version']}, not {expected}",
                    detail_code="VERSION_CONFLICT",
                )
            if current["status"] == "cancelled":
                raise FhirError(
                    422, "business-rule", "the appointment is already cancelled", detail_code="ALREADY_CANCELLED"
                )
            if body.status not in _NEXT_STATUSES.get(current["status"], set()):
                raise FhirError(
                    422,
                    "business-rule",
                    f"an appointment that is {current['status']} cannot become {body.status}",
                    detail_code="INVALID_TRANSITION",
                )
            if self._patient(db, body) != current["patient_id"]:
                raise FhirError(422, "business-rule", "the patient of an appointment cannot change")
            moved_to = None
            if body.status == "cancelled":
                self._cancel(db, current, body, now)
            else:
                moved_to = self._rebook(db, current, body, now)
            db.execute(
                "UPDATE appointment SET status = ?, comment = ?, reason = ?, description = COALESCE(?, description),"
                " version = version + 1, last_updated = ? WHERE id = ?",
                (body.status, body.comment, _reason(body), body.description, now, appointment_id),
            )
            for slot_id in {current["slot_id"], moved_to} - {None}:
                refresh_slot(db, slot_id, now)
            return 200, self._appointment(db, appointment_id)

    def _cancel(self, db: sqlite3.Connection, current: sqlite3.Row, body: AppointmentIn, now: int) -> None:
        if current["start"] is not None and current["start"] <= now:
            raise FhirError(
                422, "business-rule", "the appointment has already started or passed", detail_code="APPOINTMENT_IN_PAST"
            )
        reason = body.cancelationReason.text if body.cancelationReason else None
        db.execute("UPDATE appointment SET cancelation_reason = ? WHERE id = ?", (reason, current["id"]))

    def _rebook(self, db: sqlite3.Connection, current: sqlite3.Row, body: AppointmentIn, now: int) -> str | None:
        """Move the appointment to the slot the body names; the slot moved to, if it moved."""
        slot_id = self._slot_reference(body)
        if slot_id is None:
            if current["slot_id"] is not None or body.status != "proposed":
                raise FhirError(
                    422,
                    "required",
                    "name the Slot; to give a time up, cancel the appointment",
                    detail_code="SLOT_REQUIRED",
                )
            return None
        if slot_id == current["slot_id"]:
            return None
        if current["start"] is not None and current["start"] <= now:
            raise FhirError(
                422, "business-rule", "the appointment has already started or passed", detail_code="APPOINTMENT_IN_PAST"
            )
        slot = self._bookable_slot(db, slot_id, now)
        self._check_patient_free(db, current["patient_id"], slot, current["id"])
        try:
            db.execute(
                'UPDATE appointment SET slot_id = ?, seat = ?, start = ?, "end" = ?, time_type_code = ?,'
                " practitioner_id = ?, location_id = ? WHERE id = ?",
                (
                    slot["id"],
                    self._free_seat(db, slot),
                    slot["start"],
                    slot["end"],
                    slot["time_type_code"],
                    slot["practitioner_id"],
                    slot["location_id"],
                    current["id"],
                ),
            )
        except sqlite3.IntegrityError as exc:
            raise _slot_taken() from exc
        return str(slot["id"])

    # Slot: publish -------------------------------------------------------------------------------

    def create_slot(self, body: SlotIn) -> Written:
        schedule_id = body.schedule.target("Schedule")
        if schedule_id is None:
            raise FhirError(422, "required", "Slot.schedule must refer to a Schedule")
        start = parse_instant(body.start, "Slot.start")
        end = parse_instant(body.end, "Slot.end")
        if end <= start:
            raise FhirError(422, "invariant", "a slot ends after it starts")
        now = self._now()
        with self.database.write() as db:
            schedule = db.execute(
                "SELECT schedule.*, time_type.capacity FROM schedule JOIN time_type"
                " ON time_type.code = schedule.time_type_code WHERE schedule.id = ?",
                (schedule_id,),
            ).fetchone()
            if schedule is None:
                raise FhirError(422, "not-found", f"Schedule/{schedule_id} is not known")
            overlap = db.execute(
                "SELECT 1 FROM slot JOIN schedule ON schedule.id = slot.schedule_id WHERE schedule.practitioner_id = ?"
                " AND slot.status != 'entered-in-error' AND slot.start < ? AND slot.\"end\" > ?",
                (schedule["practitioner_id"], end, start),
            ).fetchone()
            if overlap:
                raise FhirError(
                    409, "conflict", "the practitioner already has a slot at that time", detail_code="SLOT_OVERLAP"
                )
            slot_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO slot VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
                (slot_id, schedule_id, start, end, body.status, schedule["capacity"], body.comment, now),
            )
            return 201, self.searcher.read(db, "Slot", slot_id)

    # helpers -------------------------------------------------------------------------------------

    def _appointment(self, db: sqlite3.Connection, appointment_id: str) -> JSON:
        return self.searcher.read(db, "Appointment", appointment_id)

    def _conditional(self, db: sqlite3.Connection, kind: str, params: Sequence[tuple[str, str]]) -> str | None:
        matches = self.searcher.match_ids(db, kind, params)
        if len(matches) > 1:
            raise FhirError(412, "multiple-matches", "If-None-Exist matches more than one resource")
        return matches[0] if matches else None

    @staticmethod
    def _slot_reference(body: AppointmentIn) -> str | None:
        if not body.slot:
            return None
        if len(body.slot) > 1:
            raise FhirError(422, "not-supported", "this server books one Slot per appointment")
        slot_id = body.slot[0].target("Slot")
        if slot_id is None:
            raise FhirError(422, "invalid", "Appointment.slot must be a reference Slot/[id]")
        return slot_id

    @staticmethod
    def _patient(db: sqlite3.Connection, body: AppointmentIn) -> str:
        actors: list[Reference] = body.actors("Patient")
        if len(actors) != 1:
            raise FhirError(
                422, "required", "an appointment has one Patient participant", detail_code="PATIENT_REQUIRED"
            )
        actor = actors[0]
        patient_id = actor.target("Patient")
        if patient_id is not None:
            row = db.execute("SELECT id FROM patient WHERE id = ?", (patient_id,)).fetchone()
        elif (
            actor.identifier is not None
            and actor.identifier.system == PERSONAL_NUMBER_SYSTEM
            and actor.identifier.value
        ):
            number = actor.identifier.value.replace("-", "")
            row = db.execute("SELECT id FROM patient WHERE personal_number = ?", (number,)).fetchone()
        else:
            raise FhirError(422, "required", "the Patient participant needs a reference or a personnummer")
        if row is None:
            raise FhirError(
                422, "not-found", "the Patient is not known here: register it first", detail_code="PATIENT_NOT_FOUND"
            )
        return str(row["id"])

    @staticmethod
    def _bookable_slot(db: sqlite3.Connection, slot_id: str, now: int) -> sqlite3.Row:
        slot = fetch_one(db, SLOT_SELECT, "slot", slot_id)
        if slot is None:
            raise FhirError(422, "not-found", f"Slot/{slot_id} is not known", detail_code="SLOT_NOT_FOUND")
        if slot["start"] <= now:
            raise FhirError(422, "business-rule", "the slot has already started or passed", detail_code="SLOT_IN_PAST")
        if slot["status"] != "free":
            raise _slot_taken()
        return slot

    @staticmethod
    def _free_seat(db: sqlite3.Connection, slot: sqlite3.Row) -> int:
        taken = {
            row["seat"]
            for row in db.execute(
                f"SELECT seat FROM appointment WHERE slot_id = ? AND status NOT IN ({INACTIVE_SQL})", (slot["id"],)
            )
        }
        for seat in range(1, slot["capacity"] + 1):
            if seat not in taken:
                return seat
        raise _slot_taken()

    @staticmethod
    def _check_times(body: AppointmentIn, slot: sqlite3.Row) -> None:
        for element, given, expected in (("start", body.start, slot["start"]), ("end", body.end, slot["end"])):
            if given is not None and parse_instant(given, f"Appointment.{element}") != expected:
                raise FhirError(
                    422, "invariant", f"Appointment.{element} is not the slot's {element}", detail_code="TIME_MISMATCH"
                )

    @staticmethod
    def _check_actors(body: AppointmentIn, slot: sqlite3.Row) -> None:
        for kind, column in (("Practitioner", "practitioner_id"), ("Location", "location_id")):
            for actor in body.actors(kind):
                target = actor.target(kind)
                if target is not None and target != slot[column]:
                    raise FhirError(
                        422, "invariant", f"the {kind} is not the slot's {kind}", detail_code="ACTOR_MISMATCH"
                    )

    @staticmethod
    def _check_patient_free(db: sqlite3.Connection, patient_id: str, slot: sqlite3.Row, except_id: str | None) -> None:
        clash = db.execute(
            f"SELECT 1 FROM appointment WHERE patient_id = ? AND status NOT IN ({INACTIVE_SQL})"
            ' AND start < ? AND "end" > ? AND id != ?',
            (patient_id, slot["end"], slot["start"], except_id or ""),
        ).fetchone()
        if clash:
            raise FhirError(
                409, "conflict", "the patient already has an appointment at that time", detail_code="PATIENT_BUSY"
            )


def _reason(body: AppointmentIn) -> str | None:
    texts = [c.text for c in body.reasonCode if c.text]
    return texts[0] if texts else None


def _slot_taken() -> FhirError:
    return FhirError(409, "conflict", "the slot is no longer free", detail_code="SLOT_NOT_FREE")


def _version(if_match: str | None) -> int:
    if not if_match:
        raise FhirError(
            412,
            "conflict",
            'an update needs If-Match with the version read, e.g. W/"3"',
            detail_code="VERSION_REQUIRED",
        )
    match = re.fullmatch(r'\s*(?:W/)?"(\d+)"\s*', if_match)
    if not match:
        raise FhirError(400, "invalid", 'If-Match must be an ETag such as W/"3"')
    return int(match.group(1))
