"""Alembic environment: async engine, naming convention from the models, URL from DATABASE_URL.

`python -m bot migrate` and `serve` hand over an open connection through
``config.attributes["connection"]``; the Alembic CLI gets the URL from the environment.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from bot.config import to_async_database_url
from bot.db import alert_models, form_models, models, security_models  # noqa: F401 - registers the tables on the metadata
from bot.db.base import Base
from bot.db.engine import create_engine

config = context.config
if config.config_file_name is not None and not config.attributes.get("connection"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch ALTERs
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    url = to_async_database_url(os.environ.get("DATABASE_URL", "sqlite:///./questetra-bot.db"))
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure)
    finally:
        await engine.dispose()


def _run_offline() -> None:
    url = to_async_database_url(os.environ.get("DATABASE_URL", "sqlite:///./questetra-bot.db"))
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
elif (connection := config.attributes.get("connection")) is not None:
    _configure(connection)
else:
    asyncio.run(_run_online())
