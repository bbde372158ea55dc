"""End-to-end support for the booking-set tests: the gateway with the set rules in front of a
simulated region, and a zeep consumer of the tidbok:scheduling 1 interactions built from the
gateway's own WSDLs, every message checked against our schemas (and the scheduling 2 ones)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zeep
from lxml import etree
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from zeep import Plugin

from contracts.catalogue import Generation, by_name
from contracts.schemas import schema_for
from gateway.app import create_app
from gateway.db.models import BookingSetPartRow, BookingSetRow, LedgerRow
from gateway.settings import Settings
from tests.gateway.booking_sets.rules_dir import set_rules_dir
from tests.gateway.chain import Chain, Region, routing_file
from tests.gateway.consumers import Consumer2
from tests.support.conformance import assert_valid
from tests.support.servers import serve_in_thread

__all__ = ["SetConsumer", "database_rows", "gateway_settings", "set_gateway"]

_BODY = "{http://schemas.xmlsoap.org/soap/envelope/}Body"


def gateway_settings(tmp: Path, region: Region, database_url: str, **extra: Any) -> Settings:
    tmp.mkdir(parents=True, exist_ok=True)
    return Settings(
        database_url=database_url,
        routing_file=routing_file(tmp, region),
        audit_key="test-audit-key",
        rules_dir=set_rules_dir(tmp),
        **extra,
    )


@contextmanager
def set_gateway(tmp: Path, region: Region, database_url: str, **extra: Any) -> Iterator[Chain]:
    settings = gateway_settings(tmp, region, database_url, **extra)
    with serve_in_thread(create_app(settings)) as url:
        yield Chain(url, settings, region)


class _TidbokConformance(Plugin):  # type: ignore[misc]
    """Every tidbok:scheduling 1 message validates against its schema, in and out."""

    def __init__(self) -> None:
        self.checked: list[str] = []

    def _check(self, envelope: etree._Element) -> None:
        element = envelope.find(_BODY)[0]  # type: ignore[index]
        name = etree.QName(element).localname.removesuffix("Response")
        assert_valid(schema_for(by_name(Generation.GATEWAY_EXTENSIONS_1, name)), element)
        self.checked.append(etree.QName(element).localname)

    def egress(self, envelope: etree._Element, http_headers: Any, operation: Any, binding_options: Any) -> Any:
        self._check(envelope)
        return envelope, http_headers

    def ingress(self, envelope: etree._Element, http_headers: Any, operation: Any) -> Any:
        self._check(envelope)
        return envelope, http_headers


@dataclass
class SetConsumer:
    """A consumer of our own interactions; scheduling 2 for the single-booking side."""

    chain: Chain
    plugin: _TidbokConformance = field(default_factory=_TidbokConformance)
    _clients: dict[str, zeep.Client] = field(default_factory=dict)

    @property
    def two(self) -> Consumer2:
        return Consumer2(self.chain)

    def call(self, name: str, unit: str, **body: Any) -> Any:
        if name not in self._clients:
            self._clients[name] = zeep.Client(f"{self.chain.url}/vp/{name}/1/rivtabp21?wsdl", plugins=[self.plugin])
        return getattr(self._clients[name].service, name)(**body, _soapheaders={"LogicalAddress": unit})

    def who(self, citizen: str) -> dict[str, Any]:
        return {"actor": self.two.actor(citizen), "personId": self.two.person(citizen)}

    def group_timeslots(self, unit: str, citizen: str, first: dt.date, last: dt.date, time_type: str) -> list[Any]:
        answer = self.call(
            "GetGroupTimeslots",
            unit,
            **self.who(citizen),
            startDateInclusive=first.strftime("%Y%m%d"),
            endDateInclusive=last.strftime("%Y%m%d"),
            timeTypeCode=time_type,
        )
        return list(answer.groupTimeslot)

    def free(self, unit: str, citizen: str, time_type: str, first: dt.date, last: dt.date) -> list[Any]:
        """Free times (scheduling 2 GetAvailableTimeslots): zeep timeslots with timeslotId."""
        answer = self.two._call(
            "GetAvailableTimeslots",
            unit,
            actor=self.two.actor(citizen),
            personId=self.two.person(citizen),
            startDateInclusive=first.strftime("%Y%m%d"),
            endDateInclusive=last.strftime("%Y%m%d"),
            timeTypeCode=time_type,
        )
        return list(answer.timeslot)

    def make(self, name: str, unit: str, citizen: str, **body: Any) -> Any:
        return self.call(name, unit, **self.who(citizen), **body)

    def booking_set(self, unit: str, citizen: str, set_id: str) -> Any:
        return self.call("GetBookingSet", unit, **self.who(citizen), bookingSetId=set_id)

    def rebook_part(self, unit: str, citizen: str, set_id: str, appointment_id: str, slot_id: str) -> Any:
        return self.call(
            "UpdateBookingSetPart",
            unit,
            **self.who(citizen),
            bookingSetId=set_id,
            appointmentId=appointment_id,
            timeslotId=slot_id,
        )

    def cancel(self, unit: str, citizen: str, set_id: str, appointment_id: str | None = None) -> Any:
        return self.call(
            "CancelBookingSet", unit, **self.who(citizen), bookingSetId=set_id, appointmentId=appointment_id
        )


def database_rows(settings: Settings) -> tuple[list[Any], list[Any], list[Any]]:
    """(booking sets, their parts, ledger rows) as the gateway's database holds them now."""
    url = make_url(settings.database_url)
    driver = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}[url.drivername]
    engine = create_engine(url.set(drivername=driver))
    try:
        with engine.connect() as connection:
            sets = list(connection.execute(select(BookingSetRow)).all())
            parts = list(
                connection.execute(
                    select(BookingSetPartRow).order_by(BookingSetPartRow.set_id, BookingSetPartRow.part_number)
                ).all()
            )
            ledger = list(connection.execute(select(LedgerRow).order_by(LedgerRow.id)).all())
            return sets, parts, ledger
    finally:
        engine.dispose()
