"""The collaborators every edge (Slack handlers, web routes, workers) receives from create_app."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx2
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.crypto import KeyRing
from bot.metrics import Metrics
from bot.questetra.api import QuestetraApi
from bot.services.alerts import AlertService
from bot.services.credentials import CredentialService
from bot.services.forms import FormService
from bot.services.guards import RateLimiter, ReplayGuard
from bot.services.linking import LinkingService
from bot.services.notifications import AlertPrefs, Subscriptions, Webhooks
from bot.services.tasks import TaskService
from bot.slack.clients import SlackClients
from bot.slack.ports import SlackPorts
from bot.slack.profiles import ProfileCache


@dataclass(frozen=True)
class Deps:
    settings: Settings
    # The process environment as the CLI read it (start events' `key_env` look keys up here).
    environ: Mapping[str, str]
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    keyring: KeyRing
    profiles: ProfileCache
    metrics: Metrics
    slack_clients: SlackClients
    slack_ports: SlackPorts
    questetra: QuestetraApi
    # The raw client for Questetra endpoints outside /API/ (Message Start Events).
    questetra_http: httpx2.AsyncClient
    linking: LinkingService
    credentials: CredentialService
    tasks: TaskService
    forms: FormService
    alerts: AlertService
    alert_prefs: AlertPrefs
    subscriptions: Subscriptions
    webhooks: Webhooks
    # Request guards shared by the replicas (issue #16): replayed Slack requests, rate limits.
    replays: ReplayGuard
    rates: RateLimiter
    # Wakes the poller when a workflow pushes (set by create_app once the poller exists).
    wake_poller: Callable[[], None]
    # Wakes the outbox sender (an alert to update after a task was processed from Slack).
    wake_sender: Callable[[], None] = lambda: None
