"""The composition root: ``create_app(settings, …)`` wires everything; nothing happens at import."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx2
import structlog
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.crypto import KeyRing
from bot.db.alert_models import OutboxMessage, Subscription
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.deps import Deps
from bot.metrics import Metrics
from bot.questetra.api import QuestetraApi
from bot.questetra.client import build_http_client
from bot.questetra.forms import FormApi
from bot.questetra.oauth import QuestetraOAuth
from bot.questetra.tasks import ProcessApi, TaskApi
from bot.services.alerts import AlertService
from bot.services.credentials import CredentialService
from bot.services.forms import FormService
from bot.services.guards import RateLimiter, ReplayGuard
from bot.services.linking import LinkingService
from bot.services.notifications import AlertPrefs, Subscriptions, Webhooks
from bot.services.tasks import TaskService
from bot.serving import BodyLimitMiddleware, MetricsListener
from bot.slack.alerts import channel_gone, subscription_stopped
from bot.slack.app import build_slack_app
from bot.slack.clients import EncryptedInstallationStore, SlackClients
from bot.slack.form_blocks import form_summary
from bot.slack.guard import Gate
from bot.slack.ports import SlackPorts
from bot.slack.profiles import ProfileCache
from bot.startup import summary
from bot.web import MetricsMiddleware, RequestIdMiddleware, exact_paths, metrics_route, routes
from bot.workers.leases import LeaseKeeper
from bot.workers.maintenance import Maintenance
from bot.workers.outbox import OutboxSender
from bot.workers.poller import Poller
from bot.workers.subscriptions import SubscriptionPoller

log = structlog.stdlib.get_logger(__name__)


@dataclass(frozen=True)
class Tuning:
    """Knobs for tests and benchmarks; production uses the defaults."""

    outbox_pace: float = 1.0  # seconds between two posts in one Slack channel
    worker_tick: float = 1.0  # how often idle workers look for due work
    poll_concurrency: int = 16
    poll_batch: int = 50
    # How long a dead replica's claimed work waits to be taken over; live replicas renew their
    # leases every quarter of it (bot/workers/leases.py).
    lease_seconds: float = 15.0
    # Listeners doing their work after the ack at once (bot/slack/guard.py): 48 × the two GETs of
    # a task list, with the poller's 16 × 2, fit QuestetraApi's 128 calls in flight.
    post_ack_slots: int = 48
    # Acked requests waiting in line for a slot; one more is told "busy, try again". The bound
    # keeps memory flat (docs/benchmarks.md measures a waiting request's cost).
    post_ack_queue: int = 2000
    # How long a request may wait in line: a response_url takes answers for 30 minutes.
    post_ack_wait: float = 25 * 60.0
    # How long a listener that opens a modal may wait: its trigger_id dies 3 s after the click.
    post_ack_urgent_wait: float = 2.0
    # A request not answered this long after its ack is told its answer is coming.
    late_note_after: float = 2.5
    # How long a Form/save may take before its outcome counts as unknown (never re-sent).
    form_save_timeout: float = 10.0
    # Forms read at once for new-task alerts' buttons (more: the alert goes without them).
    alert_forms: int = 4
    # How long start-up waits for the Socket Mode connection before going on without it.
    socket_mode_wait: float = 5.0


def _log_late_socket_mode(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is None:
        log.info("slack.socket_mode_connected")


def _wake_all(senders: list[OutboxSender]) -> None:
    for sender in senders:
        sender.wake()


def _owner_id() -> str:
    """Who holds a lease: host, process and a random part (a restarted process is someone new)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: AsyncEngine | None = None,
    questetra_transport: httpx2.AsyncBaseTransport | None = None,
    migrate_on_start: bool = True,
    background_jobs: bool = True,
    tuning: Tuning | None = None,
    environ: Mapping[str, str] | None = None,
    on_start: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> Starlette:
    """Build the ASGI app. Tests inject the clock, the engine and the Questetra transport; the
    Slack Web API base URL is ``settings.slack_api_url``, so a fake Slack is just a setting.
    ``on_start`` runs in the background once the app starts (``serve``: the start-up warnings)."""
    clock = clock or SystemClock()
    tuning = tuning or Tuning()
    owner = _owner_id()
    owns_engine = engine is None
    engine = engine or create_engine(settings.async_database_url, log_sql=settings.log_sql)
    sessions = create_session_factory(engine)
    keyring = KeyRing(settings.bot_encryption_keys)
    metrics = Metrics()
    profiles = ProfileCache(clock)
    store = EncryptedInstallationStore(sessions, keyring) if settings.multi_workspace else None
    slack_clients = SlackClients(settings, store)
    ports = SlackPorts(
        clients=slack_clients,
        profiles=profiles,
        sessions=sessions,
        clock=clock,
        admin_user_ids=settings.admin_slack_user_ids,
    )
    questetra_http = build_http_client(
        settings.questetra_base_url, transport=questetra_transport, proxies=settings.proxies
    )
    api = QuestetraApi(questetra_http, metrics)
    oauth = (
        QuestetraOAuth(
            base_url=settings.questetra_base_url,
            client_id=settings.questetra_client_id or "",
            client_secret=(
                settings.questetra_client_secret.get_secret_value()
                if settings.questetra_client_secret
                else ""
            ),
            redirect_uri=settings.oauth_redirect_uri,
            scope=settings.questetra_scope,
            transport=questetra_transport,
            proxies=settings.proxies,
        )
        if settings.oauth_enabled
        else None
    )
    credentials = CredentialService(
        sessions=sessions, keyring=keyring, clock=clock, oauth=oauth, events=ports, metrics=metrics
    )
    task_api = TaskApi(api)
    rates = RateLimiter(sessions=sessions, clock=clock)
    forms = FormService(
        credentials=credentials,
        api=api,
        forms=FormApi(api, save_timeout=tuning.form_save_timeout),
        tasks=task_api,
        sessions=sessions,
        clock=clock,
        oauth_read_only=settings.questetra_scope == "read",
        alert_forms=tuning.alert_forms,
    )
    senders: list[OutboxSender] = []  # the sender is built after deps (it reports to them)
    interval = timedelta(seconds=settings.poll_interval_seconds)
    alerts = AlertService(sessions=sessions, clock=clock, credentials=credentials, api=task_api)
    poller = Poller(
        sessions=sessions,
        clock=clock,
        alerts=alerts,
        interval=interval,
        owner=owner,
        metrics=metrics,
        batch=tuning.poll_batch,
        concurrency=tuning.poll_concurrency,
        tick=tuning.worker_tick,
        lease=timedelta(seconds=tuning.lease_seconds),
    )
    deps = Deps(
        settings=settings,
        environ=dict(environ or {}),
        clock=clock,
        engine=engine,
        sessions=sessions,
        keyring=keyring,
        profiles=profiles,
        metrics=metrics,
        slack_clients=slack_clients,
        slack_ports=ports,
        questetra=api,
        questetra_http=questetra_http,
        linking=LinkingService(
            sessions=sessions,
            keyring=keyring,
            clock=clock,
            api=api,
            oauth=oauth,
            directory=ports,
            public_url=settings.bot_public_url,
            basic_auth_default=settings.questetra_basic_auth,
            rates=rates,
        ),
        credentials=credentials,
        tasks=TaskService(credentials=credentials, api=task_api, sessions=sessions, clock=clock),
        forms=forms,
        alerts=alerts,
        alert_prefs=AlertPrefs(sessions=sessions, clock=clock),
        subscriptions=Subscriptions(
            sessions=sessions,
            clock=clock,
            credentials=credentials,
            processes=ProcessApi(api),
            interval=interval,
        ),
        webhooks=Webhooks(sessions=sessions, clock=clock, public_url=settings.bot_public_url),
        replays=ReplayGuard(sessions=sessions, clock=clock),
        rates=rates,
        wake_poller=poller.wake,
        wake_sender=lambda: _wake_all(senders),
    )

    async def on_channel_gone(row: OutboxMessage, error: str) -> None:
        await channel_gone(deps, row, error)

    async def prepare_alert(row: OutboxMessage, read_form: bool) -> dict[str, Any] | None:
        """An allocated task's alert carries its own buttons: its form, read once, now (not in
        a burst of alerts: those offer "Process…")."""
        if row.payload.get("kind") != "allocated" or "form" in row.payload:
            return None
        if row.slack_user_id is None or row.workitem_id is None:
            return None
        try:
            can_write = await forms.can_write(team_id=row.team_id, slack_user_id=row.slack_user_id)
        except Exception:  # the alert goes out all the same, with "Process…"
            log.exception("alerts.prepare_failed", outbox_id=row.id)
            return None
        if not can_write:
            return {"form": form_summary(None, can_write=False)}
        if not settings.alert_task_buttons or not read_form:
            return None
        form = await forms.alert_form(
            team_id=row.team_id, slack_user_id=row.slack_user_id, workitem_id=row.workitem_id
        )
        return {"form": form_summary(form, can_write=True)}

    async def on_subscription_disabled(subscription: Subscription, reason: str) -> None:
        await subscription_stopped(deps, subscription, reason)

    sender = OutboxSender(
        sessions=sessions,
        clock=clock,
        clients=slack_clients,
        profiles=profiles,
        links=settings.questetra_links,
        owner=owner,
        metrics=metrics,
        on_channel_gone=on_channel_gone,
        prepare_alert=prepare_alert,
        pace=tuning.outbox_pace,
        tick=tuning.worker_tick,
        lease=timedelta(seconds=tuning.lease_seconds),
    )
    poller.on_changes = sender.wake
    senders.append(sender)
    subscription_poller = SubscriptionPoller(
        subscriptions=deps.subscriptions,
        owner=owner,
        on_disabled=on_subscription_disabled,
        lease=timedelta(seconds=tuning.lease_seconds),
    )
    lease_keeper = LeaseKeeper(
        [poller, sender, subscription_poller], every=tuning.lease_seconds / 4
    )
    maintenance = Maintenance(
        engine=engine, sessions=sessions, keyring=keyring, clock=clock, events=ports
    )
    gate = Gate(
        slots=tuning.post_ack_slots,
        queue=tuning.post_ack_queue,
        wait=tuning.post_ack_wait,
        urgent_wait=tuning.post_ack_urgent_wait,
        on_shed=metrics.slack_shed.inc,
    )
    metrics.slack_waiting.set_function(lambda: gate.waiting)
    slack = build_slack_app(deps, store, gate=gate, late_after=tuning.late_note_after)
    app_routes = routes(deps, slack)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if migrate_on_start:
            await upgrade(engine)
            log.info("database.migrated")
        # One line: the mode and the exact URLs to register in Slack and in Questetra.
        log.info(
            "bridge.started",
            **summary(settings),
            questetra=settings.questetra_base_url,
            owner=owner,
        )
        if settings.any_team_allowed:
            # Every workspace that installs the app can vouch for any e-mail address.
            log.warning(
                "slack.any_team_allowed",
                detail="SLACK_ALLOWED_TEAM_IDS=any: every Slack workspace that installs this app "
                "may link any Questetra account its admins give a matching e-mail; name the "
                "allowed team ids instead",
            )
        metrics_listener = (
            MetricsListener(
                metrics_route(deps), host=settings.metrics_host, port=settings.metrics_port
            )
            if settings.metrics_port is not None
            else None
        )
        if metrics_listener is not None:
            try:
                await metrics_listener.start()
            except OSError as exc:
                log.error("metrics.listen_failed", detail=str(exc))  # noqa: TRY400 - no traceback: the line says it all
                raise
        await slack_clients.open_session()
        loops: list[Coroutine[Any, Any, None]] = (
            [
                poller.run_forever(),
                sender.run_forever(),
                subscription_poller.run_forever(),
                maintenance.run_forever(),
                lease_keeper.run_forever(),
            ]
            if background_jobs
            else []
        )
        jobs = [asyncio.create_task(loop) for loop in loops]
        started: asyncio.Task[None] | None = (
            asyncio.create_task(on_start()) if on_start is not None else None
        )
        socket_mode = None
        connecting: asyncio.Task[None] | None = None
        try:
            # Inside the try: a failed connect still stops the jobs and closes the session.
            if settings.slack_app_token is not None:
                # Slack traffic over a WebSocket we open: no inbound URL needed for Slack. The
                # HTTP server still serves the OAuth callback, hooks, health and metrics.
                socket_mode = AsyncSocketModeHandler(
                    slack,
                    settings.slack_app_token.get_secret_value(),
                    web_client=slack_clients.default,
                )
                # The WebSocket goes the Web API's way (bot/proxy.py; NO_PROXY naming slack.com
                # covers wss-primary.slack.com too); set after construction, as slack_sdk read
                # os.environ when given none.
                socket_mode.client.proxy = slack_clients.default.proxy
                # slack_sdk retries a failed connect for ever (Slack unreachable, the app token
                # refused): start-up waits a while, then lets it go on in the background, so the
                # server listens (health, OAuth callback) and SIGTERM still stops it.
                connecting = asyncio.create_task(socket_mode.connect_async())  # type: ignore[no-untyped-call]
                await asyncio.wait({connecting}, timeout=tuning.socket_mode_wait)
                if connecting.done():
                    connecting.result()
                    log.info("slack.socket_mode_connected")
                else:
                    log.warning(
                        "slack.socket_mode_not_connected",
                        detail=f"no Socket Mode connection after {tuning.socket_mode_wait:g} s; "
                        "still trying (`python -m bot check` says why)",
                    )
                    connecting.add_done_callback(_log_late_socket_mode)
            yield
        finally:
            if started is not None and not started.done():
                started.cancel()
            if connecting is not None and not connecting.done():
                connecting.cancel()
                await asyncio.gather(connecting, return_exceptions=True)
            if socket_mode is not None:
                await socket_mode.close_async()  # type: ignore[no-untyped-call]
            # Stop taking new work, let the current round end, hand leases back.
            for worker in (poller, sender, subscription_poller, maintenance, lease_keeper):
                worker.stop()
            if jobs:
                _done, late = await asyncio.wait(jobs, timeout=5)
                for job in late:
                    job.cancel()
                await asyncio.gather(*jobs, return_exceptions=True)
                await poller.release_all()
                await sender.release_all()
            await questetra_http.aclose()
            if metrics_listener is not None:
                await metrics_listener.stop()
            # Last: the workers above post to Slack until they stop.
            await slack_clients.close_session()
            if owns_engine:
                await engine.dispose()
            log.info("bridge.stopped")

    app = Starlette(
        routes=app_routes,
        lifespan=lifespan,
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(MetricsMiddleware, metrics=deps.metrics, routes=app_routes),
            # Inside the metrics: refused bodies are counted (413) too.
            Middleware(BodyLimitMiddleware),
        ],
    )
    exact_paths(app)
    app.state.deps = deps
    app.state.slack = slack
    app.state.gate = gate
    app.state.maintenance = maintenance
    app.state.poller = poller
    app.state.sender = sender
    app.state.subscription_poller = subscription_poller
    app.state.lease_keeper = lease_keeper
    return app
