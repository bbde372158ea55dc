"""Kalendra's API models: what clients send (validated, extra fields refused) and what they get.

Database rows are turned into these in `render.py`; times are the UTC `…Z` strings of
`timestamps.py`.
"""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simulators.common.seed import luhn_digit

__all__ = [
    "Category",
    "Clinic",
    "ClinicPolicy",
    "ExternalRef",
    "Opening",
    "OpeningCreate",
    "Page",
    "PatientIn",
    "PatientOut",
    "Provider",
    "Reservation",
    "ReservationCancel",
    "ReservationCreate",
    "ReservationMove",
    "ReservationPolicy",
    "VisitKind",
]

Item = TypeVar("Item")
VisitMode = Literal["in_person", "video", "phone"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PatientIn(_In):
    """The patient a reservation is for, found (or registered) by personal identity number."""

    personal_number: str = Field(pattern=r"^[0-9]{12}$", description="12 digits, yyyymmddnnnn")
    given_name: str | None = Field(default=None, max_length=100)
    family_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)

    @field_validator("personal_number")
    @classmethod
    def _check_digit(cls, value: str) -> str:
        if luhn_digit(value[2:11]) != int(value[11]):
            raise ValueError("the check digit is wrong")
        return value


class ReservationCreate(_In):
    opening_id: str = Field(min_length=1, max_length=64)
    patient: PatientIn
    note: str | None = Field(default=None, max_length=500, description="the patient's own words")


class ReservationMove(_In):
    opening_id: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=500)


class ReservationCancel(_In):
    reason: str | None = Field(default=None, max_length=500)


class OpeningCreate(_In):
    """Staff publish an opening; `ends_at` defaults to the visit kind's duration."""

    clinic_id: str
    provider_id: str
    visit_kind_id: str
    starts_at: str
    ends_at: str | None = None
    capacity: int = Field(default=1, ge=1, le=100)  # places: more than one for a group session


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExternalRef(_Out):
    scheme: Literal["HSA"] = "HSA"
    value: str


class ClinicPolicy(_Out):
    change_cutoff_minutes: int = Field(description="reservations move or cancel until this long before the start")


class Clinic(_Out):
    id: str
    name: str
    town: str
    external_ref: ExternalRef
    policy: ClinicPolicy


class Category(_Out):
    key: str
    label: str
    external_code: str | None


class VisitKind(_Out):
    id: str
    clinic_id: str
    name: str
    category: Category
    external_code: str | None
    duration_minutes: int
    mode: VisitMode
    preparation: str | None
    provider_ids: list[str]


class Provider(_Out):
    id: str
    clinic_id: str
    given_name: str
    family_name: str
    title: str | None
    external_ref: ExternalRef
    visit_kind_ids: list[str]


class Opening(_Out):
    id: str
    clinic_id: str
    provider_id: str
    visit_kind_id: str
    starts_at: str
    ends_at: str
    status: Literal["open", "reserved"]  # reserved: no place left
    capacity: int  # places: 1, or the size of a group session
    places_left: int


class PatientOut(_Out):
    id: str
    personal_number: str
    given_name: str | None
    family_name: str | None


class ReservationPolicy(_Out):
    changeable_until: str
    can_cancel: bool
    can_reschedule: bool


class Reservation(_Out):
    id: str
    status: Literal["active", "cancelled"]
    clinic_id: str
    opening: Opening
    patient: PatientOut
    note: str | None
    reschedule_count: int
    created_at: str
    updated_at: str
    cancelled_at: str | None
    cancel_reason: str | None
    policy: ReservationPolicy


class Page(_Out, Generic[Item]):
    items: list[Item]
    next_cursor: str | None
