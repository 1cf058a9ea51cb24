"""The bench's own Bolt apps (bare_app, peer_app) served the way ``python -m bot serve`` serves the
bridge, so that the comparison is between what the apps do, not how they are served.

Kept apart from tests/bench/common.py on purpose: these apps run as subprocesses whose CPU and
memory are measured, and must not import the bot's database and emulator modules to start.
"""

from __future__ import annotations

import os

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def starlette_app(bolt: AsyncApp) -> Starlette:
    """``POST /slack/events`` through Bolt's Starlette adapter, and ``GET /healthz`` (the ready
    probe ``ServerProcess.wait_ready`` polls), as the bridge routes them."""
    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_: Request) -> Response:
        return Response("ok")

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def serve(app: Starlette) -> None:
    """uvicorn on 127.0.0.1:$PORT with ``serve``'s options (no access log, proxy headers, 8 s of
    graceful shutdown; uvloop and httptools when installed, as for the bot), until SIGTERM."""
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        log_level="warning",
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=8,
    )
