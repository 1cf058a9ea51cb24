"""Prometheus metrics on a registry of our own (no process-global default registry)."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        # The usual process_*, python_info and python_gc_* series (what the default registry
        # would have), on our own registry.
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.http_requests = Counter(
            "bridge_http_requests_total",
            "HTTP requests served, by route template, method and status.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "bridge_http_request_duration_seconds",
            "Time to answer an HTTP request (for /slack/events: the ack).",
            ("route",),
            registry=self.registry,
        )
        self.slack_requests = Counter(
            "bridge_slack_requests_total",
            "Slack requests handled, by kind (command, block_actions, event…) and outcome.",
            ("kind", "outcome"),
            registry=self.registry,
        )
        self.refused = Counter(
            "bridge_refused_total",
            "Requests and actions refused by a security guard, by reason (team: workspace not "
            "allowed, replay: a signed request sent again, rate: a rate limit).",
            ("reason",),
            registry=self.registry,
        )
        self.slack_shed = Counter(
            "bridge_slack_shed_total",
            "Slack requests acked, then told the bridge is busy: no slot for their work in time.",
            registry=self.registry,
        )
        self.slack_waiting = Gauge(
            "bridge_slack_waiting",
            "Slack requests acked and waiting in line for a slot of the post-ack gate.",
            registry=self.registry,
        )
        self.slack_late_notes = Counter(
            "bridge_slack_late_notes_total",
            '"Working on it" notes: requests whose answer was not ready a few seconds after the ack.',
            registry=self.registry,
        )
        self.questetra_calls = Counter(
            "bridge_questetra_calls_total",
            "Calls to Questetra, by endpoint and status (or error kind).",
            ("endpoint", "status"),
            registry=self.registry,
        )
        self.questetra_latency = Histogram(
            "bridge_questetra_call_duration_seconds",
            "Latency of calls to Questetra.",
            ("endpoint",),
            registry=self.registry,
        )

        self.polls = Counter(
            "bridge_polls_total",
            "Polls of a linked user's task lists, by outcome.",
            ("outcome",),
            registry=self.registry,
        )
        self.alerts = Counter(
            "bridge_alerts_total",
            "Outbox deliveries, by kind and result (sent, updated, failed, retried, digested).",
            ("kind", "result"),
            registry=self.registry,
        )

        self.token_refreshes = Counter(
            "bridge_token_refreshes_total",
            "OAuth token refreshes, by outcome (ok, invalid_grant, invalid_client, unavailable).",
            ("outcome",),
            registry=self.registry,
        )
        self.outbox_messages = Gauge(
            "bridge_outbox_messages",
            "Outbox rows by state (pending, held, sent, failed, closed), read at scrape time.",
            ("state",),
            registry=self.registry,
        )
        self.outbox_oldest_pending = Gauge(
            "bridge_outbox_oldest_pending_seconds",
            "Age of the oldest pending outbox row (0 when none), read at scrape time.",
            registry=self.registry,
        )
        self.linked_users = Gauge(
            "bridge_linked_users",
            "Linked users by method and status, read at scrape time.",
            ("method", "status"),
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
