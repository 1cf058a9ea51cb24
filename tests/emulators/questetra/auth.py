"""Who is calling ``/API/...``: a Bearer access token or pre-emptive Basic with an API password."""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from typing import Literal

from .model import QUser
from .state import EmulatorState


@dataclass(frozen=True)
class Principal:
    user: QUser
    method: Literal["bearer", "basic"]
    scope: frozenset[str]

    @property
    def can_write(self) -> bool:
        # "read" is read-only; "any" is everything (Basic auth acts with full rights).
        return "any" in self.scope


def authenticate(state: EmulatorState, header: str | None) -> Principal | None:
    """The caller, or None (-> 401). Call with ``state.lock`` held."""
    if not header or " " not in header:
        return None
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() == "bearer":
        return _bearer(state, credentials)
    if scheme.lower() == "basic":
        return _basic(state, credentials)
    return None


def _bearer(state: EmulatorState, token: str) -> Principal | None:
    record = state.db.access_tokens.get(token)
    if record is None or state.clock.now() >= record.expires_at:
        return None
    client = state.db.clients.get(record.client_id)
    user = state.db.users.get(record.user_id)
    if client is None or not client.active or user is None:
        return None
    return Principal(user, "bearer", record.scope)


def _basic(state: EmulatorState, credentials: str) -> Principal | None:
    if not state.basic_auth_enabled:
        return None
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    email, sep, password = decoded.partition(":")
    user = state.user_by_email(email) if sep else None
    if user is None or user.api_password is None:
        return None
    if not hmac.compare_digest(user.api_password.encode(), password.encode()):
        return None
    return Principal(user, "basic", frozenset({"any"}))
