"""Failures said the way an operator needs them: which host, and what went wrong, in words.

``python -m bot check`` and ``serve``'s start-up use these, so a refused connection reads
"PostgreSQL at db:5432/bridge: connection refused" rather than ``ConnectError`` or a traceback.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import URL

__all__ = ["cause", "database_target", "sqlite_file_problem", "url_target"]

# asyncpg's server errors, by class name (no import of the driver needed to name them).
_SERVER_REFUSALS = {
    "InvalidPasswordError": "the password was refused",
    "InvalidCatalogNameError": "that database does not exist",
    "InvalidAuthorizationSpecificationError": "that role does not exist or may not log in",
    "InsufficientPrivilegeError": "the role lacks a privilege it needs",
    "TooManyConnectionsError": "the server has no free connection slot",
    "CannotConnectNowError": "the server is starting up or shutting down",
}
_ERRNO = {
    errno.ECONNREFUSED: "connection refused, nothing listens there",
    errno.ECONNRESET: "connection reset",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.ETIMEDOUT: "timed out",
    errno.EACCES: "permission denied",
    errno.ENOENT: "no such file or folder",
}
_SQLITE_CANNOT_OPEN = "cannot open the file: does its folder exist, and may this user write there?"


# ``user:password@`` in a URL (a proxy's, bot/proxy.py) inside some library's error text.
_CREDENTIALS = re.compile(r"(\w+://)[^/@\s'\"]*@")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        for inner in getattr(current, "exceptions", ()):  # ExceptionGroup, OSError groups
            if isinstance(inner, BaseException):
                yield from _chain(inner)
        current = current.__cause__ or current.__context__


def cause(exc: BaseException) -> str:
    """What went wrong, in a few words; never a bare class name, never a secret."""
    for item in _chain(exc):
        name = type(item).__name__
        if name == "ClientHttpProxyError":  # aiohttp: the proxy answered CONNECT with an error
            status, message = getattr(item, "status", ""), getattr(item, "message", "")
            return f"the proxy refused the connection ({status} {message})".replace(" )", ")")
        if name in _SERVER_REFUSALS:
            return _SERVER_REFUSALS[name]
        if isinstance(item, socket.gaierror):
            return "host name not found in DNS"
        if isinstance(item, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted: {item.verify_message}"
        if isinstance(item, ssl.SSLError):
            return "TLS handshake failed"
        if isinstance(item, TimeoutError) or "Timeout" in name:
            return "no answer in time"
        if isinstance(item, OSError) and item.errno in _ERRNO:
            return _ERRNO[item.errno]
        if isinstance(item, PermissionError):
            return "permission denied"
        text = str(item).lower()
        if "unable to open database file" in text:
            return _SQLITE_CANNOT_OPEN
        if "connection refused" in text or "connect call failed" in text:
            return "connection refused, nothing listens there"
        if "name or service not known" in text or "nodename nor servname" in text:
            return "host name not found in DNS"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    first = _CREDENTIALS.sub(r"\1", first)[:160]  # a proxy URL's user:password@, say
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def database_target(url: URL) -> str:
    """``SQLite file ./bot.db`` or ``PostgreSQL at db:5432/bridge`` (never the password)."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database or ':memory:'}"
    return f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def sqlite_file_problem(url: URL) -> str | None:
    """Why a SQLite file cannot be opened, found without opening it; ``None`` when it may be.

    Said before any connection is tried: aiosqlite opens the file on a worker thread, and a
    failed open leaves that thread finishing against an event loop that ``asyncio.run`` is
    closing (under load, and always under faketime, the process then hung at exit instead of
    saying the one line).
    """
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database)
    if path.exists():
        return None if os.access(path, os.R_OK | os.W_OK) else _SQLITE_CANNOT_OPEN
    folder = path.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        return _SQLITE_CANNOT_OPEN
    return None


def sqlite_file_missing(url: URL) -> bool:
    """True for a SQLite URL whose file does not exist yet (``serve`` and ``migrate`` create
    it; ``check`` only says so, since opening it would create an empty file)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return False
    return not Path(url.database).exists()


def url_target(url: str) -> str:
    """``host:port`` of an http(s) URL."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"
