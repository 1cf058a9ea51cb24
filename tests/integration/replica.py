"""One bot replica for the multi-process tests: `python -m tests.integration.replica`.

Like `python -m bot serve`, with short leases and fast pacing so a test does not wait minutes
for a killed replica's work to be taken over."""

from __future__ import annotations

import os

import uvicorn

from bot.app import Tuning, create_app
from bot.config import load_settings


def main() -> None:
    settings = load_settings(os.environ)
    tuning = Tuning(outbox_pace=0.02, worker_tick=0.1, lease_seconds=3.0, poll_concurrency=8)
    app = create_app(settings, migrate_on_start=False, tuning=tuning)
    uvicorn.run(app, host="127.0.0.1", port=settings.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
