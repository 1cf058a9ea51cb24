"""A real browser for the demo page: Debian's Chromium driven by Playwright (its own browser
download does not work here; the system one is used). One browser and one demo process for the
module; each test opens its own page (and context, so storage starts empty)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.demo_support import DemoProcess, start_demo, tmp_env
from tests.support import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags that work in this sandbox and in CI (no GPU, no network beyond loopback).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = ROOT / "build" / "demo-screenshots"


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).is_file():
        return "no Chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does)"
    return None


# Module scope: Playwright's sync API keeps an event loop running in this thread while it is
# open, and the rest of the suite calls asyncio.run() (session fixtures) after these tests.
@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    missing = _browser_missing()
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import expect, sync_playwright

    # The bot answers after its ack, alerts come after a poll round: allow for a busy machine.
    expect.set_options(timeout=15_000)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, browser: object) -> Iterator[DemoProcess]:
    folder = tmp_path_factory.mktemp("demo")
    process = start_demo(folder, env=tmp_env(folder / "tmp"))
    yield process
    code, _, err = process.stop()
    assert code == 0, err


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
