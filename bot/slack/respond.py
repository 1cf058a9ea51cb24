"""Bolt's ``respond()``, posting through the shared Slack session.

Bolt's :class:`AsyncRespond` builds a webhook client, an aiohttp session and a TCP connection for
every answer to a ``response_url``: a good share of the CPU an answer costs. :class:`SharedRespond`
takes the same arguments and sends the same body (Bolt's own message builder), over the session of
:class:`bot.slack.clients.SlackClients`; a global middleware puts it into every request's context,
so listeners' ``respond`` and ``context.respond`` are this one without knowing it.

Both doors of the rendering boundary are here for listeners: every answer through ``respond`` is
finished by :func:`bot.slack.render.finish_message`, and the same middleware puts the request's
Web API client behind the boundary (:func:`bot.slack.clients.rendering`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.webhook.async_client import AsyncWebhookClient
from slack_sdk.webhook.webhook_response import WebhookResponse

from bot.slack.clients import SlackClients, rendering
from bot.slack.render import finish_message


class SharedRespond(AsyncRespond):
    """``respond()`` over a given session; with none (no lifespan yet, or shut down), a session of
    its own per answer, as Bolt does."""

    def __init__(self, *, response_url: str | None, session: aiohttp.ClientSession | None) -> None:
        super().__init__(response_url=response_url)
        self.session = session

    async def __call__(
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[dict[str, Any] | Block] | None = None,
        attachments: Sequence[dict[str, Any] | Attachment] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        if isinstance(text, dict):
            message = _build_message(**text)  # a whole message, as Bolt accepts it
        else:
            message = _build_message(
                text=text,
                blocks=blocks,
                attachments=attachments,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                unfurl_links=unfurl_links,
                unfurl_media=unfurl_media,
                thread_ts=thread_ts,
                metadata=metadata,
            )
        client = AsyncWebhookClient(self.response_url, session=self.session)
        return await client.send_dict(finish_message(message))


def register(app: AsyncApp, clients: SlackClients) -> None:
    @app.middleware
    async def respond_over_shared_session(
        context: AsyncBoltContext,
        next: Callable[[], Awaitable[None]],  # noqa: A002 - Bolt's name
    ) -> None:
        # Read at request time: the session opens with the lifespan, after the app is built.
        context["respond"] = SharedRespond(
            response_url=context.response_url, session=clients.session
        )
        if context.client is not None:
            context["client"] = rendering(context.client)
        await next()
