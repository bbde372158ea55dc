"""Kalendra's errors: an HTTP status and a JSON body `{"error": {"code": …, "message": …}}`.

The codes are Kalendra's own, stable, upper-case names; clients branch on `code`, never on
`message`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = ["ErrorCode", "KalendraError", "error_body"]


class ErrorCode(StrEnum):
    UNAUTHORIZED = "UNAUTHORIZED"  # 401: X-Kalendra-Key missing or wrong
    VALIDATION_FAILED = "VALIDATION_FAILED"  # 422: the request does not follow the API
    NOT_FOUND = "NOT_FOUND"  # 404: no such endpoint
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"  # 405
    CLINIC_NOT_FOUND = "CLINIC_NOT_FOUND"  # 404
    PROVIDER_NOT_FOUND = "PROVIDER_NOT_FOUND"  # 404 (publishing an opening)
    VISIT_KIND_NOT_FOUND = "VISIT_KIND_NOT_FOUND"  # 404 (publishing an opening)
    OPENING_NOT_FOUND = "OPENING_NOT_FOUND"  # 404
    OPENING_TAKEN = "OPENING_TAKEN"  # 409: another active reservation holds the opening
    OPENING_IN_PAST = "OPENING_IN_PAST"  # 409: the opening has already started
    OPENING_CONFLICT = "OPENING_CONFLICT"  # 409: the provider already has an opening at that start
    PATIENT_DOUBLE_BOOKED = "PATIENT_DOUBLE_BOOKED"  # 409: the patient holds an overlapping reservation
    CLINIC_MISMATCH = "CLINIC_MISMATCH"  # 409: a reservation moves only within its clinic
    RESERVATION_NOT_FOUND = "RESERVATION_NOT_FOUND"  # 404
    RESERVATION_ALREADY_CANCELLED = "RESERVATION_ALREADY_CANCELLED"  # 409
    CANCELLATION_WINDOW_CLOSED = "CANCELLATION_WINDOW_CLOSED"  # 409: too close to the start to cancel
    RESCHEDULE_WINDOW_CLOSED = "RESCHEDULE_WINDOW_CLOSED"  # 409: too close to the start to move
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"  # 422: same Idempotency-Key, another body
    INTERNAL_ERROR = "INTERNAL_ERROR"  # 500


class KalendraError(Exception):
    """A refusal or a failure, answered as Kalendra's JSON error."""

    def __init__(self, status: int, code: ErrorCode, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    @classmethod
    def invalid(cls, message: str, details: list[dict[str, Any]] | None = None) -> KalendraError:
        return cls(422, ErrorCode.VALIDATION_FAILED, message, details)

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


def error_body(code: ErrorCode, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code.value, "message": message}
    if details:
        error["details"] = details
    return {"error": error}
