"""Apply and inspect Alembic migrations from code (``python -m bot migrate``, ``serve``)."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
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


@cache
def script_heads() -> frozenset[str]:
    """Heads of the migration scripts shipped with this version (read once: they cannot change
    while the process runs)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


@cache
def known_revisions() -> frozenset[str]:
    """Every revision this version of the code knows."""
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(rev.revision for rev in script.walk_revisions())


async def current_heads(engine: AsyncEngine) -> tuple[set[str], set[str]]:
    """(revisions applied in the database, heads of the migration scripts).

    Reads Alembic's version table with plain SQL: no migration context, so nothing is logged
    (``/readyz`` calls this every few seconds).
    """
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        applied: set[str] = set()
        if "alembic_version" in tables:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            applied = {str(version) for (version,) in rows}
    return applied, set(script_heads())
