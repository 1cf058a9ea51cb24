"""The baseline of the ack benchmark: a Bolt AsyncApp that only acks, served like the bot.

``SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=… SLACK_API_URL=… PORT=… python -m tests.bench.bare_app``

Same Bolt, same signature check, same uvicorn settings as ``python -m bot serve``; the only
difference is that every command and every action is acked and nothing else happens.
"""

from __future__ import annotations

import os
import re

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette

from tests.bench.bolt_serve import serve, starlette_app


def build_app(signing_secret: str, token: str, api_url: str) -> Starlette:
    bolt = AsyncApp(
        client=AsyncWebClient(token=token, base_url=api_url),
        signing_secret=signing_secret,
        raise_error_for_unhandled_request=False,
    )

    @bolt.command(re.compile(".*"))
    async def on_command(ack: AsyncAck) -> None:
        await ack()

    @bolt.action(re.compile(".*"))
    async def on_action(ack: AsyncAck) -> None:
        await ack()

    return starlette_app(bolt)


def main() -> None:
    app = build_app(
        os.environ["SLACK_SIGNING_SECRET"],
        os.environ["SLACK_BOT_TOKEN"],
        os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
    )
    serve(app)


if __name__ == "__main__":
    main()
