"""The peer of the capacity benchmark: `/questetra tasks` the way a competent team writes it first.

``SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=… SLACK_API_URL=… QUESTETRA_BASE_URL=… DATABASE_URL=…
BOT_ENCRYPTION_KEYS=… PORT=… python -m tests.bench.peer_app``

A Bolt ``AsyncApp`` (the framework's documented way) served by uvicorn with the same options as
``python -m bot serve`` (uvloop and httptools, no access log). The slash command listener acks,
then does the same work as the bridge: it reads the user's sealed credential from the same
database with SQLAlchemy (one query; the same ``user_links`` row and the same ``KeyRing``), makes
the same two Questetra calls at once through one ``httpx2.AsyncClient`` (its default limits),
parses them and renders the same Block Kit with the bridge's own pure builders, and answers with
Bolt's own ``respond()``. What it does not have is what the bridge adds around that work: a
bound on the work after the ack, a shared Slack session, the sharded Questetra transport, the
user's language (it answers in English and never calls ``users.info``: less work than the
bridge). Nothing here is slowed down on purpose; where a first version would differ from the
bridge only in cost, the cheaper choice is taken.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

import httpx2
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette

from bot.config import to_async_database_url
from bot.crypto import KeyRing
from bot.db.models import UserLink
from bot.domain.tasks import newest_first
from bot.questetra.tasks import parse_task
from bot.questetra.urls import QuestetraLinks
from bot.slack.render import finish_message
from bot.slack.task_blocks import tasks_message
from tests.bench.bolt_serve import serve, starlette_app

LISTS = (("allocated", "API/PE/Workitem/listAllocated"), ("offered", "API/PE/Workitem/listOffered"))


def build_app(environ: dict[str, str]) -> Starlette:
    engine = create_async_engine(to_async_database_url(environ["DATABASE_URL"]))
    keyring = KeyRing(environ["BOT_ENCRYPTION_KEYS"].split(","))
    base_url = environ["QUESTETRA_BASE_URL"]
    links = QuestetraLinks(base_url.rstrip("/") + "/")
    http = httpx2.AsyncClient(base_url=base_url, timeout=10.0)
    bolt = AsyncApp(
        client=AsyncWebClient(token=environ["SLACK_BOT_TOKEN"], base_url=environ["SLACK_API_URL"]),
        signing_secret=environ["SLACK_SIGNING_SECRET"],
    )

    @bolt.command("/questetra")
    async def on_command(ack: AsyncAck, command: dict[str, str], respond: AsyncRespond) -> None:
        await ack()
        team_id, user_id = command["team_id"], command["user_id"]
        async with engine.connect() as connection:
            sealed = await connection.scalar(
                select(UserLink.credential_enc).where(
                    UserLink.team_id == team_id,
                    UserLink.slack_user_id == user_id,
                    UserLink.status == "active",
                )
            )
        if sealed is None:
            await respond("Link your Questetra account first.")
            return
        secret = keyring.open(sealed, owner=f"{team_id}/{user_id}")
        auth = httpx2.BasicAuth(secret["email"], secret["api_password"])
        answers = await asyncio.gather(
            *(http.get(path, auth=auth, params={"limit": 1000, "start": 0}) for _, path in LISTS)
        )
        allocated, offered = (
            [parse_task(item, kind) for item in answer.json()["workitems"]]
            for (kind, _), answer in zip(LISTS, answers, strict=True)
        )
        view = tasks_message(
            None,
            links,
            newest_first(allocated),
            newest_first(offered),
            now=datetime.now(UTC),
        )
        # The builders' texts are rendered (escaped, capped) on the way out, as the bridge does.
        payload = finish_message({"text": view.text, "blocks": view.blocks})
        await respond(text=payload["text"], blocks=payload["blocks"], response_type="ephemeral")

    return starlette_app(bolt)


def main() -> None:
    serve(build_app(dict(os.environ)))


if __name__ == "__main__":
    main()
