"""Which proxy a URL goes through (bot/proxy.py): the standard variables, any case, with
Python's and curl's precedence and NO_PROXY rules; credentials never shown."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from bot.proxy import Proxies, without_credentials

PROXY = "http://bridge:pa55@proxy.corp.example:3128"


@pytest.mark.parametrize(
    ("environ", "url", "expected"),
    [
        ({}, "https://acme.questetra.net/", None),
        ({"HTTPS_PROXY": PROXY}, "https://acme.questetra.net/", PROXY),
        ({"https_proxy": PROXY}, "https://acme.questetra.net/", PROXY),
        # HTTPS_PROXY is for https:// URLs only, HTTP_PROXY for http:// ones.
        ({"HTTPS_PROXY": PROXY}, "http://127.0.0.1:8000/api/", None),
        ({"HTTP_PROXY": PROXY}, "https://slack.com/api/", None),
        ({"HTTP_PROXY": PROXY}, "http://127.0.0.1:8000/api/", PROXY),
        # WebSockets go as their HTTP twins; ALL_PROXY covers what has no variable of its own.
        ({"HTTPS_PROXY": PROXY}, "wss://wss-primary.slack.com/link", PROXY),
        ({"ALL_PROXY": PROXY}, "https://slack.com/api/", PROXY),
        # The lower-case name wins; a blank one unsets.
        ({"HTTPS_PROXY": "http://upper:1", "https_proxy": PROXY}, "https://a.example/", PROXY),
        ({"HTTPS_PROXY": PROXY, "https_proxy": " "}, "https://a.example/", None),
        # A proxy without scheme is an HTTP proxy (curl's reading).
        ({"HTTPS_PROXY": "proxy:3128"}, "https://a.example/", "http://proxy:3128"),
        # NO_PROXY: hosts, domain suffixes with or without the dot, addresses, *.
        ({"HTTPS_PROXY": PROXY, "NO_PROXY": "slack.com"}, "https://wss-primary.slack.com/", None),
        ({"HTTPS_PROXY": PROXY, "no_proxy": ".questetra.net"}, "https://acme.questetra.net/", None),
        ({"HTTPS_PROXY": PROXY, "NO_PROXY": "questetra.net"}, "https://acme.questetra.com/", PROXY),
        ({"HTTP_PROXY": PROXY, "NO_PROXY": "127.0.0.1"}, "http://127.0.0.1:8000/", None),
        ({"HTTP_PROXY": PROXY, "NO_PROXY": "*"}, "http://anything.example/", None),
    ],
)
def test_the_proxy_for_a_url(environ, url, expected) -> None:
    assert Proxies.from_environ(environ).for_url(url) == expected


def test_credentials_are_never_shown() -> None:
    proxies = Proxies.from_environ({"HTTPS_PROXY": PROXY, "NO_PROXY": "localhost"})
    assert proxies.shown("https://acme.questetra.net/") == "http://proxy.corp.example:3128"
    assert "pa55" not in repr(proxies)
    assert without_credentials("user:pw@proxy:8080") == "http://proxy:8080"


def test_settings_read_the_proxy_from_the_environment_and_dot_env(env, tmp_path) -> None:
    dot_env = tmp_path / ".env"
    dot_env.write_text(f"HTTPS_PROXY={PROXY}\nNO_PROXY=internal.example\n")
    settings = load_settings({**env, "no_proxy": "127.0.0.1"}, env_file=dot_env)
    assert settings.proxies.for_url("https://acme.questetra.net/") == PROXY
    # The environment wins over .env, as for every setting (whatever the case of the names).
    assert settings.proxies.for_url("https://127.0.0.1/") is None
    assert settings.proxies.for_url("https://internal.example/") == PROXY
    assert "pa55" not in repr(settings)
