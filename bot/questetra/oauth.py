"""The OAuth 2.0 Authorization Code + PKCE client for Questetra (Authlib's async client).

Questetra authenticates clients with ``client_secret_post`` only; Authlib's default is
``client_secret_basic``, so the method is set explicitly. The token POST is never retried: a
refresh token sent twice may rotate away under us.

Questetra does not document its token endpoint's errors; Spring-based servers answer a bad
client with ``401 {"error":"unauthorized"}`` or an HTML 401 as readily as with RFC 6749's
``invalid_client`` (questetra-fidelity.md B6). So failures are classified by status first, in
:func:`classify_token_answer`, before Authlib reads the body::

    401, any body                          → InvalidClient  (admins are told, links kept)
    400 with "invalid_client"              → InvalidClient
    400, any other body                    → InvalidGrant   (the user re-links)
    5xx, or a 2xx/4xx that is not JSON     → QuestetraDown
    3xx, a web page                        → QuestetraUnexpectedAnswer (unavailable; logged)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx2
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

from bot.proxy import Proxies
from bot.questetra import answers
from bot.questetra.errors import InvalidClient, InvalidGrant, QuestetraDown, QuestetraProtocolError
from bot.questetra.models import TokenSet

AUTHORIZE_PATH = "oauth2/authorize"
TOKEN_PATH = "oauth2/token"  # noqa: S105 - a path, not a secret
DEFAULT_EXPIRES_IN = 43200.0  # Questetra's access tokens live 12 hours
MAX_EXPIRES_IN = 366 * 86400.0


def new_code_verifier() -> str:
    """A PKCE code verifier (RFC 7636: 43–128 characters)."""
    return str(generate_token(64))


class QuestetraOAuth:
    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        scope: str,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        proxies: Proxies | None = None,
    ) -> None:
        self._base_url = base_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self._scope = scope
        self._transport = transport
        self._timeout = timeout
        # The token endpoint's proxy (bot/proxy.py), set on httpx2 itself: trust_env off, so
        # httpx2 reads neither os.environ nor ~/.netrc behind the settings' back.
        self._proxy = (proxies or Proxies()).for_url(base_url + TOKEN_PATH)

    def http_options(self) -> dict[str, Any]:
        """httpx2 client options for a call to the token endpoint."""
        if self._transport is not None:
            return {"transport": self._transport, "timeout": self._timeout}
        return {"proxy": self._proxy, "trust_env": False, "timeout": self._timeout}

    def __repr__(self) -> str:
        return f"QuestetraOAuth(base_url={self._base_url!r}, client_id={self._client_id!r})"

    def _client(self) -> AsyncOAuth2Client:
        client = AsyncOAuth2Client(
            client_id=self._client_id,
            client_secret=self._client_secret,
            token_endpoint_auth_method="client_secret_post",  # noqa: S106 - a method name
            redirect_uri=self._redirect_uri,
            scope=self._scope,
            code_challenge_method="S256",
            **self.http_options(),
        )
        client.register_compliance_hook("access_token_response", classify_token_answer)
        client.register_compliance_hook("refresh_token_response", classify_token_answer)
        return client

    def authorization_url(self, *, state: str, code_verifier: str) -> str:
        client = self._client()
        url, _ = client.create_authorization_url(
            self._base_url + AUTHORIZE_PATH, state=state, code_verifier=code_verifier
        )
        return str(url)

    def bogus_refresh_form(self) -> dict[str, str]:
        """A refresh request with a token that never existed (``python -m bot probe --checks``:
        it shows how the tenant refuses a dead grant, and changes nothing)."""
        return {
            "grant_type": "refresh_token",
            "refresh_token": "probe-" + str(generate_token(32)),
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }

    async def exchange_code(self, *, code: str, code_verifier: str, now: datetime) -> TokenSet:
        return await self._token_call(
            now, grant_type="authorization_code", code=code, code_verifier=code_verifier
        )

    async def refresh(self, *, refresh_token: str, now: datetime) -> TokenSet:
        token = await self._token_call(now, grant_type="refresh_token", refresh_token=refresh_token)
        if token.refresh_token is None:
            # No rotation: the old refresh token stays valid (questetra-api.md §1).
            token = TokenSet(token.access_token, refresh_token, token.expires_at, token.scope)
        return token

    async def _token_call(self, now: datetime, **params: str) -> TokenSet:
        async with self._client() as client:
            try:
                if params["grant_type"] == "refresh_token":
                    raw: dict[str, Any] = await client.refresh_token(
                        self._base_url + TOKEN_PATH, refresh_token=params["refresh_token"]
                    )
                else:
                    raw = await client.fetch_token(
                        self._base_url + TOKEN_PATH,
                        grant_type="authorization_code",
                        code=params["code"],
                        code_verifier=params["code_verifier"],
                    )
            except OAuthError as exc:
                # A 2xx carrying an error (the hook lets those through): read like a 400.
                raise _refusal(str(exc.error)) from None
            except httpx2.HTTPError as exc:
                raise QuestetraDown(f"token endpoint: {type(exc).__name__}") from None
            except (ValueError, TypeError, OverflowError, RecursionError):
                # Not JSON, absurdly nested, or values Authlib cannot take (expires_in: inf).
                raise QuestetraProtocolError("token endpoint answer is not JSON") from None
        return _token_set(raw, now)


def classify_token_answer(response: httpx2.Response) -> httpx2.Response:
    """Authlib compliance hook: raise the bridge's error for a failed token answer, or hand a
    2xx JSON answer on to Authlib. Bodies are never logged here (a success carries tokens)."""
    code = response.status_code
    if code == 401:
        raise InvalidClient(f"token endpoint answered 401 ({_error_of(response) or 'no error'})")
    if code >= 500:
        raise QuestetraDown(f"token endpoint: HTTP {code}")
    if 300 <= code < 400 or answers.is_web_page(response):
        if code == 400:
            raise InvalidGrant("token endpoint answered 400 (a web page)")
        answers.log_raw("token.unexpected_answer", TOKEN_PATH, response, body=False)
        raise answers.QuestetraUnexpectedAnswer(TOKEN_PATH, answers.classify(response))
    error = _error_of(response)
    if code == 400:
        raise _refusal(error or "no error")
    if not 200 <= code < 300 or (error is None and not _is_json_object(response)):
        answers.log_raw("token.unexpected_answer", TOKEN_PATH, response, body=False)
        raise QuestetraDown(f"token endpoint: HTTP {code}, not a JSON token")
    return response


def _refusal(error: str) -> InvalidClient | InvalidGrant:
    if error == "invalid_client":
        return InvalidClient("Questetra refused the OAuth client")
    return InvalidGrant(f"token endpoint answered {error}")


def _error_of(response: httpx2.Response) -> str | None:
    """The ``error`` member of a JSON body (RFC 6749 or Spring style), if any."""
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) and error else None


def _is_json_object(response: httpx2.Response) -> bool:
    try:
        return isinstance(response.json(), dict)
    except (ValueError, RecursionError):
        return False


def _token_set(raw: dict[str, Any], now: datetime) -> TokenSet:
    access = raw.get("access_token")
    if not isinstance(access, str) or not access:
        raise QuestetraProtocolError("token answer without access_token")
    try:
        expires_in = float(raw.get("expires_in", DEFAULT_EXPIRES_IN))
    except (TypeError, ValueError, OverflowError):
        expires_in = DEFAULT_EXPIRES_IN
    if not 0 < expires_in <= MAX_EXPIRES_IN:  # NaN, inf and nonsense: assume the documented 12 h
        expires_in = DEFAULT_EXPIRES_IN
    refresh = raw.get("refresh_token")
    return TokenSet(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        expires_at=now + timedelta(seconds=expires_in),
        scope=raw.get("scope") if isinstance(raw.get("scope"), str) else None,
    )


@dataclass(frozen=True)
class ClientProbe:
    """What the token endpoint said of our client: ``accepted`` True (known client), False
    (refused: wrong id or secret, or the client was deactivated), None (could not tell)."""

    accepted: bool | None
    answer: str  # the error code, or the HTTP status when there was none


async def probe_client(oauth: QuestetraOAuth) -> ClientProbe:
    """Ask the token endpoint to refresh a made-up refresh token with the client's credentials.

    RFC 6749 §5.2: the server authenticates the client first, so a known client gets
    ``invalid_grant`` (about the token) and a wrong one ``invalid_client`` (Spring-based servers
    may say ``401 unauthorized``; questetra-fidelity.md B6). Nothing is created or spent.
    Raises :class:`httpx2.HTTPError` when the endpoint cannot be reached.
    """
    data = {
        "grant_type": "refresh_token",
        "refresh_token": "bridge-check-" + str(generate_token(24)),
        "client_id": oauth._client_id,
        "client_secret": oauth._client_secret,
    }
    async with httpx2.AsyncClient(**oauth.http_options(), follow_redirects=False) as http:
        response = await http.post(
            oauth._base_url + TOKEN_PATH, data=data, headers={"Accept": "application/json"}
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    answer = str(error) if isinstance(error, str) and error else f"HTTP {response.status_code}"
    if error in ("invalid_client", "unauthorized", "unauthorized_client") or (
        response.status_code == 401
    ):
        return ClientProbe(False, answer)
    if error == "invalid_grant":
        return ClientProbe(True, answer)
    return ClientProbe(None, answer)
