"""Adapter instances, found through the `tidbok_gateway.adapters` entry-point group and built once
per configured instance (each keeps its own connection pool)."""

from __future__ import annotations

import asyncio
import datetime as dt
from importlib.metadata import entry_points

from adapters.interface import ENTRY_POINT_GROUP, AdapterFactory, AdapterSettings, RegionAdapter
from gateway.routing import AdapterConfig

__all__ = ["AdapterPool", "UnknownAdapterKind", "available_kinds"]


class UnknownAdapterKind(LookupError):
    pass


def available_kinds() -> list[str]:
    """Every installed adapter kind, by entry-point name."""
    return sorted(entry_point.name for entry_point in entry_points(group=ENTRY_POINT_GROUP))


def _load_factory(kind: str) -> AdapterFactory | None:
    """Import one adapter kind's factory, only when a route needs it."""
    for entry_point in entry_points(group=ENTRY_POINT_GROUP, name=kind):
        factory: AdapterFactory = entry_point.load()
        return factory
    return None


class AdapterPool:
    def __init__(self, factories: dict[str, AdapterFactory] | None = None) -> None:
        self._factories: dict[str, AdapterFactory] = dict(factories or {})
        self._use_entry_points = factories is None
        self._instances: dict[str, RegionAdapter] = {}
        self._lock = asyncio.Lock()

    def _factory(self, kind: str) -> AdapterFactory:
        factory = self._factories.get(kind)
        if factory is None and self._use_entry_points:
            factory = _load_factory(kind)
            if factory is not None:
                self._factories[kind] = factory
        if factory is None:
            known = available_kinds() if self._use_entry_points else sorted(self._factories)
            raise UnknownAdapterKind(f"adapter kind {kind!r} is not installed (known: {', '.join(known)})")
        return factory

    def get(self, config: AdapterConfig) -> RegionAdapter:
        instance = self._instances.get(config.name)
        if instance is None:
            factory = self._factory(config.kind)
            instance = factory(
                AdapterSettings(
                    name=config.name,
                    base_url=config.base_url,
                    timeout=dt.timedelta(seconds=config.timeout_seconds),
                    options=config.options,
                )
            )
            self._instances[config.name] = instance
        return instance

    async def aclose(self) -> None:
        async with self._lock:
            instances, self._instances = list(self._instances.values()), {}
        for instance in instances:
            await instance.aclose()
