"""The FastAPI application: settings → database (migrated) → routing table → adapters → faces."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from contracts.catalogue import Generation, by_name
from gateway.adapter_pool import AdapterPool, available_kinds
from gateway.api.problems import install_problem_handlers
from gateway.api.referrals import referral_router
from gateway.audit import AuditLog
from gateway.db.database import Database
from gateway.engagement import EngagementIndex
from gateway.idempotency import IdempotencyGuard
from gateway.idmap import IdMap
from gateway.ledger import Ledger
from gateway.policy import BookingPolicy, swedish_now
from gateway.protection import CitizenProtector
from gateway.referrals import ReferralStore
from gateway.resilience.stack import ResilienceRegistry
from gateway.routing import RoutingFileError, RoutingTable
from gateway.rules_cli import BUNDLED_RULES
from gateway.rules_reload import RuleWatcher
from gateway.services.calendar import NationalCalendar
from gateway.services.saga import recover_booking_sets
from gateway.services.scheduling import SchedulingService
from gateway.settings import Settings
from gateway.soap.crm11_operations import operations as crm11_operations
from gateway.soap.endpoint import SoapEndpoints
from gateway.soap.engagement_operations import operations as engagement_operations
from gateway.soap.sched2_operations import operations as scheduling2_operations
from gateway.soap.tidbok1_operations import serve_booking_sets
from gateway.status import status_router
from rules.store import RuleStore

__all__ = ["GatewayState", "create_app", "start_gateway"]


@dataclass(slots=True)
class GatewayState:
    settings: Settings
    database: Database
    routing: RoutingTable
    adapters: AdapterPool
    service: SchedulingService
    rules: RuleStore
    ids: IdMap
    resilience: ResilienceRegistry

    async def aclose(self) -> None:
        await self.adapters.aclose()
        await self.database.dispose()


async def start_gateway(
    settings: Settings, adapters: AdapterPool | None = None, clock: Callable[[], dt.datetime] = swedish_now
) -> GatewayState:
    """Migrate the database, load the routing table file into it and build the services."""
    database = Database(settings.database_url)
    await database.migrate()
    async with database.sessions.begin() as session:
        await database.lock(session)
        await RoutingTable.from_yaml(settings.routing_file).save(session)
    async with database.sessions() as session:
        routing = await RoutingTable.load(session)
    known = set(available_kinds())
    for adapter in routing.adapters.values():
        if adapters is None and adapter.kind not in known:
            raise RoutingFileError(
                f"{settings.routing_file}: adapter {adapter.name!r} has kind {adapter.kind!r}, which is not installed "
                f"(installed: {', '.join(sorted(known))})"
            )
    pool = adapters or AdapterPool()
    protector = CitizenProtector(settings.audit_key)
    rules = RuleStore(settings.rules_dir or BUNDLED_RULES)
    policy = BookingPolicy(rules, clock)
    referrals = ReferralStore(database, protector)
    engagements = EngagementIndex(database, protector, settings.gateway_hsa_id)
    ledger = Ledger(protector)
    resilience = ResilienceRegistry()
    service = SchedulingService(
        routing,
        pool,
        database,
        AuditLog(protector),
        ledger,
        policy,
        referrals,
        engagements,
        IdempotencyGuard(database, ledger, protector),
        resilience,
        settings.resilience,
    )
    ids = IdMap(database, protector)
    # Group, series and combined bookings a stopped gateway left under way: finish or roll back.
    await recover_booking_sets(service, ids, settings)
    return GatewayState(settings, database, routing, pool, service, rules, ids, resilience)


def create_app(
    settings: Settings | None = None,
    adapters: AdapterPool | None = None,
    clock: Callable[[], dt.datetime] = swedish_now,
) -> FastAPI:
    """The gateway. `clock` is "now" for the rule set (tests move it; production leaves it)."""
    settings = settings or Settings()
    holder: dict[str, GatewayState] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = await start_gateway(settings, adapters, clock)
        holder["state"] = state
        app.state.gateway = state
        calendar = NationalCalendar(state.service, settings.national_logical_address, settings.fanout_deadline_seconds)
        served = {
            by_name(Generation.CRM_SCHEDULING_1, name): op for name, op in crm11_operations(state.ids, calendar).items()
        }
        served.update(
            {
                by_name(Generation.SCHEDULING_2, name): op
                for name, op in scheduling2_operations(state.ids, calendar).items()
            }
        )
        served.update(
            {
                by_name(Generation.ENGAGEMENT_INDEX_1, name): op
                for name, op in engagement_operations(state.service.engagements).items()
            }
        )
        serve_booking_sets(served, state.service, state.ids, settings)  # tidbok:scheduling 1
        endpoints = SoapEndpoints(
            state.service,
            served,
            max_request_bytes=settings.max_request_bytes,
            public_base_url=settings.public_base_url,
        )
        app.include_router(endpoints.router())
        app.include_router(status_router(state.resilience, state.routing))
        watcher = RuleWatcher(state.rules, settings.rules_poll_seconds)
        watcher.start()
        app.include_router(
            referral_router(
                state.service, state.service.referrals, frozenset(i.upper() for i in settings.referral_issuers)
            )
        )
        try:
            yield
        finally:
            await watcher.stop()
            await state.aclose()

    app = FastAPI(
        title="tidbok-gateway",
        description="The national booking contracts (crm:scheduling 1.1, scheduling 2) in front of regional systems.",
        version="0.1.0",
        lifespan=lifespan,
    )

    install_problem_handlers(app)

    @app.get("/healthz", tags=["operations"])
    async def health() -> dict[str, str]:
        return {"status": "ok" if "state" in holder else "starting"}

    return app
