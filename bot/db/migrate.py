"""Apply and inspect Alembic migrations from code (``python -m bot migrate``, ``serve``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


def _script_location() -> str:
    # Installed wheel: migrations ship as the `bot.migrations` package (see pyproject.toml).
    # Source checkout: the top-level migrations/ folder next to bot/.
    spec = importlib.util.find_spec("bot.migrations")
    if spec is not None and spec.submodule_search_locations:
        return str(next(iter(spec.submodule_search_locations)))
    return str(Path(__file__).resolve().parents[2] / "migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", _script_location())
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    config = alembic_config()

    def _upgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def current_heads(engine: AsyncEngine) -> tuple[set[str], set[str]]:
    """(revisions applied in the database, heads of the migration scripts)."""
    script = ScriptDirectory.from_config(alembic_config())

    def _current(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        applied = await connection.run_sync(_current)
    return applied, set(script.get_heads())
