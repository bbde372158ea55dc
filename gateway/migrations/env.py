"""Alembic environment: runs on a connection handed over by the gateway, or on the configured URL."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection, create_engine

from gateway.db.models import Base, UtcDateTime

config = context.config
target_metadata = Base.metadata


def _render_item(kind: str, item: Any, _autogen_context: Any) -> str | Literal[False]:
    """Migrations name plain SQL types: UtcDateTime is a DateTime with time zone on disk."""
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    url = config.get_main_option("sqlalchemy.url") or ""
    sync_url = url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
    engine = create_engine(sync_url)
    with engine.connect() as connection:
        _run(connection)
        connection.commit()
