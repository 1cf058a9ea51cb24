"""Starts ``python -m bot demo`` as a real process, for the command's tests and the browser's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

from tests.support import free_port, subprocess_env


@dataclass
class DemoProcess:
    process: subprocess.Popen[str]
    url: str
    port: int

    def stop(self, timeout: float = 20) -> tuple[int, str, str]:
        """Ctrl-C, as a person stops it; returns (exit code, stdout, stderr)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        return self.process.returncode, out, err


def start_demo(cwd: Path, *args: str, env: dict[str, str] | None = None) -> DemoProcess:
    """The demo on a free port, answering /demo; raises with its output when it does not."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bot", "demo", "--no-browser", "--port", str(port), *args],
        cwd=cwd,
        env={**subprocess_env(), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"demo exited {process.returncode}:\n{out}\n{err}")
        try:
            if httpx2.get(f"{url}/demo", timeout=1).status_code == 200:
                return DemoProcess(process, url, port)
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    out, err = process.communicate()
    raise AssertionError(f"demo did not answer within 60 s:\n{out}\n{err}")


@contextmanager
def running_demo(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[DemoProcess]:
    demo = start_demo(cwd, *args, env=env)
    try:
        yield demo
    finally:
        demo.stop()


def tmp_env(folder: Path) -> dict[str, str]:
    """TMPDIR pointing into the test's folder, so the demo's temporary data can be checked."""
    folder.mkdir(parents=True, exist_ok=True)
    return {"TMPDIR": str(folder)}


__all__ = ["DemoProcess", "free_port", "os", "running_demo", "start_demo", "tmp_env"]
