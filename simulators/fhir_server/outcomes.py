"""OperationOutcome: how the simulator says no. Every error answer carries one."""

from __future__ import annotations

from typing import Any

from simulators.fhir_server.terminology import ERROR_SYSTEM

__all__ = ["FhirError", "operation_outcome"]


class FhirError(Exception):
    """An error answer: HTTP status, FHIR issue code (`IssueType`), our detail code and a text."""

    def __init__(self, status: int, issue_code: str, text: str, *, detail_code: str | None = None) -> None:
        super().__init__(text)
        self.status = status
        self.issue_code = issue_code
        self.text = text
        self.detail_code = detail_code

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.issue_code, self.text, detail_code=self.detail_code)


def operation_outcome(
    issue_code: str, text: str, *, detail_code: str | None = None, severity: str = "error"
) -> dict[str, Any]:
    details: dict[str, Any] = {"text": text}
    if detail_code:
        details["coding"] = [{"system": ERROR_SYSTEM, "code": detail_code}]
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": issue_code, "details": details}],
    }
