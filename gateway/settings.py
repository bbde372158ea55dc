"""All configuration in one object, read from the environment (prefix `TIDBOK_`) or a `.env` file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.resilience.settings import ResilienceSettings

__all__ = ["Settings"]

_PACKAGE_DIR = Path(__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIDBOK_", env_file=".env", extra="ignore", env_nested_delimiter="__")

    database_url: str = Field(
        default="sqlite+aiosqlite:///var/tidbok-gateway.sqlite3",
        description="Any SQLAlchemy async URL; PostgreSQL in production (postgresql+asyncpg://…).",
    )
    routing_file: Path = Field(
        default=_PACKAGE_DIR / "config" / "routing.yaml",
        description="The routing table (logical address → region → adapter), loaded into the database at start.",
    )
    rules_dir: Path | None = Field(default=None, description="Rule files; default: the bundled national set.")
    rules_poll_seconds: float = Field(
        default=2.0, gt=0, description="How often the rule files are checked for changes (reloaded without a restart)."
    )
    audit_key: str = Field(
        default="change-me-in-production",
        description="Secret key for the keyed hash that protects personal identity numbers in audit and ledger rows.",
    )
    national_logical_address: str = Field(
        default="5565594230", description="The aggregating platform's address (the national calendar)."
    )
    gateway_hsa_id: str = Field(
        default="SE5565594230-TIDBOK", description="The gateway's own HSA-id (sourceSystem in the engagement index)."
    )
    fanout_deadline_seconds: float = Field(
        default=5.0, gt=0, description="The national calendar waits this long for each source, in parallel."
    )
    max_request_bytes: int = Field(default=1_000_000, description="Larger SOAP requests are refused.")
    public_base_url: str | None = Field(
        default=None, description="Base URL written into published WSDLs; default: the request's own."
    )
    region_timeout_seconds: float = Field(default=10.0, description="Default deadline for one region call.")
    referral_issuers: frozenset[str] = Field(
        default=frozenset({"SE2321000016-TRIAGE", "SE5565594230-1177R"}),
        description="HSA-ids (x-rivta-original-serviceconsumer-hsaid) allowed to issue referrals: "
        "assessment and triage services, the advice line.",
    )
    resilience: ResilienceSettings = Field(
        default_factory=ResilienceSettings,
        description="Retries, breakers, catalogue cache and metrics per region (TIDBOK_RESILIENCE__<FIELD>).",
    )
    log_level: str = "INFO"
    saga_part_pause_seconds: float = Field(
        default=0.0,
        ge=0,
        description="A pause between the parts of a group, series or combined booking (tests use it to stop the "
        "gateway half-way); 0 in production.",
    )
    saga_recovery_after_seconds: float = Field(
        default=0.0,
        ge=0,
        description="At start, a booking set under way is finished or rolled back once it has not moved for this "
        "long; 0 for one gateway process, above the longest region call when several share the database.",
    )
