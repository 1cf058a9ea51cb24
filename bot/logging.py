"""Logging: structlog in front of stdlib logging, console or one JSON object per line."""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

# Loggers that would print request bodies (tokens, user text) at DEBUG.
_QUIET = ("slack_bolt", "slack_sdk", "httpx2", "httpcore2", "asyncio")
# Loggers that print SQL with its parameters (sealed credentials, e-mails) at DEBUG or INFO:
# aiosqlite logs every call with its arguments, SQLAlchemy its statements and parameters.
_SQL = ("sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite", "asyncpg")


def configure_logging(
    level: str = "INFO", fmt: Literal["console", "json"] = "console", *, sql: bool = False
) -> None:
    """Route stdlib and structlog logging to stderr at ``level``. SQL statements and their
    parameters are logged only with ``sql`` (``LOG_SQL=true``), whatever ``level``."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if fmt == "json" else _passthrough,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(_one_line_retries)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    for name in _SQL:
        logging.getLogger(name).setLevel(
            logging.NOTSET if sql else max(logging.WARNING, logging.getLevelName(level))
        )
    if sql:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def _passthrough(
    _logger: object, _name: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    return event_dict


def _one_line_retries(record: logging.LogRecord) -> bool:
    """slack_sdk's Socket Mode client logs each failed connect with ``logger.exception`` and
    tries again ten seconds later, for as long as Slack is unreachable or refuses the app token:
    a traceback every ten seconds buries the log. Its message already names the cause, so the
    record is kept as one warning line."""
    if record.exc_info and record.getMessage().startswith("Failed to connect (error:"):
        record.exc_info = None
        record.exc_text = None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
    return True
