"""Kalendra's catalogue as the adapter keeps it: clinics, and per clinic its visit kinds and
providers, read through the paged API and kept for `ttl` seconds. Every translation needs them
(HSA-id → clinic, time type → visit kinds, opening → performer), so they are not read per call."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from adapters.errors import RegionRejectedRequest
from adapters.identifiers import HsaId
from adapters.kalendra import wire
from adapters.kalendra.client import KalendraClient
from adapters.kalendra.mapping import ClinicCatalogue

__all__ = ["Directory", "UnknownCareUnit"]


class UnknownCareUnit(RegionRejectedRequest):
    """The care unit's HSA-id is not a clinic in this Kalendra: the routing sent the call wrongly."""


class Directory:
    def __init__(self, client: KalendraClient, *, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._clinics: tuple[float, list[wire.Clinic]] | None = None
        self._catalogues: dict[str, tuple[float, ClinicCatalogue]] = {}
        self._lock = asyncio.Lock()

    def _fresh(self, stamp: float) -> bool:
        return self._clock() - stamp < self._ttl

    async def clinics(self, *, request_id: str | None = None) -> list[wire.Clinic]:
        if self._clinics is not None and self._fresh(self._clinics[0]):
            return self._clinics[1]
        clinics = await self._client.get_all("/v2/clinics", wire.Clinic, request_id=request_id)
        self._clinics = (self._clock(), clinics)
        return clinics

    async def for_care_unit(self, hsa_id: str, *, request_id: str | None = None) -> ClinicCatalogue:
        wanted = hsa_id.strip().upper()
        for attempt in range(2):
            if attempt:
                self._clinics = None  # a clinic added since the list was read
            for clinic in await self.clinics(request_id=request_id):
                if clinic.external_ref.value.strip().upper() == wanted:
                    return await self.for_clinic(clinic, request_id=request_id)
        raise UnknownCareUnit(f"care unit {HsaId(hsa_id)} is not a clinic in Kalendra", region=self._client.region)

    async def for_clinic_id(self, clinic_id: str, *, request_id: str | None = None) -> ClinicCatalogue:
        for clinic in await self.clinics(request_id=request_id):
            if clinic.id == clinic_id:
                return await self.for_clinic(clinic, request_id=request_id)
        clinic = await self._client.get(f"/v2/clinics/{clinic_id}", wire.Clinic, request_id=request_id)
        self._clinics = None
        return await self.for_clinic(clinic, request_id=request_id)

    async def for_clinic(
        self, clinic: wire.Clinic, *, refresh: bool = False, request_id: str | None = None
    ) -> ClinicCatalogue:
        kept = self._catalogues.get(clinic.id)
        if kept is not None and not refresh and self._fresh(kept[0]):
            return kept[1]
        async with self._lock:
            kept = self._catalogues.get(clinic.id)
            if kept is not None and not refresh and self._fresh(kept[0]):
                return kept[1]
            visit_kinds, providers = await asyncio.gather(
                self._client.get_all(f"/v2/clinics/{clinic.id}/visit-kinds", wire.VisitKind, request_id=request_id),
                self._client.get_all(f"/v2/clinics/{clinic.id}/providers", wire.Provider, request_id=request_id),
            )
            catalogue = ClinicCatalogue(clinic, tuple(visit_kinds), tuple(providers))
            self._catalogues[clinic.id] = (self._clock(), catalogue)
            return catalogue

    async def covering(
        self, catalogue: ClinicCatalogue, openings: list[wire.Opening], *, request_id: str | None = None
    ) -> ClinicCatalogue:
        """The catalogue, read again once if an opening names a visit kind or provider it lacks."""
        if all(catalogue.visit_kind(o.visit_kind_id) and catalogue.provider(o.provider_id) for o in openings):
            return catalogue
        return await self.for_clinic(catalogue.clinic, refresh=True, request_id=request_id)
