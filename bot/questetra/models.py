"""Questetra data as the bridge uses it, parsed from the wire in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.questetra.errors import QuestetraProtocolError


@dataclass(frozen=True)
class QUser:
    id: int
    name: str
    email: str

    @classmethod
    def parse(cls, payload: Any) -> QUser:
        try:
            quser = payload["quser"]
            return cls(id=int(quser["id"]), name=str(quser["name"]), email=str(quser["email"]))
        except (KeyError, TypeError, ValueError, OverflowError):
            raise QuestetraProtocolError("Quser answer without id, name and email") from None


@dataclass(frozen=True)
class TokenSet:
    """OAuth tokens; ``repr`` shows only their shape."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime
    scope: str | None = None
