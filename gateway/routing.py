"""The routing table: logical address (care unit HSA-id, or a region's own address) → region →
adapter instance, like the national platform's service catalogue.

The table is written in a YAML file, validated, loaded into the database at start, and read from
memory on the request path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.identifiers import HsaId
from gateway.db.models import AdapterInstanceRow, CareUnitRow, RegionRow

__all__ = [
    "AdapterConfig",
    "RegionNotConnected",
    "Route",
    "RoutingFileError",
    "RoutingTable",
    "UnknownLogicalAddress",
]


class UnknownLogicalAddress(LookupError):
    def __init__(self, address: str) -> None:
        super().__init__(f"no route for logical address {address!r}")
        self.address = address


class RegionNotConnected(LookupError):
    def __init__(self, address: str, region: str) -> None:
        super().__init__(f"logical address {address!r} belongs to region {region}, which is not connected yet")
        self.address = address
        self.region = region


class RoutingFileError(ValueError):
    pass


# ------------------------------------------------------------------ file schema


class _AdapterEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    kind: str = Field(min_length=1, description="entry point name in tidbok_gateway.adapters")
    base_url: str = Field(min_length=1)
    timeout_seconds: float = Field(default=10.0, gt=0)
    options: dict[str, Any] = Field(default_factory=dict)


class _CareUnitEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hsa_id: str
    name: str | None = None

    @field_validator("hsa_id")
    @classmethod
    def _valid_hsa_id(cls, value: str) -> str:
        return str(HsaId(value))


class _RegionEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[0-9]{2}$")
    name: str
    logical_address: str | None = None
    adapter: str | None = Field(default=None, description="absent: the region has not joined yet")
    care_units: list[_CareUnitEntry] = Field(default_factory=list)


class _RoutingFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    adapters: list[_AdapterEntry] = Field(default_factory=list)
    regions: list[_RegionEntry]

    @model_validator(mode="after")
    def _consistent(self) -> _RoutingFile:
        names = [a.name for a in self.adapters]
        if len(names) != len(set(names)):
            raise ValueError("adapter names must be unique")
        codes = [r.code for r in self.regions]
        if len(codes) != len(set(codes)):
            raise ValueError("region codes must be unique")
        units: set[str] = set()
        for region in self.regions:
            if region.adapter is not None and region.adapter not in names:
                raise ValueError(f"region {region.code} names unknown adapter {region.adapter!r}")
            for unit in region.care_units:
                if unit.hsa_id in units:
                    raise ValueError(f"care unit {unit.hsa_id} is listed twice")
                units.add(unit.hsa_id)
        return self


# ------------------------------------------------------------------ in memory


@dataclass(frozen=True, slots=True)
class AdapterConfig:
    name: str
    kind: str
    base_url: str
    timeout_seconds: float = 10.0
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Route:
    logical_address: str
    region_code: str
    region_name: str
    adapter: AdapterConfig | None
    care_unit_name: str | None = None
    is_region_address: bool = False


@dataclass(frozen=True, slots=True)
class RegionInfo:
    code: str
    name: str
    logical_address: str | None
    adapter: AdapterConfig | None
    care_units: tuple[tuple[str, str | None], ...]


class RoutingTable:
    """Resolves logical addresses. Comparison is case-insensitive, as for HSA-ids."""

    def __init__(self, regions: list[RegionInfo]) -> None:
        self.regions = {region.code: region for region in regions}
        self._routes: dict[str, Route] = {}
        for region in regions:
            if region.logical_address:
                self._routes[region.logical_address.upper()] = Route(
                    region.logical_address, region.code, region.name, region.adapter, region.name, True
                )
            for hsa_id, name in region.care_units:
                self._routes[hsa_id.upper()] = Route(hsa_id, region.code, region.name, region.adapter, name)

    def resolve(self, address: str) -> Route:
        route = self._routes.get(address.strip().upper())
        if route is None:
            raise UnknownLogicalAddress(address)
        if route.adapter is None:
            raise RegionNotConnected(address, route.region_code)
        return route

    def lookup(self, address: str) -> Route | None:
        """The route, connected or not; None when unknown."""
        return self._routes.get(address.strip().upper())

    @property
    def adapters(self) -> dict[str, AdapterConfig]:
        return {r.adapter.name: r.adapter for r in self.regions.values() if r.adapter is not None}

    def care_units(self) -> list[Route]:
        return [route for route in self._routes.values() if not route.is_region_address]

    # ---------------------------------------------------------------- file and database

    @classmethod
    def from_yaml(cls, path: Path) -> RoutingTable:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            parsed = _RoutingFile.model_validate(raw)
        except (OSError, yaml.YAMLError) as exc:
            raise RoutingFileError(f"{path}: {exc}") from exc
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors())
            raise RoutingFileError(f"{path}: {problems}") from exc
        adapters = {
            a.name: AdapterConfig(a.name, a.kind, a.base_url, a.timeout_seconds, dict(a.options))
            for a in parsed.adapters
        }
        return cls(
            [
                RegionInfo(
                    code=r.code,
                    name=r.name,
                    logical_address=r.logical_address,
                    adapter=adapters[r.adapter] if r.adapter else None,
                    care_units=tuple((u.hsa_id, u.name) for u in r.care_units),
                )
                for r in parsed.regions
            ]
        )

    async def save(self, session: AsyncSession) -> None:
        """Replace the table in the database (one transaction, the caller commits)."""
        await session.execute(delete(CareUnitRow))
        await session.execute(delete(RegionRow))
        await session.execute(delete(AdapterInstanceRow))
        await session.flush()
        for adapter in self.adapters.values():
            session.add(
                AdapterInstanceRow(
                    name=adapter.name,
                    kind=adapter.kind,
                    base_url=adapter.base_url,
                    timeout_seconds=adapter.timeout_seconds,
                    options=adapter.options,
                )
            )
        await session.flush()
        for region in self.regions.values():
            session.add(
                RegionRow(
                    code=region.code,
                    name=region.name,
                    logical_address=region.logical_address,
                    adapter_name=region.adapter.name if region.adapter else None,
                )
            )
        await session.flush()
        for region in self.regions.values():
            for hsa_id, name in region.care_units:
                session.add(CareUnitRow(hsa_id=hsa_id.upper(), region_code=region.code, name=name))
        await session.flush()

    @classmethod
    async def load(cls, session: AsyncSession) -> RoutingTable:
        adapters = {
            row.name: AdapterConfig(row.name, row.kind, row.base_url, row.timeout_seconds, dict(row.options))
            for row in (await session.scalars(select(AdapterInstanceRow))).all()
        }
        units: dict[str, list[tuple[str, str | None]]] = {}
        for unit in (await session.scalars(select(CareUnitRow).order_by(CareUnitRow.hsa_id))).all():
            units.setdefault(unit.region_code, []).append((unit.hsa_id, unit.name))
        return cls(
            [
                RegionInfo(
                    code=row.code,
                    name=row.name,
                    logical_address=row.logical_address,
                    adapter=adapters.get(row.adapter_name) if row.adapter_name else None,
                    care_units=tuple(units.get(row.code, [])),
                )
                for row in (await session.scalars(select(RegionRow).order_by(RegionRow.code))).all()
            ]
        )
