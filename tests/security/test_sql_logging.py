"""Issue #16 item 11: at LOG_LEVEL=DEBUG no SQL parameter reaches the log unless LOG_SQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import asyncio, sys
from sqlalchemy import text
from bot.config import Settings
from bot.db.engine import create_engine
from bot.logging import configure_logging

log_sql = sys.argv[2] == "1"
configure_logging("DEBUG", "json", sql=log_sql)

async def main():
    engine = create_engine(sys.argv[1], log_sql=log_sql)
    async with engine.begin() as connection:
        await connection.execute(text("select :p"), {"p": "sealed-secret-4242"})
        try:
            await connection.execute(text("select nope from nowhere where x = :p"), {"p": "sealed-secret-4242"})
        except Exception as exc:
            import structlog
            structlog.get_logger("t").error("failed", error=str(exc))
    await engine.dispose()

asyncio.run(main())
"""


def _run(url: str, log_sql: bool) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT, url, "1" if log_sql else "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return result.stdout + result.stderr


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    from bot.config import to_async_database_url

    if database_url.startswith("sqlite"):
        return f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    return to_async_database_url(database_url).render_as_string(hide_password=False)


def test_debug_logs_no_sql_parameters_unless_log_sql(url: str) -> None:
    quiet = _run(url, log_sql=False)
    assert "sealed-secret-4242" not in quiet
    loud = _run(url, log_sql=True)
    assert "sealed-secret-4242" in loud  # asked for: the operator sees the values
