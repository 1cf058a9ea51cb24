"""Every listener reports its own failures, and the work after an ack is bounded.

Bolt runs a listener after its ``ack()`` in the background; when that listener then raises,
Bolt 1.x resets the recorded ack, and if this happens within its 10 ms polling tick the HTTP
answer waits 3 s and ends as "no ack" (Slack shows the user an error). So listeners must not
raise: :class:`GuardedAsyncApp` wraps each one so that a failure goes straight to
:func:`bot.slack.errors.report_error` — the one error path — and never back into Bolt.

Backpressure: acks are cheap and must stay fast, but the work after them (Questetra, the
database, the answer) is not, and a burst would queue minutes of it whose answers come after the
user gave up. So command, action and shortcut listeners get an ``ack`` that acks at once and then
waits for one of :class:`Gate`'s slots, held until the listener ends; past the gate's wait it
raises :class:`bot.errors.BridgeBusy` and the user is told to try again in a minute. Not gated:
view submissions and options (their work comes *before* the ack, which carries the answer; a
slot after it would only delay, or shed, finished work), events (no ack of theirs; Bolt acks
them, and they are background chores such as the Home tab), and listeners that ask for nothing
but ``ack`` (URL buttons: the browser does the work, and "not done, try again" would be false).

Rendering: every listener's ``ack`` is a :class:`RenderedAck`: what it answers (a view, field
errors, options, a message) passes the rendering boundary (bot/slack/render.py) like everything
sent through the Web API client or ``respond``.

The wait (``Tuning.post_ack_wait``, 2 s) stays under 3 s because a listener that opens a modal
needs its ``trigger_id``, which Slack honours for 3 s after the click.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.errors import BridgeBusy
from bot.slack.render import finish_errors, finish_message, finish_options, finish_view

Reporter = Callable[[Exception, dict[str, Any], Any], Awaitable[None]]
_REQUIRED = ("body", "context")  # what the reporter needs, added to what the listener asks for


class Gate:
    """At most ``slots`` listeners busy after their ack; others wait up to ``wait`` seconds."""

    def __init__(self, *, slots: int, wait: float, on_shed: Callable[[], None]) -> None:
        self._slots = asyncio.BoundedSemaphore(slots)
        self._wait = wait
        self._on_shed = on_shed

    async def enter(self) -> None:
        try:
            async with asyncio.timeout(self._wait):
                await self._slots.acquire()
        except TimeoutError:
            self._on_shed()
            raise BridgeBusy from None

    def leave(self) -> None:
        self._slots.release()


class RenderedAck:
    """A listener's ``ack`` whose answer passes the rendering boundary."""

    def __init__(self, ack: Callable[..., Awaitable[Any]]) -> None:
        self._ack = ack

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            kwargs["text"], args = args[0], args[1:]
        if isinstance(kwargs.get("view"), dict):
            kwargs["view"] = finish_view(kwargs["view"])
        if isinstance(kwargs.get("errors"), dict):
            kwargs["errors"] = finish_errors(kwargs["errors"])
        if kwargs.get("options") is not None or kwargs.get("option_groups") is not None:
            kwargs.update(finish_options(kwargs.get("options"), kwargs.get("option_groups")))
        text = kwargs.get("text")
        if isinstance(text, dict):
            kwargs["text"] = finish_message(text)  # a whole response
        elif text or kwargs.get("blocks") is not None:
            message = finish_message({"text": text or "", "blocks": kwargs.get("blocks")})
            kwargs["text"] = message["text"]
            if kwargs.get("blocks") is not None:
                kwargs["blocks"] = message["blocks"]
        return await self._ack(*args, **kwargs)


class GatedAck:
    """A listener's ``ack``: acks at once, then (the first time) waits for a slot of the gate."""

    def __init__(self, ack: Callable[..., Awaitable[Any]], gate: Gate) -> None:
        self._ack = ack
        self._gate = gate
        self._asked = False
        self._holds = False

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        response = await self._ack(*args, **kwargs)
        if not self._asked:
            self._asked = True
            await self._gate.enter()
            self._holds = True
        return response

    def release(self) -> None:
        if self._holds:
            self._holds = False
            self._gate.leave()


def guarded(
    func: Callable[..., Awaitable[Any]], report: Reporter, gate: Gate | None = None
) -> Callable[..., Awaitable[Any]]:
    names = inspect.getfullargspec(func).args
    extra = [n for n in _REQUIRED if n not in names]

    if names == ["ack"]:
        gate = None  # nothing to do after the ack (see the module docstring)

    async def listener(**kwargs: Any) -> Any:
        if "ack" in kwargs:
            kwargs["ack"] = RenderedAck(kwargs["ack"])
        ack = GatedAck(kwargs["ack"], gate) if gate is not None and "ack" in kwargs else None
        if ack is not None:
            kwargs["ack"] = ack
        try:
            return await func(**{k: v for k, v in kwargs.items() if k in names})
        except Exception as error:  # noqa: BLE001 - reported to the user and the log
            await report(error, kwargs["body"], kwargs["context"])
            return None
        finally:
            if ack is not None:
                ack.release()

    # Bolt injects arguments by the names it reads from the signature: ask for the listener's
    # own plus what the reporter needs.
    parameters = [
        inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in [*names, *extra]
    ]
    listener.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    listener.__name__ = getattr(func, "__name__", "listener")
    listener.__qualname__ = getattr(func, "__qualname__", listener.__name__)
    return listener


class GuardedAsyncApp(AsyncApp):
    """An AsyncApp whose command, action, view, event, options and shortcut listeners are all
    guarded, and whose command, action and shortcut listeners are gated (see the module
    docstring)."""

    _gate: Gate | None = None

    def set_reporter(self, report: Reporter) -> None:
        self._reporter = report

    def set_gate(self, gate: Gate) -> None:
        self._gate = gate

    def _guard(self, register: Callable[..., Any], *, gated: bool = False) -> Callable[..., Any]:
        def decorator(func: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
            register(guarded(func, self._reporter, self._gate if gated else None))
            return func

        return decorator

    def command(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(super().command(*args, **kwargs), gated=True)

    def action(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(super().action(*args, **kwargs), gated=True)

    def view(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(super().view(*args, **kwargs))

    def event(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(super().event(*args, **kwargs))

    def options(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(super().options(*args, **kwargs))

    def shortcut(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(super().shortcut(*args, **kwargs), gated=True)
