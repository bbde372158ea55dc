"""Referrals through the JSON face: an authorised consumer (an assessment or triage service, the
advice line) opens referral-only or hidden time types to one citizen. Stored and audited."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi import APIRouter, Header
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from adapters.domain import RequestContext
from adapters.identifiers import HsaId, InvalidIdentifier, PersonalIdentity
from gateway.api.problems import Problem
from gateway.audit import AuditEvent
from gateway.db.models import ReferralRow
from gateway.referrals import NewReferral, ReferralStore
from gateway.services.scheduling import SchedulingService
from rules.vocabulary import ReferralKind

__all__ = ["referral_router"]

ISSUER_HEADER = "x-rivta-original-serviceconsumer-hsaid"


class ReferralIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    citizen: str = Field(description="personnummer or samordningsnummer, 12 digits")
    kind: ReferralKind = ReferralKind.REFERRAL
    time_type_ids: list[str] = Field(default_factory=list)
    care_service_codes: list[str] = Field(default_factory=list, description="SNOMED CT care services")
    care_units: list[str] = Field(default_factory=list, description="HSA-ids; empty: any unit")
    priority: int | None = None
    valid_from: dt.datetime | None = Field(default=None, description="default: now")
    valid_until: dt.datetime
    uses_allowed: int | None = Field(default=1, ge=1, description="null: unlimited")

    @field_validator("citizen")
    @classmethod
    def _citizen(cls, value: str) -> str:
        try:
            return PersonalIdentity.parse(value).value
        except InvalidIdentifier as exc:
            raise ValueError(str(exc)) from None

    @field_validator("care_units")
    @classmethod
    def _units(cls, values: list[str]) -> list[str]:
        try:
            return [str(HsaId(value)) for value in values]
        except InvalidIdentifier as exc:
            raise ValueError(str(exc)) from None

    @field_validator("valid_from", "valid_until")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the time with its offset, e.g. 2026-12-01T10:00:00+01:00")
        return value

    @model_validator(mode="after")
    def _something_opened(self) -> ReferralIn:
        if not self.time_type_ids and not self.care_service_codes:
            raise ValueError("name the time types or the care services the referral opens")
        return self


class ReferralOut(BaseModel):
    id: str
    kind: ReferralKind
    time_type_ids: list[str]
    care_service_codes: list[str]
    care_units: list[str]
    priority: int | None
    valid_from: dt.datetime
    valid_until: dt.datetime
    uses_allowed: int | None
    uses_so_far: int
    revoked: bool
    issued_by: str

    @classmethod
    def of(cls, row: ReferralRow) -> ReferralOut:
        return cls(
            id=row.id,
            kind=ReferralKind(row.kind),
            time_type_ids=row.time_type_ids,
            care_service_codes=row.care_service_codes,
            care_units=row.care_units,
            priority=row.priority,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            uses_allowed=row.uses_allowed,
            uses_so_far=row.uses_so_far,
            revoked=row.revoked,
            issued_by=row.issued_by,
        )


def referral_router(service: SchedulingService, store: ReferralStore, issuers: frozenset[str]) -> APIRouter:
    router = APIRouter(prefix="/api/v1/referrals", tags=["referrals"])

    def issuer_of(header: str | None) -> str:
        if not header or header.strip().upper() not in issuers:
            raise Problem(403, "Not an authorised issuer of referrals", f"send {ISSUER_HEADER} of an issuer")
        return header.strip().upper()

    async def audit(
        issuer: str, contract: str, outcome: str, citizen: PersonalIdentity | None, ref: str | None
    ) -> None:
        context = RequestContext(logical_address="referrals", consumer_id=issuer, correlation_id=uuid.uuid4().hex)
        await service.record(AuditEvent(f"tidbok:api:1/{contract}", context, outcome, None, citizen, ref))

    @router.post("", status_code=201, response_model=ReferralOut)
    async def create(
        body: ReferralIn, issuer_header: str | None = Header(default=None, alias=ISSUER_HEADER)
    ) -> ReferralOut:
        issuer = issuer_of(issuer_header)
        now = dt.datetime.now(dt.UTC)
        valid_from = body.valid_from or now
        if body.valid_until <= valid_from:
            raise Problem(422, "The referral is never valid", "valid_until must be after valid_from")
        citizen = PersonalIdentity(body.citizen)
        row = await store.create(
            NewReferral(
                citizen=citizen,
                kind=body.kind,
                valid_from=valid_from,
                valid_until=body.valid_until,
                issued_by=issuer,
                time_type_ids=tuple(body.time_type_ids),
                care_service_codes=tuple(body.care_service_codes),
                care_units=tuple(body.care_units),
                priority=body.priority,
                uses_allowed=body.uses_allowed,
            )
        )
        await audit(issuer, "CreateReferral", "OK", citizen, row.id)
        return ReferralOut.of(row)

    @router.get("/{referral_id}", response_model=ReferralOut)
    async def read(
        referral_id: str, issuer_header: str | None = Header(default=None, alias=ISSUER_HEADER)
    ) -> ReferralOut:
        issuer = issuer_of(issuer_header)
        row = await store.get(referral_id)
        if row is None or row.issued_by != issuer:
            raise Problem(404, "No such referral")
        await audit(issuer, "GetReferral", "OK", None, referral_id)
        return ReferralOut.of(row)

    @router.delete("/{referral_id}", status_code=204)
    async def revoke(referral_id: str, issuer_header: str | None = Header(default=None, alias=ISSUER_HEADER)) -> None:
        issuer = issuer_of(issuer_header)
        row = await store.get(referral_id)
        if row is None or row.issued_by != issuer:
            raise Problem(404, "No such referral")
        await store.revoke(referral_id)
        await audit(issuer, "RevokeReferral", "OK", None, referral_id)

    return router
