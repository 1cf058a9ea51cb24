"""Sign Slack → bot requests the way Slack does (v0 HMAC-SHA256 over `v0:{ts}:{body}`).

The signature comes from slack_sdk's own SignatureVerifier, so a bot that verifies with slack-bolt
accepts exactly what Slack would send; tests for rejection tamper with the body or the timestamp.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import Clock, SignatureVerifier

from tests.emulators.slack import defaults, payloads

Signed = tuple[str, dict[str, str]]
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class _CallableClock(Clock):
    """Adapts a `time.time`-like callable to slack_sdk's Clock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock()


class SlackSigner:
    """Builds signed request bodies + headers for the bot's /slack/events endpoint."""

    # Payload builders, reachable from a signer too (`signer.block_actions(...)`).
    block_actions = staticmethod(payloads.block_actions)
    view_submission = staticmethod(payloads.view_submission)
    view_closed = staticmethod(payloads.view_closed)
    app_home_opened = staticmethod(payloads.app_home_opened)

    def __init__(self, signing_secret: str, clock: Callable[[], float] = time.time) -> None:
        self.signing_secret = signing_secret
        self.clock = clock
        self.verifier = SignatureVerifier(signing_secret, clock=_CallableClock(clock))

    def headers(self, body: str | bytes, *, timestamp: int | None = None) -> dict[str, str]:
        """X-Slack-Request-Timestamp and X-Slack-Signature for `body` (no content-type)."""
        ts = str(timestamp if timestamp is not None else int(self.clock()))
        signature = self.verifier.generate_signature(timestamp=ts, body=body)
        if signature is None:  # only when the timestamp is None, which it never is here
            raise RuntimeError("slack_sdk produced no signature")
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}

    def sign(self, body: str, content_type: str, *, timestamp: int | None = None) -> Signed:
        return body, {"Content-Type": content_type, **self.headers(body, timestamp=timestamp)}

    def slash_command(
        self,
        text: str,
        *,
        user_id: str = defaults.USER_ID,
        user_name: str = defaults.USER_NAME,
        team_id: str = defaults.TEAM_ID,
        team_domain: str = defaults.TEAM_DOMAIN,
        channel_id: str = defaults.CHANNEL_ID,
        channel_name: str = defaults.CHANNEL_NAME,
        command: str = "/questetra",
        response_url: str = "",
        trigger_id: str | None = None,
        api_app_id: str = defaults.API_APP_ID,
        timestamp: int | None = None,
    ) -> Signed:
        """A slash command POST as Slack sends it (form-encoded, fields in Slack's order)."""
        form = {
            "token": defaults.VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or defaults.new_trigger_id(),
        }
        return self.sign(urlencode(form), FORM, timestamp=timestamp)

    def interactivity(self, payload: dict[str, Any], *, timestamp: int | None = None) -> Signed:
        """An interactivity POST: form body with one `payload` field holding JSON."""
        body = urlencode({"payload": json.dumps(payload, separators=(",", ":"))})
        return self.sign(body, FORM, timestamp=timestamp)

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str = "Ev0001",
        team_id: str = defaults.TEAM_ID,
        event_time: int | None = None,
        api_app_id: str = defaults.API_APP_ID,
        bot_user_id: str = defaults.BOT_USER_ID,
        timestamp: int | None = None,
    ) -> Signed:
        """An Events API `event_callback` envelope around `event`, as JSON."""
        envelope = payloads.event_callback(
            event,
            event_id=event_id,
            team_id=team_id,
            api_app_id=api_app_id,
            event_time=event_time if event_time is not None else int(self.clock()),
            bot_user_id=bot_user_id,
        )
        return self.sign(json.dumps(envelope), JSON, timestamp=timestamp)

    def url_verification(self, challenge: str, *, timestamp: int | None = None) -> Signed:
        body = {
            "token": defaults.VERIFICATION_TOKEN,
            "challenge": challenge,
            "type": "url_verification",
        }
        return self.sign(json.dumps(body), JSON, timestamp=timestamp)
