"""Questetra failures, mapped from the wire. They are part of the one error tree (bot.errors):

::

    QuestetraError (BridgeError)
    ├── QuestetraDown           network error, timeout, 5xx      → also errors.QuestetraUnavailable
    ├── QuestetraAuthFailed     401 on an API call              → also errors.NeedsRelink
    ├── QuestetraForbidden      403 (edition or user rights)     → also errors.PermissionDenied
    ├── QuestetraBadRequest     400 {"errors": [...]}            → also errors.QuestetraRejected
    ├── QuestetraProtocolError  an answer we cannot read         → also errors.QuestetraUnavailable
    │   └── QuestetraUnexpectedAnswer  a redirect, a sign-in page, not the promised document
    │                                   (bot/questetra/answers.py decides, for every call)
    ├── InvalidGrant            token endpoint: code or refresh token no longer valid
    └── InvalidClient           token endpoint: the OAuth client was deactivated or deleted

Messages carry endpoint names and status codes only, never a token or a password.
"""

from __future__ import annotations

from typing import Any

from bot import errors


class QuestetraError(errors.BridgeError):
    """Base of every Questetra failure."""


class QuestetraDown(QuestetraError, errors.QuestetraUnavailable):
    def __init__(self, detail: str) -> None:
        errors.QuestetraUnavailable.__init__(self)
        self.detail = detail

    def __str__(self) -> str:
        return f"Questetra unavailable: {self.detail}"


class QuestetraProtocolError(QuestetraError, errors.QuestetraUnavailable):
    def __init__(self, detail: str) -> None:
        errors.QuestetraUnavailable.__init__(self)
        self.detail = detail

    def __str__(self) -> str:
        return f"unreadable answer from Questetra: {self.detail}"


class QuestetraAuthFailed(QuestetraError, errors.NeedsRelink):
    def __str__(self) -> str:
        return "Questetra refused the credential (401)"


class QuestetraForbidden(QuestetraError, errors.PermissionDenied):
    key = "error.questetra_forbidden"

    def __str__(self) -> str:
        return "Questetra refused the operation (403)"


class QuestetraBadRequest(QuestetraError, errors.QuestetraRejected):
    def __init__(self, problems: list[dict[str, Any]]) -> None:
        reason = (
            "; ".join(
                str(p.get("errorCode") or p.get("type") or "error")
                + (f" ({p['input']})" if p.get("input") else "")
                for p in problems
            )
            or "invalid request"
        )
        errors.QuestetraRejected.__init__(self, reason=reason)
        self.problems = problems

    def __str__(self) -> str:
        return f"Questetra rejected the request: {self.params['reason']}"


class InvalidGrant(QuestetraError):
    """The authorization code or refresh token is no longer accepted."""


class InvalidClient(QuestetraError):
    """The bridge's OAuth client is unknown, deactivated or deleted in Questetra."""
