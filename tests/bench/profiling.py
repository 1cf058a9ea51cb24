"""Where a server's time goes: cProfile statistics and py-spy's sampled stacks, summarised.

``python -m tests.bench.ack --profile`` and ``python -m tests.bench.poll --profile`` run the bot
under cProfile (``ServerProcess.bot(profile=…)``) and print the file with :func:`print_profile`;
``answers --profile`` and ``poll --spy`` sample a running server with :class:`PySpy` and print
:func:`summarize_stacks`.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.bench.common import log


def print_profile(path: Path, *, limit: int = 25) -> None:
    """The functions with the most time of their own, then the most cumulative time."""
    import pstats

    if not path.exists():
        log(f"no profile at {path}")
        return
    stats = pstats.Stats(str(path), stream=sys.stdout)
    stats.strip_dirs().sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)


class PySpy:
    """``py-spy record`` of a running process into collapsed stacks (``pip install py-spy``; not
    a project dependency), only samples holding the GIL (the CPU spent in Python). Sampling does
    not slow the process much, and shares are what count."""

    def __init__(self, pid: int, out: Path, *, rate: int = 200) -> None:
        self.out = out
        argv = ["py-spy", "record", "--pid", str(pid), "--format", "raw", "--rate", str(rate)]
        argv += ["--output", str(out), "--nonblocking", "--gil"]
        self._proc = subprocess.Popen(  # noqa: S603 - a fixed tool
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            try:
                self._proc.wait(30)
            except subprocess.TimeoutExpired:
                self._proc.kill()


def summarize_stacks(path: Path, *, limit: int = 30) -> str:
    """From py-spy's collapsed stacks: self time by function, self time by package (where the
    CPU is burnt), and inclusive time by package (what it is burnt for)."""
    from collections import Counter

    def package(frame: str) -> str:
        # "function (package/module.py:line)": the package, or bot/<subpackage>
        parts = frame.rsplit("(", 1)[-1].split(":")[0].split("/")
        return "/".join(parts[:2]) if parts[0] == "bot" and len(parts) > 2 else parts[0]

    own: Counter[str] = Counter()
    own_package: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        own[frames[-1]] += count
        own_package[package(frames[-1])] += count
        for name in {package(frame) for frame in frames}:
            inclusive[name] += count
    total = max(total, 1)
    lines = [f"{total} samples", "", "self, by function:"]
    lines += [f"  {100 * n / total:5.1f} %  {f}" for f, n in own.most_common(limit)]
    lines += ["", "self, by package:"]
    lines += [f"  {100 * n / total:5.1f} %  {p}" for p, n in own_package.most_common(limit)]
    lines += ["", "inclusive, by package:"]
    lines += [f"  {100 * n / total:5.1f} %  {p}" for p, n in inclusive.most_common(limit)]
    return "\n".join(lines)
