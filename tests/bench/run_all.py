"""Every benchmark, one after the other: ``python -m tests.bench.run_all [--db sqlite|postgresql]``.

Each runs in its own interpreter (as documented in docs/benchmarks.md) and writes
build/bench/<name>-<db>.json; the tables go to stdout, progress to stderr. About 25 minutes
(``replicas`` only with ``--db postgresql``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from tests.bench.common import REPO, log

BENCHMARKS = (
    "answers",
    "poll",
    "transport",
    "queue_memory",
    "ack",
    "alerts",
    "memory",
    "replicas",
    "forms",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset")
    args = parser.parse_args(argv)
    failed = []
    for name in args.only.split(","):
        if name == "replicas" and args.db != "postgresql":
            continue  # replicas share work through PostgreSQL only
        started = time.monotonic()
        log(f"== {name} ({args.db})")
        done = subprocess.run(  # noqa: S603 - our own interpreter and modules
            [sys.executable, "-m", f"tests.bench.{name}", "--db", args.db], cwd=REPO, check=False
        )
        log(f"== {name} took {time.monotonic() - started:.0f} s, exit {done.returncode}")
        if done.returncode != 0:
            failed.append(name)
    if failed:
        log(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
