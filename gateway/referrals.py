"""Referrals and invitations (hänvisningar, kallelser) issued through the gateway's API.

A referral opens referral-only or hidden time types to one citizen, for a validity period and a
number of uses. Citizens are stored as keyed hashes; the rule engine gets the facts with the
asking citizen's own number filled in, so no personnummer is ever stored here.

A use is reserved atomically before the region is asked to book, and given back when the region
refuses or fails, so two concurrent bookings can never both spend a single-use referral."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, or_, select, update

from adapters.identifiers import PersonalIdentity
from gateway.db.database import Database
from gateway.db.models import ReferralRow
from gateway.protection import CitizenProtector
from rules.facts import ReferralFacts
from rules.vocabulary import ReferralKind

__all__ = ["NewReferral", "ReferralStore"]


@dataclass(frozen=True, slots=True)
class NewReferral:
    citizen: PersonalIdentity
    kind: ReferralKind
    valid_from: dt.datetime
    valid_until: dt.datetime
    issued_by: str
    time_type_ids: tuple[str, ...] = ()
    care_service_codes: tuple[str, ...] = ()
    care_units: tuple[str, ...] = ()
    priority: int | None = None
    uses_allowed: int | None = 1


class ReferralStore:
    def __init__(self, database: Database, protector: CitizenProtector) -> None:
        self._database = database
        self._protector = protector

    async def create(self, new: NewReferral) -> ReferralRow:
        row = ReferralRow(
            id=str(uuid.uuid4()),
            kind=new.kind.value,
            citizen_ref=self._protector.reference(new.citizen),
            time_type_ids=list(new.time_type_ids),
            care_service_codes=list(new.care_service_codes),
            care_units=[unit.upper() for unit in new.care_units],
            priority=new.priority,
            valid_from=new.valid_from,
            valid_until=new.valid_until,
            uses_allowed=new.uses_allowed,
            uses_so_far=0,
            issued_by=new.issued_by,
            revoked=False,
        )
        async with self._database.sessions.begin() as session:
            session.add(row)
        return row

    async def get(self, referral_id: str) -> ReferralRow | None:
        async with self._database.sessions() as session:
            return await session.get(ReferralRow, referral_id)

    async def revoke(self, referral_id: str) -> bool:
        async with self._database.sessions.begin() as session:
            result = await session.execute(
                update(ReferralRow).where(ReferralRow.id == referral_id).values(revoked=True)
            )
        return bool(getattr(result, "rowcount", 0))

    async def facts_for(self, citizen: PersonalIdentity, now: dt.datetime) -> tuple[ReferralFacts, ...]:
        """The citizen's live referrals as rule facts (expired, revoked and used-up ones left out)."""
        async with self._database.sessions() as session:
            rows = (
                await session.scalars(
                    select(ReferralRow).where(
                        ReferralRow.citizen_ref == self._protector.reference(citizen),
                        ReferralRow.revoked.is_(False),
                        ReferralRow.valid_until > now,
                    )
                )
            ).all()
        return tuple(
            ReferralFacts(
                referral_id=row.id,
                citizen_id=citizen.value,
                valid_from=row.valid_from,
                valid_until=row.valid_until,
                time_type_ids=frozenset(row.time_type_ids),
                care_service_codes=frozenset(row.care_service_codes),
                care_units=frozenset(row.care_units),
                priority=row.priority,
                uses_allowed=row.uses_allowed,
                uses_so_far=row.uses_so_far,
                kind=ReferralKind(row.kind),
            )
            for row in rows
            if row.uses_allowed is None or row.uses_so_far < row.uses_allowed
        )

    async def reserve_use(self, referral_id: str) -> bool:
        """Take one use, atomically; False when none is left (someone else took the last)."""
        async with self._database.sessions.begin() as session:
            result = await session.execute(
                update(ReferralRow)
                .where(
                    and_(
                        ReferralRow.id == referral_id,
                        ReferralRow.revoked.is_(False),
                        or_(ReferralRow.uses_allowed.is_(None), ReferralRow.uses_so_far < ReferralRow.uses_allowed),
                    )
                )
                .values(uses_so_far=ReferralRow.uses_so_far + 1)
            )
        return bool(getattr(result, "rowcount", 0))

    async def release_use(self, referral_id: str) -> None:
        """Give back a use reserved for a booking that did not happen."""
        async with self._database.sessions.begin() as session:
            await session.execute(
                update(ReferralRow)
                .where(and_(ReferralRow.id == referral_id, ReferralRow.uses_so_far > 0))
                .values(uses_so_far=ReferralRow.uses_so_far - 1)
            )
