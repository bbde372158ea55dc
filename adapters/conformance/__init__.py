"""The adapter conformance kit: a reusable pytest suite that proves a regional adapter against
the region's own system (or a simulator of it) before the region goes live.

Every `RegionAdapter` operation is exercised — the catalogue, free dates and times, booking by slot
id and by times only, the schedule, details, rebooking, cancelling — with the refusals the gateway
relies on (a taken time is REQUESTED_TIME_IS_ALREADY_RESERVED, an unknown booking is None /
APPOINTMENT_DOES_NOT_EXIST), error mapping (down → RegionUnavailable, a hang → RegionTimeout),
Swedish local time across the nights the clocks change, and idempotent writes.

Two ways to run it, both documented in the README ("Proving a region's adapter"):

- subclass `AdapterConformance` in the region's own test module and provide the fixture
  `conformance_target`;
- or `pytest -p adapters.conformance.plugin --pyargs adapters.conformance
  --conformance-target=package.module:function`, where the function returns a
  `ConformanceTarget` (or a context manager yielding one).
"""

from adapters.conformance.session import KIT_CONSUMER, Session
from adapters.conformance.suite import IDEMPOTENCY_HEADER, AdapterConformance, clock_change_sunday
from adapters.conformance.target import ConformanceTarget, FaultHooks, Scenario, SlotPublisher

__all__ = [
    "IDEMPOTENCY_HEADER",
    "KIT_CONSUMER",
    "AdapterConformance",
    "ConformanceTarget",
    "FaultHooks",
    "Scenario",
    "Session",
    "SlotPublisher",
    "clock_change_sunday",
]
