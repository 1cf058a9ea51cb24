"""HTTP routes (Starlette): the front page, the Slack receiver, health, readiness and metrics."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import structlog
from slack_bolt.adapter.starlette.async_handler import (
    AsyncSlackRequestHandler,
    to_async_bolt_request,
    to_starlette_response,
)
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.db.alert_models import OutboxMessage
from bot.db.migrate import current_heads
from bot.db.models import UserLink
from bot.deps import Deps
from bot.metrics import CONTENT_TYPE_LATEST, Metrics
from bot.pages import front_page, outcome_page
from bot.services.linking import Outcome
from bot.serving import MAX_HOOK_BODY, MAX_SLACK_BODY, bearer_matches
from bot.slack.alert_blocks import webhook_post
from bot.slack.clients import slack_error
from bot.slack.linking import announce_link
from bot.slack.shape import is_well_formed

log = structlog.stdlib.get_logger(__name__)

# Pushes a channel takes a minute from its webhooks; polls a push may cause per linked user.
HOOK_POSTS_PER_MINUTE = 60
HOOK_POLL_DEBOUNCE = timedelta(seconds=30)
# /readyz gives up after this long: an orchestrator probes every few seconds.
READY_TIMEOUT = 2.0


def exact_paths(app: Starlette) -> Starlette:
    """Paths match exactly, for every route: ``/hooks/{token}/`` or ``/healthz/`` answer 404 like
    any unknown path. Starlette's default (``redirect_slashes``) answers a near miss with a 307 to
    the route it nearly matched, built from the request's Host header: it tells a stranger which
    routes exist, and a webhook sender would be redirected instead of told the URL is wrong."""
    app.router.redirect_slashes = False
    return app


def parse_hook_body(content_type: str, body: bytes) -> dict[str, Any] | None:
    """title, text, processInstanceId, email from a form or JSON body; None when malformed."""
    try:
        if "json" in content_type:
            raw = json.loads(body)
        else:
            raw = {
                k: v[-1]
                for k, v in parse_qs(body.decode("utf-8"), strict_parsing=bool(body)).items()
            }
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(raw, dict):
        return None
    result: dict[str, Any] = {}
    for name in ("title", "text", "email"):
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            return None
        if value:
            result[name] = value
    pid = raw.get("processInstanceId")
    if pid not in (None, ""):
        text = str(pid)
        if isinstance(pid, bool) or not (text.isascii() and text.isdigit() and len(text) <= 18):
            return None
        result["process_id"] = int(text)
    if not result.get("title") and not result.get("text"):
        return None
    return result


def is_ssl_check(body: bytes, content_type: str) -> bool:
    """Slack's certificate check of a slash command's Request URL: an unsigned form POST with
    ``ssl_check=1`` (and a legacy ``token``) that wants a 200 and nothing else. It is answered
    before the signature check, like Bolt's own ``SslCheck`` middleware does, and it runs nothing.
    Source: https://docs.slack.dev/interactivity/implementing-slash-commands/ and
    https://docs.slack.dev/tools/bolt-python/reference/middleware/ssl_check/ssl_check.html"""
    if "application/x-www-form-urlencoded" not in content_type.lower() or len(body) > 1024:
        return False
    try:
        form = parse_qs(body.decode("ascii"), max_num_fields=8)
    except (UnicodeDecodeError, ValueError):
        return False
    return form.get("ssl_check") == ["1"] and "command" not in form and "payload" not in form


def slack_request_kind(body: dict[str, Any]) -> str:
    """A low-cardinality label for metrics: command, block_actions, view_submission, event:<type>…"""
    if "command" in body:
        return "command"
    kind = str(body.get("type") or "unknown")
    if kind == "event_callback":
        return f"event:{(body.get('event') or {}).get('type', 'unknown')}"
    return kind


def routes(deps: Deps, slack: AsyncApp) -> list[Route]:
    verifier = SignatureVerifier(deps.settings.slack_signing_secret.get_secret_value())

    async def slack_events(request: Request) -> Response:
        # BodyLimitMiddleware (bot/serving.py) refused anything above MAX_SLACK_BODY already.
        body = await request.body()
        if len(body) > MAX_SLACK_BODY:
            return PlainTextResponse("payload too large", status_code=413)
        if is_ssl_check(body, request.headers.get("content-type", "")):
            deps.metrics.slack_requests.labels(kind="ssl_check", outcome="200").inc()
            return PlainTextResponse("")
        # Verify first, before parsing anything (Bolt verifies again: it is cheap).
        try:
            valid = verifier.is_valid_request(body, dict(request.headers))
        except (ValueError, TypeError, UnicodeDecodeError):
            valid = False  # slack_sdk raises on some garbage headers instead of saying no
        if not valid:
            deps.metrics.slack_requests.labels(kind="unverified", outcome="401").inc()
            return PlainTextResponse("invalid signature", status_code=401)
        try:
            bolt_request = to_async_bolt_request(request, body)
        except (ValueError, AttributeError, TypeError, RecursionError):
            return PlainTextResponse("malformed body", status_code=400)
        if not is_well_formed(bolt_request.body):
            return PlainTextResponse("malformed body", status_code=400)
        bolt_response = await slack.async_dispatch(bolt_request)
        deps.metrics.slack_requests.labels(
            kind=slack_request_kind(bolt_request.body), outcome=str(bolt_response.status)
        ).inc()
        return to_starlette_response(bolt_response)

    install_routes: list[Route] = []
    if slack.oauth_flow is not None:
        # Multi-workspace mode: Bolt's "Add to Slack" page and its OAuth redirect.
        handler = AsyncSlackRequestHandler(slack)

        async def slack_oauth(request: Request) -> Response:
            return await handler.handle(request)

        install_routes = [
            Route(slack.oauth_flow.install_path, slack_oauth, methods=["GET"]),
            Route(slack.oauth_flow.redirect_uri_path, slack_oauth, methods=["GET"]),
        ]

    async def healthz(_: Request) -> Response:
        # Liveness: the process answers. No I/O: a slow database must not get the process killed.
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        # Readiness: the database answers and is at this version's migrations. Probed every few
        # seconds, so it logs nothing; the answer says what is wrong.
        try:
            async with asyncio.timeout(READY_TIMEOUT):
                applied, heads = await current_heads(deps.engine)
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return JSONResponse({"ready": False, "database": "unreachable"}, status_code=503)
        ready = applied == heads
        body = {"ready": ready, "database": "ok", "migrations": "head" if ready else "behind"}
        return JSONResponse(body, status_code=200 if ready else 503)

    install_url = (
        f"{deps.settings.bot_public_url}{slack.oauth_flow.install_path}"
        if slack.oauth_flow is not None
        else None
    )
    front = front_page(install_url=install_url)

    async def root(_: Request) -> Response:
        return HTMLResponse(front)

    async def oauth_start(request: Request) -> Response:
        target = await deps.linking.authorization_url(request.query_params.get("state"))
        if isinstance(target, str):
            return RedirectResponse(target, status_code=302, headers=NO_STORE)
        return _page(target.outcome)

    async def oauth_callback(request: Request) -> Response:
        query = request.query_params
        result = await deps.linking.complete_oauth(
            state=query.get("state"), code=query.get("code"), error=query.get("error")
        )
        if (
            result.outcome is Outcome.LINKED
            and result.quser
            and result.team_id
            and result.slack_user_id
        ):
            await announce_link(
                deps, team_id=result.team_id, user_id=result.slack_user_id, quser=result.quser
            )
        quser = result.quser
        return _page(
            result.outcome, name=quser.name if quser else "", email=quser.email if quser else ""
        )

    async def hook(request: Request) -> Response:
        """A push from a workflow (Throwing Message Intermediate Event): post it at once."""
        target = await deps.webhooks.resolve(request.path_params["token"])
        if target is None:
            return PlainTextResponse("unknown webhook", status_code=404)
        body = await request.body()
        if len(body) > MAX_HOOK_BODY:
            return PlainTextResponse("body too large", status_code=413)
        payload = parse_hook_body(request.headers.get("content-type", ""), body)
        if payload is None:
            return PlainTextResponse(
                "malformed body: send title, text, processInstanceId, email", status_code=400
            )
        # One channel takes at most HOOK_POSTS_PER_MINUTE pushes (issue #16 item 7): a leaked
        # or looping webhook cannot flood it, nor spend the bot's Slack rate limit.
        if not await deps.rates.hit(
            f"hook-channel:{target.team_id}/{target.channel_id}",
            limit=HOOK_POSTS_PER_MINUTE,
            window=timedelta(minutes=1),
        ):
            deps.metrics.refused.labels("rate").inc()
            log.warning("hook.rate_limited", webhook_id=target.webhook_id)
            return PlainTextResponse(
                f"too many posts to this channel: at most {HOOK_POSTS_PER_MINUTE} a minute",
                status_code=429,
                headers={"Retry-After": "60"},
            )
        text, blocks = webhook_post(payload, deps.settings.questetra_base_url)
        try:
            client = await deps.slack_clients.for_team(target.team_id)
            await client.chat_postMessage(
                channel=target.channel_id, text=text, blocks=blocks, unfurl_links=False
            )
        except SlackApiError as exc:
            log.warning("hook.post_failed", webhook_id=target.webhook_id, error=slack_error(exc))
            return PlainTextResponse("could not post to Slack", status_code=502)
        if payload.get("email"):
            links = await deps.webhooks.links_for_email(target.team_id, str(payload["email"]))
            # A poll per link at most every HOOK_POLL_DEBOUNCE (issue #16 item 7): pushes naming
            # one person cannot turn into a stream of Questetra calls on their behalf.
            due = [
                link
                for link in links
                if await deps.rates.hit(f"hook-poll:{link}", limit=1, window=HOOK_POLL_DEBOUNCE)
            ]
            await deps.alerts.mark_due(due)
            if due:
                deps.wake_poller()  # the new task is announced within a second
        return PlainTextResponse("ok")

    # /metrics on PORT unless it has its own listener (METRICS_PORT, bot/serving.py).
    metrics = [] if deps.settings.metrics_separate else [metrics_route(deps)]

    return [
        Route("/", root, methods=["GET"]),
        Route("/slack/events", slack_events, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        *metrics,
        Route("/questetra/oauth/start", oauth_start, methods=["GET"]),
        Route("/questetra/oauth/callback", oauth_callback, methods=["GET"]),
        Route("/hooks/{token}", hook, methods=["POST"]),
        *install_routes,
    ]


def metrics_route(deps: Deps) -> Route:
    """``GET /metrics`` (Prometheus text). With METRICS_TOKEN set, only for
    ``Authorization: Bearer <METRICS_TOKEN>``: the series name teams, apps and volumes."""
    token = deps.settings.metrics_token

    async def metrics(request: Request) -> Response:
        if token is not None and not bearer_matches(
            request.headers.get("authorization"), token.get_secret_value()
        ):
            return PlainTextResponse(
                "metrics need a bearer token (METRICS_TOKEN)",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        try:
            await refresh_gauges(deps)
        except Exception as exc:  # noqa: BLE001 - the counters are still worth serving
            log.warning("metrics.gauges_failed", error_type=type(exc).__name__)
        return Response(deps.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", metrics, methods=["GET"])


# The callback URL carries a code: keep it out of caches and out of Referer headers.
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _page(outcome: Outcome, *, name: str = "", email: str = "") -> Response:
    html, status = outcome_page(outcome, name=name, email=email)
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


async def refresh_gauges(deps: Deps) -> None:
    """Gauges that describe the database (outbox depth, links), read when Prometheus scrapes."""
    now = deps.clock.now()
    async with deps.sessions() as session:
        states = await session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        )
        by_state = {state: count for state, count in states.all()}
        oldest = await session.scalar(
            select(func.min(OutboxMessage.created_at)).where(OutboxMessage.state == "pending")
        )
        links = (
            await session.execute(
                select(UserLink.method, UserLink.status, func.count()).group_by(
                    UserLink.method, UserLink.status
                )
            )
        ).all()
    for state in ("pending", "held", "sent", "failed", "closed"):
        deps.metrics.outbox_messages.labels(state).set(by_state.get(state, 0))
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    deps.metrics.outbox_oldest_pending.set(max(age, 0.0))
    deps.metrics.linked_users.clear()
    for method, status, count in links:
        deps.metrics.linked_users.labels(method, status).set(count)


class RequestIdMiddleware:
    """Gives every HTTP request an id, bound into every log line it causes (work started after a
    Slack ack inherits it too) and returned as ``X-Request-Id``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            await self.app(scope, receive, send_wrapper)


_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class MetricsMiddleware:
    """Counts every request by route template (not raw path: tokens in /hooks/{token} stay out)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, routes: list[Route]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    def _template(self, scope: Scope) -> str:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                return route.path
        return "unmatched"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = self._template(scope)
            self.metrics.http_requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.http_duration.labels(route).observe(time.perf_counter() - started)
