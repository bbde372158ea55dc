"""Pydantic models of the resources clients send (only the elements the simulator reads).

Elements the simulator does not use are ignored, as a FHIR server may; what it does use is checked."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AppointmentIn",
    "CodeableConcept",
    "Coding",
    "Identifier",
    "Participant",
    "PatientIn",
    "Reference",
    "SlotIn",
]


class _Element(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Coding(_Element):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class CodeableConcept(_Element):
    coding: list[Coding] = Field(default_factory=list)
    text: str | None = None


class Identifier(_Element):
    system: str | None = None
    value: str | None = None


class Reference(_Element):
    reference: str | None = None
    type: str | None = None
    identifier: Identifier | None = None
    display: str | None = None

    def target(self, kind: str) -> str | None:
        """The id this reference names, when it is a literal reference to `kind`."""
        if not self.reference:
            return None
        parts = self.reference.rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2] == kind:
            return parts[-1]
        return None


class Participant(_Element):
    actor: Reference | None = None
    required: str | None = None
    status: str | None = None


class AppointmentIn(_Element):
    resourceType: Literal["Appointment"]
    id: str | None = None
    identifier: list[Identifier] = Field(default_factory=list)
    status: str
    cancelationReason: CodeableConcept | None = None
    reasonCode: list[CodeableConcept] = Field(default_factory=list)
    description: str | None = None
    start: str | None = None
    end: str | None = None
    slot: list[Reference] = Field(default_factory=list)
    comment: str | None = None
    participant: list[Participant] = Field(min_length=1)

    def actors(self, kind: str) -> list[Reference]:
        return [
            p.actor
            for p in self.participant
            if p.actor is not None and (p.actor.type == kind or p.actor.target(kind) is not None)
        ]


class HumanName(_Element):
    family: str | None = None
    given: list[str] = Field(default_factory=list)


class ContactPoint(_Element):
    system: str | None = None
    value: str | None = None


class PatientIn(_Element):
    resourceType: Literal["Patient"]
    identifier: list[Identifier] = Field(min_length=1)
    name: list[HumanName] = Field(default_factory=list)
    telecom: list[ContactPoint] = Field(default_factory=list)


class SlotIn(_Element):
    resourceType: Literal["Slot"]
    schedule: Reference
    status: Literal["free", "busy-unavailable"]
    start: str
    end: str
    comment: str | None = None
