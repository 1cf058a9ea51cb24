"""OAuth 2.0 rules: authorization codes, access and refresh tokens (RFC 6749 + RFC 7636 S256).

Every function expects ``state.lock`` to be held by the caller.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from .model import AccessToken, AuthCode, Client, QUser, RefreshToken
from .state import EmulatorState

SCOPES = frozenset({"any", "read"})
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


class OAuthError(Exception):
    """An RFC 6749 error: ``error`` code and HTTP status."""

    def __init__(self, error: str, status: int = 400, description: str = "") -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.description = description

    def body(self) -> dict[str, str]:
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return body


def parse_scope(raw: str | None) -> frozenset[str]:
    """``any`` and/or ``read``, space separated; anything else is ``invalid_scope``."""
    requested = frozenset((raw or "").split())
    if not requested or not requested <= SCOPES:
        raise OAuthError("invalid_scope", description="scope is 'any' or 'read'")
    return requested


def check_challenge(client: Client, challenge: str | None, method: str | None) -> str | None:
    """Validate PKCE parameters of an authorization request; returns the challenge to bind."""
    if challenge is None and method is None:
        if client.require_pkce:
            raise OAuthError("invalid_request", description="code_challenge required")
        return None
    if method != "S256":
        raise OAuthError("invalid_request", description="code_challenge_method must be S256")
    if challenge is None or not _CHALLENGE.fullmatch(challenge):
        raise OAuthError("invalid_request", description="malformed code_challenge")
    return challenge


def issue_code(
    state: EmulatorState,
    client: Client,
    redirect_uri: str,
    user: QUser,
    scope: frozenset[str],
    challenge: str | None,
) -> str:
    code = secrets.token_urlsafe(24)
    state.db.codes[code] = AuthCode(
        code=code,
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        user_id=user.id,
        scope=scope,
        code_challenge=challenge,
        expires_at=state.clock.now() + timedelta(seconds=state.code_ttl),
    )
    return code


def authenticate_client(
    state: EmulatorState, client_id: str | None, client_secret: str | None
) -> Client:
    """client_secret_post, or no secret at all for a client that requires PKCE."""
    client = state.db.clients.get(client_id or "")
    if client is None or not client.active:
        raise OAuthError("invalid_client", 401)
    if client_secret is None:
        if not client.require_pkce:
            raise OAuthError("invalid_client", 401, "client_secret required")
        return client
    if not hmac.compare_digest(client_secret.encode(), client.client_secret.encode()):
        raise OAuthError("invalid_client", 401)
    return client


def exchange_code(
    state: EmulatorState,
    client: Client,
    code: str | None,
    redirect_uri: str | None,
    verifier: str | None,
    *,
    public: bool = False,
) -> dict[str, object]:
    """``public``: the client sent no secret, so PKCE is its only proof."""
    if not code:
        raise OAuthError("invalid_request", description="code required")
    record = state.db.codes.get(code)
    if record is None or record.client_id != client.client_id:
        raise OAuthError("invalid_grant")
    if record.used:
        # A replayed code revokes what it produced (RFC 6749 §4.1.2).
        for token in record.issued:
            state.db.access_tokens.pop(token, None)
            state.db.refresh_tokens.pop(token, None)
        raise OAuthError("invalid_grant", description="code already used")
    if state.clock.now() >= record.expires_at:
        del state.db.codes[code]
        raise OAuthError("invalid_grant", description="code expired")
    if redirect_uri != record.redirect_uri:
        raise OAuthError("invalid_grant", description="redirect_uri mismatch")
    if record.code_challenge is not None and not _pkce_ok(record.code_challenge, verifier):
        raise OAuthError("invalid_grant", description="code_verifier mismatch")
    if record.code_challenge is None and public:
        raise OAuthError("invalid_client", 401, "client_secret required")
    record.used = True
    access, refresh = _mint(state, record.user_id, client.client_id, record.scope, refresh=True)
    record.issued = [access.token] + ([refresh.token] if refresh else [])
    return _token_body(state, access, refresh)


def refresh_grant(
    state: EmulatorState, client: Client, token: str | None, scope: str | None
) -> dict[str, object]:
    if not token:
        raise OAuthError("invalid_request", description="refresh_token required")
    record = state.db.refresh_tokens.get(token)
    if record is None or record.client_id != client.client_id:
        raise OAuthError("invalid_grant")
    if state.clock.now() >= record.expires_at:
        del state.db.refresh_tokens[token]
        raise OAuthError("invalid_grant", description="refresh token expired")
    granted = record.scope
    if scope is not None:
        granted = parse_scope(scope)
        if not granted <= record.scope:
            raise OAuthError("invalid_scope")
    if state.rotate_refresh_tokens:
        del state.db.refresh_tokens[token]
    access, refresh = _mint(
        state, record.user_id, client.client_id, granted, refresh=state.rotate_refresh_tokens
    )
    return _token_body(state, access, refresh)


def _pkce_ok(challenge: str, verifier: str | None) -> bool:
    if verifier is None or not _VERIFIER.fullmatch(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, challenge)


def _mint(
    state: EmulatorState, user_id: int, client_id: str, scope: frozenset[str], *, refresh: bool
) -> tuple[AccessToken, RefreshToken | None]:
    now = state.clock.now()
    access = AccessToken(
        secrets.token_urlsafe(32),
        user_id,
        client_id,
        scope,
        now + timedelta(seconds=state.access_token_ttl),
    )
    state.db.access_tokens[access.token] = access
    if not refresh:
        return access, None
    _make_room(state, user_id, client_id)
    new = RefreshToken(
        secrets.token_urlsafe(32),
        user_id,
        client_id,
        scope,
        now,
        now + timedelta(seconds=state.refresh_token_ttl),
    )
    state.db.refresh_tokens[new.token] = new
    return access, new


def _make_room(state: EmulatorState, user_id: int, client_id: str) -> None:
    """At most ``max_refresh_tokens`` per (user, client): the oldest silently goes."""
    now = state.clock.now()
    table = state.db.refresh_tokens
    for key in [k for k, r in table.items() if r.expires_at <= now]:
        del table[key]
    # dicts keep insertion order, which is issue order: the first ones are the oldest.
    mine = [k for k, r in table.items() if r.user_id == user_id and r.client_id == client_id]
    for key in mine[: max(0, len(mine) - state.max_refresh_tokens + 1)]:
        del table[key]


def _token_body(
    state: EmulatorState, access: AccessToken, refresh: RefreshToken | None
) -> dict[str, object]:
    body: dict[str, object] = {
        "access_token": access.token,
        "token_type": "bearer",
        "expires_in": int(state.access_token_ttl),
    }
    if refresh is not None:
        body["refresh_token"] = refresh.token
    body["scope"] = " ".join(sorted(access.scope))
    return body
