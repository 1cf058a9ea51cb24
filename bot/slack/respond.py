"""Bolt's ``respond()``, posting through the shared Slack session.

Bolt's :class:`AsyncRespond` builds a webhook client, an aiohttp session and a TCP connection for
every answer to a ``response_url``: a good share of the CPU an answer costs. :class:`SharedRespond`
takes the same arguments and sends the same body (Bolt's own message builder, then slack_sdk's
body rules: ``None`` fields left out, Block objects as dicts), posted straight over the session
of :class:`bot.slack.clients.SlackClients` (a webhook client per answer would rebuild its retry
handlers, user agent and proxy settings each time; a dropped keep-alive connection is retried
once, as its default handler does); a global middleware puts it into every request's context,
so listeners' ``respond`` and ``context.respond`` are this one without knowing it.

Both doors of the rendering boundary are here for listeners: every answer through ``respond`` is
finished by :func:`bot.slack.render.finish_message`, and the same middleware puts the request's
Web API client behind the boundary (:func:`bot.slack.clients.rendering`).

It also carries the "working on it" note of a request whose answer is late
(:meth:`SharedRespond.note_later`, armed by the post-ack gate, bot/slack/guard.py): the note
goes out only if nothing was answered yet, and an answer never overtakes a note in flight.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import structlog
from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.web.internal_utils import get_user_agent
from slack_sdk.webhook.async_client import AsyncWebhookClient
from slack_sdk.webhook.internal_utils import _build_body
from slack_sdk.webhook.webhook_response import WebhookResponse

from bot.proxy import Proxies
from bot.slack.clients import SlackClients, rendering
from bot.slack.render import finish_message

log = structlog.stdlib.get_logger(__name__)
Message = dict[str, Any]
_TIMEOUT = aiohttp.ClientTimeout(total=30)  # slack_sdk's webhook default
# A keep-alive connection Slack closed meanwhile: the post is sent once more on a new one.
_DROPPED = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)


class SharedRespond(AsyncRespond):
    """``respond()`` over a given session; with none (no lifespan yet, or shut down), a session of
    its own per answer, as Bolt does."""

    def __init__(
        self,
        *,
        response_url: str | None,
        session: aiohttp.ClientSession | None,
        headers: dict[str, str] | None = None,
        proxies: Proxies | None = None,
    ) -> None:
        super().__init__(response_url=response_url)
        self.session = session
        self.proxies = proxies or Proxies()
        self.headers = headers or post_headers()
        self.answered = False  # something other than the note was posted (or is being posted)
        self.noted = False  # the note was posted
        self._note: asyncio.Task[None] | None = None

    def note_later(
        self, after: float, message: Callable[[], Awaitable[Message]]
    ) -> Callable[[], None]:
        """Post ``await message()`` in ``after`` seconds unless an answer came first. Returns
        the disarming function (the note already on its way is let finish)."""
        loop = asyncio.get_running_loop()

        def fire() -> None:
            if not self.answered:
                self._note = loop.create_task(self._post_note(message))

        return loop.call_later(after, fire).cancel

    async def _post_note(self, message: Callable[[], Awaitable[Message]]) -> None:
        try:
            body = await message()
            if self.answered or self.response_url is None:
                return
            self.noted = True
            await self._post(finish_message(body))
        except Exception as exc:  # noqa: BLE001 - a note is a courtesy; the answer still comes
            log.warning("slack.note_failed", error_type=type(exc).__name__)

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
        self.answered = True
        if self._note is not None and not self._note.done():
            await asyncio.shield(self._note)  # the note first, then the answer
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
        return await self._post(finish_message(message))

    async def _post(self, message: Message) -> WebhookResponse:
        url = self.response_url or ""
        if self.session is None or self.session.closed:
            webhook = AsyncWebhookClient(url)
            # slack_sdk read os.environ when given none: ours decides (the shared session's
            # middleware does the same for the posts below).
            webhook.proxy = self.proxies.for_url(url)
            return await webhook.send_dict(message)
        data = json.dumps(_build_body(message))
        for attempt in (1, 2):
            try:
                async with self.session.post(
                    url, data=data, headers=self.headers, timeout=_TIMEOUT
                ) as response:
                    return WebhookResponse(
                        url=url,
                        status_code=response.status,
                        body=await response.text(),
                        headers=dict(response.headers),
                    )
            except _DROPPED:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def late_note(
    after: float, message: Callable[[Any], Awaitable[Message]]
) -> Callable[[dict[str, Any], Any], Callable[[], None] | None]:
    """The post-ack gate's note arming (bot/slack/guard.py ``LateNote``): ``message(context)``
    is posted to the request's response_url if no answer came within ``after`` seconds."""

    def arm(_body: dict[str, Any], context: Any) -> Callable[[], None] | None:
        respond = context.get("respond")
        if not isinstance(respond, SharedRespond) or not respond.response_url:
            return None
        return respond.note_later(after, lambda: message(context))

    return arm


def post_headers() -> dict[str, str]:
    """What slack_sdk's webhook client sends with every post."""
    return {"Content-Type": "application/json;charset=utf-8", "User-Agent": get_user_agent()}


def register(app: AsyncApp, clients: SlackClients) -> None:
    headers = post_headers()  # once per app, not per answer

    @app.middleware
    async def respond_over_shared_session(
        context: AsyncBoltContext,
        next: Callable[[], Awaitable[None]],  # noqa: A002 - Bolt's name
    ) -> None:
        # Read at request time: the session opens with the lifespan, after the app is built.
        context["respond"] = SharedRespond(
            response_url=context.response_url,
            session=clients.session,
            headers=headers,
            proxies=clients.proxies,
        )
        if context.client is not None:
            context["client"] = rendering(context.client)
        await next()
