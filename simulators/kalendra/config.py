"""How one Kalendra installation is set up. Every field can come from the environment
(`KALENDRA_API_KEY`, `KALENDRA_REGION`, …) or be passed in; the CLI passes its flags."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["KalendraConfig"]


class KalendraConfig(BaseSettings):
    """One regional Kalendra system. `database` is a SQLite file (kept between runs: a file that
    already holds data is not seeded again); None means a temporary file removed with the app.
    Openings run from `first_day` (default: tomorrow, Swedish date) for `days` days."""

    model_config = SettingsConfigDict(env_prefix="KALENDRA_", frozen=True)

    api_key: SecretStr = Field(min_length=8)
    region: str = "01"
    seed: int = 1
    clinics: int = Field(default=3, ge=1, le=20)
    days: int = Field(default=21, ge=1, le=366)
    first_day: dt.date | None = None
    cancel_cutoff_hours: int = Field(default=24, ge=0)
    database: Path | None = None
