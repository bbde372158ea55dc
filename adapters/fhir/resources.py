"""The FHIR R4 resources the adapter reads, as plain pydantic models (only the elements it uses).

Elements the adapter does not use are ignored, so a region's extensions pass without harm; an
answer without what the adapter needs fails validation and becomes `RegionProtocolError`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Appointment",
    "AppointmentParticipant",
    "Bundle",
    "BundleEntry",
    "BundleLink",
    "CodeableConcept",
    "Coding",
    "HumanName",
    "Identifier",
    "Location",
    "Meta",
    "OperationOutcome",
    "OutcomeIssue",
    "Practitioner",
    "Reference",
    "Schedule",
    "Slot",
]


class _Element(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Coding(_Element):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class CodeableConcept(_Element):
    coding: tuple[Coding, ...] = ()
    text: str | None = None


class Identifier(_Element):
    system: str | None = None
    value: str | None = None


class Reference(_Element):
    reference: str | None = None
    type: str | None = None
    identifier: Identifier | None = None
    display: str | None = None

    def kind(self) -> str | None:
        """The resource type referred to: `type`, or the type in a literal reference."""
        if self.type:
            return self.type
        parts = (self.reference or "").rstrip("/").split("/")
        return parts[-2] if len(parts) >= 2 else None

    def target_id(self) -> str | None:
        parts = (self.reference or "").rstrip("/").split("/")
        return parts[-1] if len(parts) >= 2 and parts[-1] else None


class Meta(_Element):
    versionId: str | None = None
    lastUpdated: str | None = None


class _Resource(_Element):
    id: str
    meta: Meta | None = None


class HumanName(_Element):
    family: str | None = None
    given: tuple[str, ...] = ()
    text: str | None = None


class Qualification(_Element):
    code: CodeableConcept


class Practitioner(_Resource):
    resourceType: Literal["Practitioner"]
    identifier: tuple[Identifier, ...] = ()
    name: tuple[HumanName, ...] = ()
    qualification: tuple[Qualification, ...] = ()


class Location(_Resource):
    resourceType: Literal["Location"]
    identifier: tuple[Identifier, ...] = ()
    name: str | None = None


class Schedule(_Resource):
    resourceType: Literal["Schedule"]
    active: bool | None = None
    serviceCategory: tuple[CodeableConcept, ...] = ()
    serviceType: tuple[CodeableConcept, ...] = ()
    actor: tuple[Reference, ...] = Field(min_length=1)


class Slot(_Resource):
    resourceType: Literal["Slot"]
    serviceCategory: tuple[CodeableConcept, ...] = ()
    serviceType: tuple[CodeableConcept, ...] = ()
    appointmentType: CodeableConcept | None = None
    schedule: Reference
    status: str
    start: str
    end: str
    comment: str | None = None


class AppointmentParticipant(_Element):
    actor: Reference | None = None
    required: str | None = None
    status: str | None = None


class Appointment(_Resource):
    resourceType: Literal["Appointment"]
    identifier: tuple[Identifier, ...] = ()
    status: str
    cancelationReason: CodeableConcept | None = None
    serviceCategory: tuple[CodeableConcept, ...] = ()
    serviceType: tuple[CodeableConcept, ...] = ()
    appointmentType: CodeableConcept | None = None
    reasonCode: tuple[CodeableConcept, ...] = ()
    description: str | None = None
    start: str | None = None
    end: str | None = None
    slot: tuple[Reference, ...] = ()
    comment: str | None = None
    participant: tuple[AppointmentParticipant, ...] = ()

    def actors(self, kind: str) -> list[Reference]:
        return [p.actor for p in self.participant if p.actor is not None and p.actor.kind() == kind]


class OutcomeIssue(_Element):
    severity: str | None = None
    code: str | None = None
    details: CodeableConcept | None = None
    diagnostics: str | None = None


class OperationOutcome(_Element):
    resourceType: Literal["OperationOutcome"]
    issue: tuple[OutcomeIssue, ...] = ()

    def text(self) -> str:
        parts = [
            (issue.details.text if issue.details and issue.details.text else None) or issue.diagnostics or ""
            for issue in self.issue
        ]
        return "; ".join(part for part in parts if part)

    def detail_codes(self) -> set[str]:
        return {c.code for issue in self.issue if issue.details for c in issue.details.coding if c.code}

    def issue_codes(self) -> set[str]:
        return {issue.code for issue in self.issue if issue.code}


class BundleLink(_Element):
    relation: str
    url: str


class BundleSearch(_Element):
    mode: str | None = None


class BundleEntry(_Element):
    fullUrl: str | None = None
    resource: dict[str, Any] | None = None
    search: BundleSearch | None = None


class Bundle(_Element):
    resourceType: Literal["Bundle"]
    type: str | None = None
    total: int | None = None
    link: tuple[BundleLink, ...] = ()
    entry: tuple[BundleEntry, ...] = ()

    def next_url(self) -> str | None:
        return next((link.url for link in self.link if link.relation == "next"), None)
