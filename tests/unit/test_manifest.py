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


def _socket_manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.socket-mode.yml").read_text(encoding="utf-8"))


def test_scopes_are_exactly_the_ones_the_code_asks_for() -> None:
    from bot.slack.app import BOT_SCOPES

    declared = _manifest()["oauth_config"]["scopes"]["bot"]
    assert sorted(declared) == sorted(BOT_SCOPES)
    assert "user" not in _manifest()["oauth_config"]["scopes"]


def test_every_scope_is_justified_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Bot scopes", 1)[1].split("\n## ", 1)[0]
    for scope in _manifest()["oauth_config"]["scopes"]["bot"]:
        assert f"| `{scope}` |" in section, scope


def test_the_name_does_not_pass_for_questetra_s_own_app() -> None:
    info = _manifest()["display_information"]
    assert "unofficial" in info["name"].lower()
    assert len(info["name"]) <= 35  # Slack's limit
    assert "not made or endorsed by Questetra" in info["long_description"]


def test_socket_mode_variant_is_the_same_app_without_request_urls() -> None:
    http, socket = _manifest(), _socket_manifest()
    assert socket["settings"]["socket_mode_enabled"] is True
    assert http["settings"]["socket_mode_enabled"] is False
    assert "request_url" not in socket["settings"]["event_subscriptions"]
    assert "request_url" not in socket["settings"]["interactivity"]
    assert all("url" not in c for c in socket["features"]["slash_commands"])

    def without_urls(manifest: dict[str, Any]) -> dict[str, Any]:
        manifest = yaml.safe_load(yaml.safe_dump(manifest))
        manifest["settings"]["event_subscriptions"].pop("request_url", None)
        manifest["settings"]["interactivity"].pop("request_url", None)
        manifest["settings"].pop("socket_mode_enabled")
        for command in manifest["features"]["slash_commands"]:
            command.pop("url", None)
        return manifest

    assert without_urls(http) == without_urls(socket)
