"""Run the emulator by hand: ``python -m tests.emulators.questetra --port 8180 --demo``."""

from __future__ import annotations

import argparse

import uvicorn

from . import create_app
from .demo import APP_ID, MESSAGE_START_NODE, seed
from .state import EmulatorState


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Questetra BPM Suite emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8180)
    parser.add_argument("--base-path", default="/", help="tenant path prefix, e.g. /qbpms/")
    parser.add_argument("--demo", action="store_true", help="seed users, a client, an app, tasks")
    parser.add_argument(
        "--bot-url",
        default="http://localhost:3000",
        help="the bot's BOT_PUBLIC_URL: the demo OAuth client's redirect URI is built from it "
        "(default http://localhost:3000)",
    )
    parser.add_argument(
        "--user",
        metavar="EMAIL",
        help="with --demo: add a user with your Slack e-mail (the bridge links only an account "
        "with the Slack user's own e-mail) and sign them in on the consent page",
    )
    args = parser.parse_args(argv)

    state = EmulatorState(base_path=args.base_path)
    base = f"http://{args.host}:{args.port}{state.base_path}"
    print(f"Questetra emulator at {base}")
    if args.demo:
        bot_url = args.bot_url.rstrip("/")
        redirect_uri = f"{bot_url}/questetra/oauth/callback"
        demo = seed(state, redirect_uri=redirect_uri, me=args.user)
        me = args.user or "alice@example.com"
        users = ", ".join(dict.fromkeys(["alice@example.com", me, "bob@example.com"]))
        print(
            f"""
Demo tenant (signed in as {me} for the consent page):
  users            {users} (API password of {me}: {demo.api_password})
  Basic auth       enabled
  OAuth client     id {demo.client_id}
                   secret {demo.client_secret}
                   redirect {redirect_uri}
  app              {APP_ID} "Expense Request", message start event node {MESSAGE_START_NODE}
                   key {demo.start_event_key}

Bot settings:
  QUESTETRA_BASE_URL={base}
  QUESTETRA_CLIENT_ID={demo.client_id}
  QUESTETRA_CLIENT_SECRET={demo.client_secret}
  QUESTETRA_BASIC_AUTH=true
  BOT_PUBLIC_URL={bot_url}"""
        )
    print(
        f"""
Try it:
  curl -u alice@example.com:<API password> '{base}API/PE/Workitem/listAllocated?limit=10'
  curl -X POST '{base}System/Event/MessageStart/{APP_ID}/{MESSAGE_START_NODE}/start' \\
       -d key=<key> -d title=Hello -d q_amount=100 -d q_purpose=Test
Control API (JSON): GET {base}_emulator/state, GET {base}_emulator/requests,
  POST {base}_emulator/session {{"email": "bob@example.com"}}, POST {base}_emulator/tasks,
  POST {base}_emulator/faults {{"kind": "fail", "n": 2, "status": 503}}, POST {base}_emulator/reset
"""
    )
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
