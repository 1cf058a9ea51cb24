"""``python -m bot demo`` as a person runs it: starts, serves /demo on 127.0.0.1, Ctrl-C cleans up."""

from __future__ import annotations

import socket
import subprocess
import sys

import httpx2
import pytest

from tests.demo_support import start_demo, tmp_env
from tests.support import free_port, subprocess_env


def test_demo_serves_the_page_and_ctrl_c_removes_its_temporary_folder(tmp_path) -> None:
    scratch = tmp_path / "tmp"
    demo = start_demo(tmp_path, env=tmp_env(scratch))
    try:
        page = httpx2.get(f"{demo.url}/demo")
        assert page.status_code == 200
        assert "demo.js" in page.text
        state = httpx2.get(f"{demo.url}/demo/api/state", params={"user": "U02ALEX"}).json()
        assert [p["name"] for p in state["people"]] == ["佐藤 花子", "Alex Morgan", "Dana Kim"]
        assert state["questetra"]["tasks"], "the demo tenant starts with tasks"
        assert httpx2.get(f"{demo.url}/readyz").json()["database"] == "ok"
        # The bot's own receiver checks signatures: an unsigned request from outside is refused.
        assert (
            httpx2.post(f"{demo.url}/slack/events", content=b"command=/questetra").status_code
            == 401
        )
        # 127.0.0.1 only: not reachable on the machine's other addresses.
        others = [
            a for a in socket.gethostbyname_ex(socket.gethostname())[2] if not a.startswith("127.")
        ]
        for address in others:
            with socket.socket() as probe:
                probe.settimeout(1)
                assert probe.connect_ex((address, demo.port)) != 0
        folders = list(scratch.iterdir())
        assert len(folders) == 1 and (folders[0] / "bot.db").is_file()
    finally:
        code, out, err = demo.stop()
    assert code == 0, err
    assert f"http://127.0.0.1:{demo.port}/demo" in out
    assert "Demo stopped." in out
    assert "Traceback" not in err
    assert list(scratch.iterdir()) == []


def test_demo_keeps_its_state_with_data(tmp_path) -> None:
    data = tmp_path / "data"
    demo = start_demo(tmp_path, "--data", str(data))
    try:
        created = httpx2.post(
            f"{demo.url}/demo/api/questetra/tasks",
            json={
                "user": "U02ALEX",
                "app_id": 103,
                "title": "Kept between runs",
                "to": ["alex@example.com"],
            },
        ).json()
        # A process started with no title: its answer names it as Slack's cards will (its
        # number per process model and the title Questetra gave it).
        started = httpx2.post(
            f"{demo.url}/demo/api/questetra/processes",
            json={"user": "U02ALEX", "app_id": 103, "to": ["alex@example.com"]},
        ).json()
        panel = httpx2.get(f"{demo.url}/demo/api/state", params={"user": "U02ALEX"}).json()
    finally:
        code, _, err = demo.stop()
    assert code == 0, err
    assert created["title"] == "Kept between runs"
    assert started["seq"] == created["seq"] + 1
    assert started["title"] == f"Purchase Order #{started['seq']}"
    shown = {t["id"]: t["seq"] for t in panel["questetra"]["tasks"]}
    assert shown[created["workitem_id"]] == created["seq"]
    assert shown[started["workitem_id"]] == started["seq"]
    assert {"keys.json", "bot.db", "emulators.pickle"} <= {p.name for p in data.iterdir()}
    demo = start_demo(tmp_path, "--data", str(data))
    try:
        tasks = httpx2.get(f"{demo.url}/demo/api/state", params={"user": "U02ALEX"}).json()
        ids = [t["id"] for t in tasks["questetra"]["tasks"]]
        assert created["workitem_id"] in ids
    finally:
        demo.stop()


def _demo(args: list[str], cwd, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bot", "demo", "--no-browser", *args],
        cwd=cwd,
        env={**subprocess_env(), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_demo_refuses_to_start_beside_real_settings(tmp_path) -> None:
    result = _demo(["--port", str(free_port())], tmp_path, {"SLACK_BOT_TOKEN": "xoxb-real"})
    assert result.returncode == 2
    assert "refuses to start beside real settings (SLACK_BOT_TOKEN)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    (tmp_path / ".env").write_text("QUESTETRA_BASE_URL=https://acme.questetra.net/\n")
    result = _demo(["--port", str(free_port())], tmp_path, {})
    assert result.returncode == 2
    assert "QUESTETRA_BASE_URL (in .env)" in result.stderr


def test_demo_says_when_its_port_is_taken(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _demo(["--port", str(port)], tmp_path, {})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"python -m bot demo: port {port} on 127.0.0.1 is in use: stop what uses it or pick "
        f"another with --port {port + 1}"
    )


def test_a_copied_env_example_is_not_a_real_setting(tmp_path) -> None:
    from bot.demo.cli import real_settings
    from tests.support import ROOT

    assert real_settings({}, ROOT / ".env.example") == []
    assert real_settings({"SLACK_API_URL": "https://slack.com/api/"}, tmp_path / ".env") == []
    assert real_settings({"SLACK_CLIENT_ID": "1.2"}, tmp_path / ".env") == ["SLACK_CLIENT_ID"]


def test_without_the_checkout_the_demo_says_so_in_one_line(tmp_path) -> None:
    from bot.demo.cli import DemoError, checkout_root
    from tests.support import ROOT

    assert checkout_root() == ROOT
    (tmp_path / "site-packages" / "bot").mkdir(parents=True)
    with pytest.raises(DemoError) as refused:
        checkout_root(tmp_path / "site-packages" / "bot")
    assert str(refused.value) == (
        "python -m bot demo needs the project's checkout (its tests/emulators): clone the "
        "repository and install it with `pip install -e .` as the README says"
    )
