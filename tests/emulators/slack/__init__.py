"""Fake Slack for tests: a real HTTP Web API on loopback plus signed Slack → bot requests.

Start it with `serve_slack(slack)` (or `serve(create_app(slack))` and set `slack.base_url`), then
point `AsyncWebClient(token=..., base_url=slack.api_url)` at it; sign requests with `SlackSigner`.
"""

from tests.emulators.slack.app import create_app, serve_slack
from tests.emulators.slack.payloads import (
    app_home_opened,
    block_actions,
    event_callback,
    view_closed,
    view_submission,
)
from tests.emulators.slack.signing import SlackSigner
from tests.emulators.slack.state import Call, FakeSlack, Fault, ResponseUrl

__all__ = [
    "Call",
    "FakeSlack",
    "Fault",
    "ResponseUrl",
    "SlackSigner",
    "app_home_opened",
    "block_actions",
    "create_app",
    "event_callback",
    "serve_slack",
    "view_closed",
    "view_submission",
]
