"""Engine and session factories; nothing is created at import time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry


def create_engine(url: URL | str, *, log_sql: bool = False, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys, WAL and a busy timeout so workers do not trip.

    SQL parameters hold sealed credentials, e-mails and what people typed: they stay out of log
    lines and exception messages (``hide_parameters``) unless ``log_sql`` (``LOG_SQL=true``)."""
    kwargs.setdefault("hide_parameters", not log_sql)
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        # Without deadlines a database that stops answering (a dropped link, a blackholed
        # packet) would hang health checks and every worker until TCP gives up, minutes later.
        kwargs.setdefault("connect_args", {"timeout": 10, "command_timeout": 30})
    sqlite = backend == "sqlite"
    # A local file needs no liveness ping before each checkout; a server connection does.
    engine = create_async_engine(url, pool_pre_ping=not sqlite, **kwargs)
    if sqlite:

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
                # WAL + NORMAL: durable across application crashes, one fsync per checkpoint.
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
