"""Kalendra: a simulated proprietary regional booking system (REST/JSON, its own vocabulary).

Clinics, providers, visit kinds, openings and reservations; UTC times with `Z`; cursor paging;
an API key in `X-Kalendra-Key`; its own error codes; idempotent reservation requests. The API is
described in README.md next to this file. `python -m simulators.kalendra --help` runs one.
"""

from simulators.kalendra.app import create_app
from simulators.kalendra.config import KalendraConfig

__all__ = ["KalendraConfig", "create_app"]
