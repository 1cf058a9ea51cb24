"""The run every benchmark script repeats, written once: its inputs, the bot's database, the first
polls, the helper servers, and the goals and result file at the end.

A script builds a :class:`Bench` (users, a work folder, the database URL, a fresh encryption key,
the machine), starts the emulators (``tests.bench.common.emulators``), takes the bot's
environment from :meth:`Bench.env`, prepares the database with :meth:`Bench.migrate_and_seed`,
starts its servers and, where the bot's first poll of every link would skew the figures, waits
for it with :meth:`Bench.first_polls`. What it measures stays in the script; so do its tables.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.common import (
    APP_ID,
    REPO,
    BenchUser,
    Emulators,
    ServerProcess,
    SnapshotCounter,
    add_webhook,
    bot_env,
    database_url,
    log,
    machine,
    make_users,
    new_encryption_key,
    prepare_database,
    seed_links,
    verdict,
    wait_until,
    work_dir,
    write_results,
)
from tests.support import free_port

# ---------------------------------------------------------------- one run's inputs and database


@dataclass(frozen=True)
class Bench:
    """What one benchmark run is set up with; nothing in it changes during the run."""

    db: str  # "sqlite" or "postgresql" (the --db option)
    users: list[BenchUser]  # the linked users, in index order
    workdir: Path  # a fresh temporary folder: the SQLite file, profiles, recordings
    database: str  # the URL the bot gets as DATABASE_URL
    key: str  # a Fernet key: BOT_ENCRYPTION_KEYS, and what the seeded links are sealed with
    info: dict[str, Any]  # machine() when the run started (cores, CPU, load average)

    @classmethod
    def create(cls, db: str, users: int) -> Bench:
        """``users`` bench users, a new work folder and key, ``db``'s URL (see database_url)."""
        workdir = work_dir()
        return cls(
            db=db,
            users=make_users(users),
            workdir=workdir,
            database=database_url(db, workdir),
            key=new_encryption_key(),
            info=machine(),
        )

    def env(
        self, emu: Emulators, *, poll_interval: int = 3600, log_level: str = "INFO"
    ) -> dict[str, str]:
        """One ``python -m bot serve``'s environment for this run, on a port free right now.

        ``poll_interval`` is in seconds; the default hour means each link is polled once."""
        return bot_env(
            emu,
            database=self.database,
            encryption_key=self.key,
            port=free_port(),
            poll_interval=poll_interval,
            log_level=log_level,
        )

    async def migrate_and_seed(
        self, env: dict[str, str], *, webhook: tuple[str, str] | None = None
    ) -> None:
        """An empty database, migrated, with every user linked and due for a poll now.

        ``webhook``: (token, channel id) of a ``/hooks/{token}`` webhook to add as well."""
        extra = " and a webhook" if webhook else ""
        log(f"database {self.db}: migrate and seed {len(self.users)} links{extra}")
        await prepare_database(self.database, env)
        await seed_links(self.database, self.users, self.key)
        if webhook is not None:
            await add_webhook(self.database, *webhook)

    async def first_polls(self, *, within: float, required: bool = True) -> bool:
        """Wait (at most ``within`` seconds) until every link has its first task snapshot.

        A bot polls every seeded link as soon as it starts, since all are due; measuring before
        that has passed would count that work too. ``required``: fail when it does not finish
        (a run that measures alerts needs every baseline); otherwise say whether it did."""
        counter = SnapshotCounter(self.database)
        try:
            done = await wait_until(counter.at_least(len(self.users)), within=within, every=0.2)
        finally:
            await counter.close()
        if required and not done:
            raise RuntimeError(f"the baseline poll of {len(self.users)} links did not finish")
        return done


# ---------------------------------------------------------------- tasks in the emulator


def add_task_lists(emu: Emulators, users: Sequence[BenchUser], *, title: str) -> None:
    """Twelve tasks per user, alternately offered and allocated: two pages of cards, so a
    ``tasks_page`` click ("Next") has a target. Titles are ``<title><user index>-<n>``."""
    for user in users:
        for n in range(12):
            emu.questetra.add_task(
                APP_ID,
                to=user.email,
                node_name=f"Step {n}",
                title=f"{title}{user.index}-{n}",
                state="ALLOCATED" if n % 2 else "OFFERED",
            )


def allocate_tasks(
    emu: Emulators, users: Sequence[BenchUser], *, flows: Sequence[str] = ("Submit",)
) -> None:
    """One allocated task for each of ``users`` (its buttons, on an alert, are ``flows``), so
    a poll finds lists that are not all empty."""
    for user in users:
        emu.questetra.add_task(APP_ID, to=user.email, state="ALLOCATED", flows=flows)


# ---------------------------------------------------------------- helper processes


def module_process(name: str, module: str, env: dict[str, str]) -> ServerProcess:
    """``python -m <module>`` serving on a free port (given as PORT), with ``env`` otherwise:
    the bench's own apps (bare_app, peer_app) take the bot's variables."""
    port = free_port()
    return ServerProcess(name, [sys.executable, "-m", module], {**env, "PORT": str(port)}, port)


def stub_process(recorded: Path, latency: str) -> ServerProcess:
    """tests/bench/questetra_stub.py replaying ``recorded`` after ``latency`` ("low,high" s)."""
    port = free_port()
    argv = [sys.executable, "-m", "tests.bench.questetra_stub", "--recorded", str(recorded)]
    argv += ["--port", str(port), "--latency", latency]
    return ServerProcess("questetra-stub", argv, dict(os.environ), port)


def run_json(module: str, argv: Sequence[str], *, timeout: float | None = None) -> dict[str, Any]:
    """``python -m <module> <argv>`` to its end, in its own interpreter (so its CPU time is its
    own); its last line of stdout is a JSON object, returned. Fails if the module fails."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and modules
        [sys.executable, "-m", module, *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------- goals and the result file


def print_goals(goals: dict[str, bool]) -> None:
    """One line a goal: ``met`` or ``MISSED``, then what the goal says."""
    for goal, ok in goals.items():
        print(f"  {verdict(ok):6} {goal}")


def save_results(
    benchmark: str,
    info: dict[str, Any],
    args: argparse.Namespace,
    figures: dict[str, Any],
    *,
    goals: dict[str, bool] | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """The run's JSON (benchmark, machine, options, ``figures``, then ``goals``), written to
    ``--results`` or build/bench/<name>.json (default ``<benchmark>-<--db>``) and its path
    printed; returned, for the smoke tests."""
    payload = {"benchmark": benchmark, "machine": info, "args": vars(args), **figures}
    if goals is not None:
        payload["goals"] = goals
    path = write_results(name or f"{benchmark}-{args.db}", payload, args.results)
    print(f"\nresults: {path}")
    return payload
