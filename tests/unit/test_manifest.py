"""manifest.yml and the code must agree: the command, the events, the scopes the code needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.slack.ids import DEFAULT_COMMAND, EVENTS

ROOT = Path(__file__).resolve().parents[2]


def _manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def test_command_is_declared_once() -> None:
    commands = [c["command"] for c in _manifest()["features"]["slash_commands"]]
    assert commands == [DEFAULT_COMMAND]


def test_bot_events_are_exactly_the_ones_handled() -> None:
    assert sorted(_manifest()["settings"]["event_subscriptions"]["bot_events"]) == sorted(EVENTS)


def test_every_url_points_at_the_slack_route() -> None:
    manifest = _manifest()
    urls = [c["url"] for c in manifest["features"]["slash_commands"]]
    urls.append(manifest["settings"]["event_subscriptions"]["request_url"])
    urls.append(manifest["settings"]["interactivity"]["request_url"])
    assert all(url.endswith("/slack/events") for url in urls)


def test_scopes_cover_the_web_api_methods_we_call() -> None:
    scopes = set(_manifest()["oauth_config"]["scopes"]["bot"])
    # commands, chat.postMessage / update / postEphemeral, conversations.open, users.info + e-mail
    assert {"commands", "chat:write", "im:write", "users:read", "users:read.email"} <= scopes


def test_app_home_is_enabled() -> None:
    home = _manifest()["features"]["app_home"]
    assert home["home_tab_enabled"] is True
    assert home["messages_tab_enabled"] is True
