"""Databases for tests: SQLite always; PostgreSQL when TIDBOK_TEST_DATABASE_URL names one (CI sets
it to the local server). Each test gets a database of its own, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

__all__ = ["POSTGRES_ENV", "database_url_for", "postgres_admin_url"]

POSTGRES_ENV = "TIDBOK_TEST_DATABASE_URL"


def postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests skipped: set {POSTGRES_ENV} (e.g. postgresql+asyncpg://postgres@127.0.0.1/test)")
    return url


@contextmanager
def _fresh_postgres() -> Iterator[str]:
    admin = make_url(postgres_admin_url())
    sync_admin = admin.set(drivername="postgresql+psycopg")
    name = f"tidbok_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(sync_admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a configured but unreachable server is a failure, not a skip
        engine.dispose()
        raise RuntimeError(f"{POSTGRES_ENV} is set but PostgreSQL is not usable: {exc}") from exc
    try:
        yield admin.set(database=name, drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@contextmanager
def database_url_for(kind: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of `kind` (sqlite | postgresql) for one test."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'gateway.sqlite3'}"
        return
    with _fresh_postgres() as url:
        yield url
