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


def available_kinds() -> dict[str, AdapterFactory]:
    """Every installed adapter kind, by entry-point name."""
    found: dict[str, AdapterFactory] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        found[entry_point.name] = entry_point.load()
    return found


class AdapterPool:
    def __init__(self, factories: dict[str, AdapterFactory] | None = None) -> None:
        self._factories = factories if factories is not None else available_kinds()
        self._instances: dict[str, RegionAdapter] = {}
        self._lock = asyncio.Lock()

    def get(self, config: AdapterConfig) -> RegionAdapter:
        instance = self._instances.get(config.name)
        if instance is None:
            factory = self._factories.get(config.kind)
            if factory is None:
                raise UnknownAdapterKind(
                    f"adapter kind {config.kind!r} is not installed (known: {', '.join(sorted(self._factories))})"
                )
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
