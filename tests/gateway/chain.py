"""The whole chain on loopback for end-to-end tests: a simulated crm:scheduling 1.1 region and the
gateway in front of it, reached by zeep clients built from the gateway's own `?wsdl`."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
import zeep
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from gateway.app import create_app
from gateway.db.models import AuditRow, LedgerRow
from gateway.settings import Settings
from simulators.common.seed import test_personal_number
from tests.support.servers import serve_in_thread
from tests.support.simulated import adapter_options, open_slot, seed_citizens, seed_units, simulator_app
from tests.support.zeep_conformance import ConformancePlugin

__all__ = ["Chain", "Region", "gateway_on_loopback", "region_on_loopback"]


@dataclass
class Region:
    url: str
    seed: dict[str, Any]

    kind: str = "rivta"
    options: dict[str, Any] = field(default_factory=dict)  # the adapter's, for the routing table

    @property
    def units(self) -> list[str]:
        return [unit for unit, _ in seed_units(self.kind, self.seed)]

    def unit_offering(self, time_type_id: str) -> str:
        return next(unit for unit, offered in seed_units(self.kind, self.seed) if time_type_id in offered)

    def citizen(self, index: int) -> str:
        return seed_citizens(self.kind, self.seed)[index][0]

    def free_citizens(self) -> list[str]:
        """Citizens who hold nothing at the region: the seeded ones without bookings, then
        further numbers from the tax agency's test series the region has never seen."""
        citizens = seed_citizens(self.kind, self.seed)
        seeded = [number for number, _ in citizens]
        invited = {str(i.get("subject_of_care")) for i in self.seed.get("invitations", [])}
        free = [number for number, holds in citizens if not holds and number not in invited]
        rng = random.Random(4711)
        while len(free) < 6:
            candidate = test_personal_number(rng, born_between=(1950, 2000))
            if candidate not in seeded and candidate not in free:
                free.append(candidate)
        return free

    def invitation(self, kind: str) -> dict[str, Any]:
        return next(i for i in self.seed["invitations"] if i["kind"] == kind)

    def set_faults(self, **settings: Any) -> None:
        httpx.put(f"{self.url}/admin/faults", json=settings, timeout=5).raise_for_status()

    def clear_faults(self) -> None:
        httpx.delete(f"{self.url}/admin/faults", timeout=5).raise_for_status()

    def open_slot(self, unit: str, time_type_id: str, start: dt.datetime) -> None:
        """Staff open a free time at the instant `start` (each kind through its own API)."""
        open_slot(self.kind, self.url, self.seed, unit, time_type_id, start)


@contextmanager
def region_on_loopback(tmp: Path, *, seed: int = 11, kind: str = "rivta", region_code: str = "01") -> Iterator[Region]:
    """A simulated region (default 01): `rivta` speaks crm:scheduling 1.1, `rivta2` scheduling 2,
    `fhir` FHIR R4, `kalendra` Kalendra's REST API (`tests.support.simulated`)."""
    tmp.mkdir(parents=True, exist_ok=True)
    app = simulator_app(kind, region_code=region_code, seed=seed, database=tmp / f"region{region_code}-{kind}.sqlite3")
    with serve_in_thread(app) as url:
        yield Region(url, httpx.get(f"{url}/admin/seed", timeout=10).json(), kind, adapter_options(kind))


def routing_file(tmp: Path, region: Region, *, timeout_seconds: float = 5) -> Path:
    table = {
        "adapters": [
            {
                "name": "sthlm",
                "kind": region.kind,
                "base_url": region.url,
                "timeout_seconds": timeout_seconds,
                "options": region.options,
            }
        ],
        "regions": [
            {
                "code": "01",
                "name": "Region Stockholm",
                "logical_address": "SE2321000016-R01",
                "adapter": "sthlm",
                "care_units": [{"hsa_id": unit} for unit in region.units],
            },
            {"code": "25", "name": "Region Norrbotten", "logical_address": "SE2321000230-R25"},
        ],
    }
    path = tmp / "routing.yaml"
    path.write_text(yaml.safe_dump(table), encoding="utf-8")
    return path


@dataclass
class Chain:
    url: str
    settings: Settings
    region: Region
    plugin: ConformancePlugin = field(default_factory=lambda: ConformancePlugin("crm:scheduling:1"))
    _clients: dict[str, zeep.Client] = field(default_factory=dict)

    def client(self, name: str) -> zeep.Client:
        if name not in self._clients:
            self._clients[name] = zeep.Client(f"{self.url}/vp/{name}/1/rivtabp21?wsdl", plugins=[self.plugin])
        return self._clients[name]

    def call(self, name: str, unit: str, actor: str, *, actor_type: str = "subject_of_care", **body: Any) -> Any:
        headers = {"LogicalAddress": unit, "actor": {"actorId": actor, "actorType": actor_type}}
        return getattr(self.client(name).service, name)(**body, _soapheaders=headers)

    def post(self, name: str, payload: bytes, **headers: str) -> httpx.Response:
        return httpx.post(
            f"{self.url}/vp/{name}/1/rivtabp21",
            content=payload,
            headers={"Content-Type": "text/xml; charset=utf-8", **headers},
            timeout=30,
        )

    # ---------------------------------------------------------------- database views

    def _engine(self) -> Any:
        url = make_url(self.settings.database_url)
        driver = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}[url.drivername]
        return create_engine(url.set(drivername=driver))

    def audit_rows(self) -> list[AuditRow]:
        engine = self._engine()
        try:
            with engine.connect() as connection:
                return list(connection.execute(select(AuditRow).order_by(AuditRow.id)).all())  # type: ignore[arg-type]
        finally:
            engine.dispose()

    def count(self, model: type[AuditRow] | type[LedgerRow]) -> int:
        engine = self._engine()
        try:
            with engine.connect() as connection:
                return int(connection.execute(select(func.count()).select_from(model)).scalar_one())
        finally:
            engine.dispose()


@contextmanager
def gateway_on_loopback(
    tmp: Path,
    region: Region,
    database_url: str,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    routing: Path | None = None,
    **settings: Any,
) -> Iterator[Chain]:
    """The gateway in front of `region`; `clock` moves the rule set's "now" (a restart with the
    same database and another clock shows what the gateway remembers)."""
    tmp.mkdir(parents=True, exist_ok=True)
    config = Settings(
        database_url=database_url,
        routing_file=routing or routing_file(tmp, region),
        audit_key="test-audit-key",
        **settings,
    )
    app = create_app(config) if clock is None else create_app(config, clock=clock)
    with serve_in_thread(app) as url:
        yield Chain(url, config, region)


def next_weekday(days_ahead: int = 7) -> dt.date:
    day = dt.date.today() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day
