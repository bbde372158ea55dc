"""The resilience layer's knobs, one validated object (nestable in the gateway's `Settings`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["ResilienceSettings"]


class ResilienceSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    retry_attempts: int = Field(default=3, ge=1, description="Most attempts of one read (1: no retry).")
    retry_initial_backoff_seconds: float = Field(
        default=0.1, gt=0, description="Upper bound of the first wait; doubles per attempt (full jitter)."
    )
    retry_max_backoff_seconds: float = Field(default=2.0, gt=0, description="No single wait is longer.")
    retry_deadline_seconds: float = Field(
        default=10.0, gt=0, description="A read, all attempts and waits together, never takes longer."
    )
    breaker_failure_threshold: int = Field(
        default=5, ge=1, description="Consecutive failed region calls that open the breaker."
    )
    breaker_recovery_seconds: float = Field(
        default=30.0, gt=0, description="How long an open breaker fails fast before it lets one probe through."
    )
    cache_ttl_seconds: float = Field(
        default=300.0, ge=0, description="A catalogue answer is served without asking the region this long."
    )
    cache_max_stale_seconds: float = Field(
        default=3600.0, ge=0, description="After the TTL, how long an answer may still stand in for a failed region."
    )
    cache_max_entries: int = Field(default=1024, ge=1, description="Catalogue answers kept per adapter (LRU).")
    metrics_window_seconds: float = Field(default=300.0, gt=0, description="Latency percentiles cover this window.")
    metrics_window_max_samples: int = Field(
        default=2048, ge=1, description="And at most this many calls of it (bounded memory)."
    )

    @model_validator(mode="after")
    def _backoff_bounds(self) -> ResilienceSettings:
        if self.retry_max_backoff_seconds < self.retry_initial_backoff_seconds:
            raise ValueError("retry_max_backoff_seconds must not be less than retry_initial_backoff_seconds")
        return self
