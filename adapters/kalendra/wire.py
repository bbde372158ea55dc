"""Kalendra's JSON as the adapter reads it (API version 2). Tolerant reader: fields the adapter
does not use are ignored, the ones it does use are checked. Times stay the wire's UTC `…Z`
strings here; `mapping` turns them into Swedish local time."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Category",
    "Clinic",
    "ErrorBody",
    "ErrorDetail",
    "ExternalRef",
    "Opening",
    "Page",
    "Patient",
    "Provider",
    "Reservation",
    "ReservationPolicy",
    "VisitKind",
]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ExternalRef(_Wire):
    scheme: str
    value: str


class Clinic(_Wire):
    id: str
    name: str
    external_ref: ExternalRef


class Category(_Wire):
    key: str
    label: str
    external_code: str | None = None


class VisitKind(_Wire):
    id: str
    clinic_id: str
    name: str
    category: Category
    external_code: str | None = None
    duration_minutes: int
    mode: Literal["in_person", "video", "phone"]
    preparation: str | None = None
    provider_ids: tuple[str, ...] = ()


class Provider(_Wire):
    id: str
    clinic_id: str
    given_name: str
    family_name: str
    title: str | None = None
    external_ref: ExternalRef
    visit_kind_ids: tuple[str, ...] = ()


class Opening(_Wire):
    id: str
    clinic_id: str
    provider_id: str
    visit_kind_id: str
    starts_at: str
    ends_at: str
    status: Literal["open", "reserved"]  # reserved: no place left
    capacity: int = 1  # places: more than one for a group session
    places_left: int | None = None


class Patient(_Wire):
    id: str
    personal_number: str
    given_name: str | None = None
    family_name: str | None = None


class ReservationPolicy(_Wire):
    changeable_until: str
    can_cancel: bool
    can_reschedule: bool


class Reservation(_Wire):
    id: str
    status: Literal["active", "cancelled"]
    clinic_id: str
    opening: Opening
    patient: Patient
    note: str | None = None
    policy: ReservationPolicy


class Page(_Wire):
    items: list[dict[str, object]]
    next_cursor: str | None = None


class ErrorDetail(_Wire):
    code: str
    message: str = ""


class ErrorBody(_Wire):
    error: ErrorDetail = Field()
