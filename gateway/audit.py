"""The audit log: one row for every call that reaches a region on a citizen's behalf (who asked,
which contract, about whom, at which unit, with what result, when). Citizens and citizen actors
are stored as keyed hashes (see `protection`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from adapters.domain import ActorRole, RequestContext
from adapters.identifiers import PersonalIdentity
from gateway.db.models import AuditRow
from gateway.protection import CitizenProtector

__all__ = ["AuditEvent", "AuditLog"]


@dataclass(frozen=True, slots=True)
class AuditEvent:
    contract: str
    context: RequestContext
    outcome: str  # OK | INFO | ERROR | FAULT
    care_unit: str | None = None
    citizen: PersonalIdentity | None = None
    booking_id: str | None = None
    detail: str | None = None


class AuditLog:
    def __init__(self, protector: CitizenProtector) -> None:
        self._protector = protector

    def values(self, event: AuditEvent) -> dict[str, Any]:
        """The row's columns, stamped now (not when a batch of rows is committed)."""
        actor = event.context.actor
        actor_ref: str | None = None
        if actor is not None:
            actor_ref = actor.actor_id if actor.role is ActorRole.STAFF else self._protector.reference(actor.actor_id)
        return {
            "at": dt.datetime.now(dt.UTC),
            "consumer_id": event.context.consumer_id,
            "actor_role": actor.role.value if actor else None,
            "actor_ref": actor_ref,
            "contract": event.contract,
            "logical_address": event.context.logical_address,
            "care_unit": event.care_unit,
            "citizen_ref": self._protector.reference(event.citizen) if event.citizen else None,
            "booking_id": event.booking_id,
            "outcome": event.outcome,
            "detail": event.detail,
            "correlation_id": event.context.correlation_id,
        }

    def row(self, event: AuditEvent) -> AuditRow:
        return AuditRow(**self.values(event))

    def add(self, session: AsyncSession, event: AuditEvent) -> None:
        """Add the row to the caller's transaction (so it commits or rolls back with the decision)."""
        session.add(self.row(event))
