"""The composition root: ``create_app(settings, …)`` wires everything; nothing happens at import."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.crypto import KeyRing
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade
from bot.deps import Deps
from bot.metrics import Metrics
from bot.questetra.api import QuestetraApi
from bot.questetra.client import build_http_client
from bot.questetra.oauth import QuestetraOAuth
from bot.questetra.tasks import TaskApi
from bot.services.credentials import CredentialService
from bot.services.linking import LinkingService
from bot.services.tasks import TaskService
from bot.slack.app import build_slack_app, build_slack_client
from bot.slack.ports import SlackPorts
from bot.slack.profiles import ProfileCache
from bot.web import MetricsMiddleware, routes
from bot.workers.maintenance import Maintenance

log = structlog.stdlib.get_logger(__name__)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    engine: AsyncEngine | None = None,
    questetra_transport: httpx.AsyncBaseTransport | None = None,
    migrate_on_start: bool = True,
    background_jobs: bool = True,
) -> Starlette:
    """Build the ASGI app. Tests inject the clock, the engine and the Questetra transport; the
    Slack Web API base URL is ``settings.slack_api_url``, so a fake Slack is just a setting."""
    clock = clock or SystemClock()
    owns_engine = engine is None
    engine = engine or create_engine(settings.async_database_url)
    sessions = create_session_factory(engine)
    keyring = KeyRing(settings.bot_encryption_keys)
    metrics = Metrics()
    profiles = ProfileCache(clock)
    slack_client = build_slack_client(settings)
    ports = SlackPorts(
        client=slack_client,
        profiles=profiles,
        sessions=sessions,
        clock=clock,
        admin_user_ids=settings.admin_slack_user_ids,
    )
    questetra_http = build_http_client(settings.questetra_base_url, transport=questetra_transport)
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
        )
        if settings.oauth_enabled
        else None
    )
    credentials = CredentialService(
        sessions=sessions, keyring=keyring, clock=clock, oauth=oauth, events=ports
    )
    deps = Deps(
        settings=settings,
        clock=clock,
        engine=engine,
        sessions=sessions,
        keyring=keyring,
        profiles=profiles,
        metrics=metrics,
        slack_client=slack_client,
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
        ),
        credentials=credentials,
        tasks=TaskService(
            credentials=credentials, api=TaskApi(api), sessions=sessions, clock=clock
        ),
    )
    maintenance = Maintenance(
        engine=engine, sessions=sessions, keyring=keyring, clock=clock, events=ports
    )
    slack = build_slack_app(deps)
    app_routes = routes(deps, slack)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if migrate_on_start:
            await upgrade(engine)
            log.info("database.migrated")
        log.info("bridge.started", questetra=settings.questetra_base_url)
        jobs = [asyncio.create_task(maintenance.run_forever())] if background_jobs else []
        try:
            yield
        finally:
            for job in jobs:
                job.cancel()
            await asyncio.gather(*jobs, return_exceptions=True)
            await questetra_http.aclose()
            if owns_engine:
                await engine.dispose()
            log.info("bridge.stopped")

    app = Starlette(
        routes=app_routes,
        lifespan=lifespan,
        middleware=[Middleware(MetricsMiddleware, metrics=deps.metrics, routes=app_routes)],
    )
    app.state.deps = deps
    app.state.slack = slack
    app.state.maintenance = maintenance
    return app
