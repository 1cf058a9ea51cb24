"""``{base}oauth2/authorize`` (consent page) and ``{base}oauth2/token``."""

from __future__ import annotations

from html import escape
from typing import Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .html import error_page, page
from .model import Client, TokenRequest
from .params import Params, read_params
from .state import EmulatorState
from .tokens import (
    OAuthError,
    authenticate_client,
    check_challenge,
    exchange_code,
    issue_code,
    parse_scope,
    refresh_grant,
)

_CARRIED = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)
_SCOPE_TEXT = {"any": "all API operations", "read": "read-only API access"}


def routes(state: EmulatorState) -> list[Route]:
    async def authorize(request: Request) -> Response:
        params = await read_params(request)
        return _authorize(state, request, params)

    async def token(request: Request) -> Response:
        params = await read_params(request)
        return _token(state, request, params)

    return [
        Route("/oauth2/authorize", authorize, methods=["GET", "POST"]),
        Route("/oauth2/token", token, methods=["POST"]),
    ]


def _authorize(state: EmulatorState, request: Request, params: Params) -> Response:
    with state.lock:
        client = state.db.clients.get(params.get("client_id") or "")
        redirect_uri = params.get("redirect_uri")
        # Until client and redirect URI are trusted, errors stay on our page (no open redirect).
        if client is None or not client.active:
            return error_page(400, "Invalid request", "Unknown or inactive OAuth client.")
        if redirect_uri != client.redirect_uri:
            return error_page(400, "Invalid request", "redirect_uri does not match the client.")
        client_state = params.get("state")
        try:
            if params.get("response_type") != "code":
                raise OAuthError("unsupported_response_type")
            scope = parse_scope(params.get("scope"))
            challenge = check_challenge(
                client, params.get("code_challenge"), params.get("code_challenge_method")
            )
        except OAuthError as exc:
            return _redirect(redirect_uri, {"error": exc.error, "state": client_state})
        user = state.signed_in_user
        if user is None:
            return error_page(
                401, "Sign in", "Sign in to Questetra first (emulator: POST _emulator/session)."
            )
        if request.method == "GET":
            return _consent_page(request, client, params, scope, user.name, user.email)
        decision = params.get("decision")
        if decision == "deny":
            return _redirect(redirect_uri, {"error": "access_denied", "state": client_state})
        if decision != "approve":
            return error_page(400, "Invalid request", "decision is approve or deny.")
        code = issue_code(state, client, redirect_uri, user, scope, challenge)
        return _redirect(redirect_uri, {"code": code, "state": client_state})


def _consent_page(
    request: Request,
    client: Client,
    params: Params,
    scope: frozenset[str],
    user_name: str,
    user_email: str,
) -> Response:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(value, quote=True)}">'
        for name in _CARRIED
        if (value := params.get(name)) is not None
    )
    scopes = "".join(f"<li>{escape(s)}: {_SCOPE_TEXT[s]}</li>" for s in sorted(scope))
    body = (
        f"<p>The application <strong>{escape(client.name)}</strong> "
        f"(client id <code>{escape(client.client_id)}</code>) asks to access Questetra "
        f"as you.</p><p>Scope:</p><ul>{scopes}</ul>"
        f"<p>Signed in as <strong>{escape(user_name)}</strong> &lt;{escape(user_email)}&gt;</p>"
        f'<form method="post" action="{escape(request.url.path, quote=True)}">{hidden}'
        '<button type="submit" name="decision" value="approve">Allow</button> '
        '<button type="submit" name="decision" value="deny">Deny</button></form>'
    )
    return page("Authorize application", body)


def _redirect(uri: str, values: dict[str, str | None]) -> Response:
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in values.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=302)


def _token(state: EmulatorState, request: Request, params: Params) -> Response:
    header = request.headers.get("authorization")
    secret = params.get("client_secret")
    client_auth: Literal["post", "basic", "none"] = (
        "basic" if header else "post" if secret is not None else "none"
    )
    grant_type = params.get("grant_type")
    try:
        with state.lock:
            if header:
                # Only client_secret_post is supported (INFERRED: HTTP Basic client auth refused).
                raise OAuthError("invalid_client", 401, "use client_secret_post")
            duplicated = [n for n in params.names() if params.count(n) > 1]
            if duplicated:
                raise OAuthError("invalid_request", description=f"repeated {duplicated[0]}")
            if not grant_type:
                raise OAuthError("invalid_request", description="grant_type required")
            client = authenticate_client(state, params.get("client_id"), secret)
            if grant_type == "authorization_code":
                body = exchange_code(
                    state,
                    client,
                    params.get("code"),
                    params.get("redirect_uri"),
                    params.get("code_verifier"),
                    public=secret is None,
                )
            elif grant_type == "refresh_token":
                body = refresh_grant(
                    state, client, params.get("refresh_token"), params.get("scope")
                )
            else:
                raise OAuthError("unsupported_grant_type")
        response: Response = JSONResponse(body, headers=_NO_STORE)
        error = None
    except OAuthError as exc:
        response = _token_error(state, exc)
        error = exc.error
    entry = TokenRequest(
        grant_type=grant_type,
        client_id=params.get("client_id"),
        client_auth=client_auth,
        code=params.get("code"),
        refresh_token=params.get("refresh_token"),
        redirect_uri=params.get("redirect_uri"),
        code_verifier=params.get("code_verifier"),
        scope=params.get("scope"),
        status=response.status_code,
        error=error,
    )
    with state.lock:
        state.db.token_requests.append(entry)
    return response


_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# What Spring Security OAuth2 says for the same refusals (INFERRED from the documented 12 h /
# 30 d lifetimes, Spring's defaults: questetra-fidelity.md B4, B6).
_SPRING = {
    "invalid_client": {"error": "unauthorized", "error_description": "Bad credentials"},
    "invalid_grant": {"error": "invalid_grant", "error_description": "Invalid refresh token"},
}


def _token_error(state: EmulatorState, exc: OAuthError) -> Response:
    """A refusal in the style the ``token_errors`` switch says (rfc, spring, html)."""
    style = state.switches.token_errors
    if style == "html":
        title = {400: "400 Bad Request", 401: "401 Unauthorized"}.get(exc.status, str(exc.status))
        return error_page(exc.status, title, "The request was refused.")
    body = _SPRING.get(exc.error, exc.body()) if style == "spring" else exc.body()
    return JSONResponse(body, status_code=exc.status, headers=_NO_STORE)
