"""The outbound proxy (HTTP_PROXY / HTTPS_PROXY / NO_PROXY) through a real proxy on loopback:
every call the bridge makes (Questetra's API and token endpoint, Slack's Web API, response_url
posts) goes through it, or, where NO_PROXY names the host, around it; its credentials reach the
proxy as Proxy-Authorization and nowhere people read."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Iterator

import pytest

from bot.checks import check_oauth_client, check_questetra, check_slack
from bot.config import Settings, load_settings
from tests.conftest import bot_app
from tests.http_proxy import LoopbackProxy
from tests.integration.test_socket_mode import slash
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user
from tests.support import Served, run_cli, subprocess_env

CREDENTIALS = "bridge:pr0xy-pa55word"
PASSWORD = CREDENTIALS.split(":")[1]


@pytest.fixture
def proxy() -> Iterator[LoopbackProxy]:
    server = LoopbackProxy().start()
    yield server
    server.stop()


@pytest.fixture
def base(env, questetra, tmp_path) -> dict[str, str]:
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    return {
        **subprocess_env(),
        **env,
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "HOST": "127.0.0.1",
    }


def test_check_goes_through_the_proxy_and_names_it_without_its_password(
    base, proxy, questetra_url, tmp_path
) -> None:
    result = run_cli(["check"], {**base, "HTTP_PROXY": proxy.url(CREDENTIALS)}, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    targets = {p.target for p in proxy.seen}
    assert f"{questetra_url}API/User/Quser/self" in targets  # the API
    assert f"{questetra_url}oauth2/token" in targets  # the token endpoint
    assert f"{base['SLACK_API_URL']}auth.test" in targets  # Slack's Web API
    assert {p.credentials for p in proxy.seen} == {CREDENTIALS}
    via = f"through the proxy {proxy.url()}"
    lines = result.stdout.splitlines()
    assert any(line.startswith("OK   questetra: ") and via in line for line in lines), lines
    assert any(line.startswith("OK   slack: ") and via in line for line in lines), lines
    assert PASSWORD not in result.stdout + result.stderr


def test_no_proxy_lets_check_go_direct(base, proxy, tmp_path) -> None:
    environ = {
        **base,
        "https_proxy": proxy.url(),
        "http_proxy": proxy.url(),
        "NO_PROXY": "127.0.0.1",
    }
    result = run_cli(["check"], environ, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert proxy.seen == []
    assert "through the proxy" not in result.stdout


def test_serve_names_the_proxy_in_its_start_line_and_the_password_in_no_line(
    base, proxy, tmp_path
) -> None:
    environ = {
        **base,
        "HTTP_PROXY": proxy.url(CREDENTIALS),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "DEBUG",
    }
    served = Served(environ, tmp_path)
    try:
        served.wait_for('"startup.checked"')
    finally:
        output = served.stop()
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    (started,) = [r for r in records if r["event"] == "bridge.started"]
    assert started["proxy"] == f"Questetra {proxy.url()}, Slack {proxy.url()}"
    (checked,) = [r for r in records if r["event"] == "startup.checked"]
    assert checked["problems"] == 0, output
    # The start-up checks went through it (Slack's auth.test, Questetra's Quser/self).
    assert {p.target.rsplit("/", 1)[-1] for p in proxy.seen} >= {"auth.test", "self"}
    assert PASSWORD not in output


# ---------------------------------------------------------------- through the app, in process


@pytest.fixture(params=["proxied", "no_proxy"])
def settings(request, env, proxy) -> Settings:
    """The real reading (load_settings) of an environment with a proxy, and NO_PROXY or not."""
    extra = {"HTTP_PROXY": proxy.url(CREDENTIALS)}
    if request.param == "no_proxy":
        extra["no_proxy"] = "localhost,127.0.0.1"
    return load_settings({**env, **extra})


@pytest.fixture
def app_environ(request, monkeypatch, proxy) -> None:
    """With NO_PROXY: HTTPS_PROXY in this process's own environment too (slack_sdk reads it by
    itself, ignoring NO_PROXY, and uses it for http:// URLs as well): the settings decide."""
    if request.node.callspec.params["settings"] == "no_proxy":
        monkeypatch.setenv("HTTPS_PROXY", proxy.url(CREDENTIALS))


@pytest.mark.usefixtures("app_environ", "app")
async def test_the_apps_calls_go_through_the_proxy_unless_no_proxy_names_the_host(
    request, bot, signer, slack, questetra, settings, proxy
) -> None:
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_app(7, "Expense claim")
    questetra.add_task(7, to="alice@example.com", state="OFFERED", title="Trip to Osaka")
    # Consent (token exchange, views.publish), then `/questetra tasks` (the task list from
    # Questetra, the answer posted to its response_url).
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    url = slack.new_response_url()
    body, headers = signer.slash_command("tasks", user_id="U_EN", response_url=url)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    (reply,) = await slack.wait_for_response(url)
    assert "Trip to Osaka" in json.dumps(reply)

    if request.node.callspec.params["settings"] == "no_proxy":
        assert proxy.seen == []
        return
    targets = [p.target for p in proxy.seen]
    base = settings.questetra_base_url
    assert f"{base}oauth2/token" in targets  # Authlib's token call (httpx2)
    assert any(t.startswith(f"{base}API/PE/Workitem/") for t in targets)  # the aiohttp transport
    assert f"{settings.slack_api_url}views.publish" in targets  # slack_sdk over the shared session
    assert url in targets  # the response_url post
    assert {p.credentials for p in proxy.seen} == {CREDENTIALS}


async def test_socket_mode_goes_through_the_proxy(env, engine, clock, slack, proxy) -> None:
    settings = load_settings(
        {
            **env,
            "SLACK_APP_TOKEN": slack.socket_mode.app_token,
            "HTTP_PROXY": proxy.url(CREDENTIALS),
        }
    )
    application = bot_app(settings, engine, clock)
    before = slack.socket_mode.opened
    async with application.router.lifespan_context(application):
        await slack.socket_mode.wait_connected(after=before)
        url = slack.new_response_url()
        envelope = slack.socket_mode.send("slash_commands", slash("U_JA", "help", url))
        await slack.socket_mode.wait_for_ack(envelope)
        (reply,) = await slack.wait_for_response(url)
        assert reply["blocks"][0]["text"]["text"] == "Slack で Questetra"
    targets = [p.target for p in proxy.seen]
    assert f"{settings.slack_api_url}apps.connections.open" in targets
    # The WebSocket itself: ws:// is asked for in absolute form (wss:// would be a CONNECT).
    assert slack.base_url.replace("http://", "ws://", 1) + "socket-mode" in targets, targets
    assert url in targets
    assert {p.credentials for p in proxy.seen} == {CREDENTIALS}


async def test_a_proxy_refusing_the_bridge_is_said_without_its_credentials(env) -> None:
    """A proxy answering CONNECT with 407 (wrong credentials): each check says so, and aiohttp's
    and httpx2's error texts (which name the proxy URL) leave no password behind."""

    async def refuse(reader, writer) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=x\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(refuse, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = load_settings(
        {
            **env,
            # https:// targets, so the clients ask the proxy for a tunnel (CONNECT).
            "SLACK_API_URL": "https://slack.invalid/api/",
            "QUESTETRA_BASE_URL": "https://acme.questetra.invalid/",
            "HTTPS_PROXY": f"http://{CREDENTIALS}@127.0.0.1:{port}",
        }
    )
    async with server:
        results = [
            await check_questetra(settings),
            await check_slack(settings),
            await check_oauth_client(settings),
        ]
    for result in results:
        assert result is not None and not result.ok
        assert f"through the proxy http://127.0.0.1:{port}" in result.detail, result
        assert "407 Proxy Authentication Required" in result.detail, result
        assert PASSWORD not in result.detail


async def test_the_test_proxy_keeps_a_relay_whose_client_left(proxy) -> None:
    """The proxy itself (found by CI): a client that hangs up while the target has not answered
    left its relay reachable from nothing, and the garbage collector destroyed it mid-flight
    ("Task was destroyed but it is pending", an unraisable error in whatever test ran next)."""
    reached, target_closed = asyncio.Event(), asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        reached.set()
        await reader.read()  # never answers; ends when the proxy lets go
        writer.close()
        target_closed.set()

    target = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = target.sockets[0].getsockname()[1]
    async with target:
        _, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(f"GET http://127.0.0.1:{port}/slow HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await writer.drain()
        await asyncio.wait_for(reached.wait(), 10)
        writer.close()
        await writer.wait_closed()
        await asyncio.sleep(0.1)  # the proxy sees the hang-up
        gc.collect()  # pytest reports what the collector destroyed as an unraisable error
        proxy.stop()
        await asyncio.wait_for(target_closed.wait(), 10)
    assert [p.target for p in proxy.seen] == [f"http://127.0.0.1:{port}/slow"]
