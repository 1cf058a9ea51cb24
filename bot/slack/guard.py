"""Every listener reports its own failures, and the work after an ack is bounded.

Bolt runs a listener after its ``ack()`` in the background; when that listener then raises,
Bolt 1.x resets the recorded ack, and if this happens within its 10 ms polling tick the HTTP
answer waits 3 s and ends as "no ack" (Slack shows the user an error). So listeners must not
raise: :class:`GuardedAsyncApp` wraps each one so that a failure goes straight to
:func:`bot.slack.errors.report_error` — the one error path — and never back into Bolt.

Backpressure: acks are cheap and must stay fast, but the work after them (Questetra, the
database, the answer) is not. So command, action and shortcut listeners get an ``ack`` that acks
at once and then waits for one of :class:`Gate`'s slots, held until the listener ends. Slack
accepts an answer at a ``response_url`` for 30 minutes, so a burst is not shed: requests wait in
line, first come first served, and whoever waits long is told their answer is coming (the
"working on it" note, :class:`LateNote`). Only two things shed, with "busy, try again in a
minute" (:class:`bot.errors.BridgeBusy`): a line already ``queue`` long (the bound that keeps
memory flat: each waiting request holds its parsed payload and a task), and a wait past
``wait`` seconds (25 minutes: an answer later than that could not reach Slack).

*Urgent* listeners are those that open a modal (marked with :func:`opens_modal`; shortcuts
always): their ``trigger_id`` dies 3 s after the click, so they go ahead of the line, and past
``urgent_wait`` (2 s) the modal could no longer open: they are told "busy" rather than left to
fail. They get no note (their answer is the modal).

Not gated: view submissions and options (their work comes *before* the ack, which carries the
answer; a slot after it would only delay, or shed, finished work), events (no ack of theirs;
Bolt acks them, and they are background chores such as the Home tab), and listeners that ask
for nothing but ``ack`` (URL buttons: the browser does the work, and "not done, try again" would
be false).

Rendering: every listener's ``ack`` is a :class:`RenderedAck`: what it answers (a view, field
errors, options, a message) passes the rendering boundary (bot/slack/render.py) like everything
sent through the Web API client or ``respond``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.errors import BridgeBusy
from bot.slack.render import finish_errors, finish_message, finish_options, finish_view

Reporter = Callable[[Exception, dict[str, Any], Any], Awaitable[None]]
# Arms the "working on it" note of one request (body, context); returns how to disarm it, or
# None when this request cannot have one (no response_url).
LateNote = Callable[[dict[str, Any], Any], Callable[[], None] | None]
Urgency = bool | Callable[[dict[str, Any]], bool]  # does this request open a modal?
_REQUIRED = ("body", "context")  # what the reporter needs, added to what the listener asks for


def opens_modal(
    when: Callable[[dict[str, Any]], bool] | None = None,
) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
    """Mark a listener that opens a modal (for every request, or those whose body ``when``
    accepts): the post-ack gate serves it first. Put it under the ``@app.…`` decorator."""

    def mark(func: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        func._opens_modal = when or (lambda _body: True)  # type: ignore[attr-defined]
        return func

    return mark


class Gate:
    """At most ``slots`` listeners at work after their ack; up to ``queue`` more wait in line.

    The line is first come, first served, urgent waiters first. A waiter is shed
    (:class:`BridgeBusy`, after ``on_shed()``) when the line is full as it arrives, or when it
    has waited ``wait`` seconds (``urgent_wait`` if urgent). A slot given back goes straight to
    the next waiter, so nobody overtakes the line between a ``leave`` and the wake-up.
    """

    def __init__(
        self,
        *,
        slots: int,
        queue: int,
        wait: float,
        urgent_wait: float,
        on_shed: Callable[[], None],
    ) -> None:
        self.slots = slots
        self.bound = queue
        self._free = slots
        self._wait = wait
        self._urgent_wait = urgent_wait
        self._on_shed = on_shed
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._normal: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        """Requests in line for a slot."""
        return len(self._urgent) + len(self._normal)

    @property
    def busy(self) -> int:
        """Slots held."""
        return self.slots - self._free

    async def enter(self, *, urgent: bool = False) -> None:
        if self._free > 0 and not self.waiting:
            self._free -= 1
            return
        if self.waiting >= self.bound:
            self._shed()
        line = self._urgent if urgent else self._normal
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        line.append(turn)
        try:
            async with asyncio.timeout(self._urgent_wait if urgent else self._wait):
                await turn
        except TimeoutError:
            # Cancelling the wait cancelled ``turn`` too, unless the slot came first.
            if turn.done() and not turn.cancelled():
                return  # the slot came as the wait ran out: keep it
            line.remove(turn)
            self._shed()
        except BaseException:  # cancelled while in line (shutdown)
            if turn.done() and not turn.cancelled():
                self.leave()  # a slot was handed over: pass it on
            else:
                line.remove(turn)
            raise

    def leave(self) -> None:
        for line in (self._urgent, self._normal):
            while line:
                turn = line.popleft()
                if not turn.done():
                    turn.set_result(None)
                    return
        self._free += 1

    def _shed(self) -> None:
        self._on_shed()
        raise BridgeBusy from None


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

    def __init__(
        self, ack: Callable[..., Awaitable[Any]], gate: Gate, *, urgent: bool = False
    ) -> None:
        self._ack = ack
        self._gate = gate
        self._urgent = urgent
        self._asked = False
        self._holds = False

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        response = await self._ack(*args, **kwargs)
        if not self._asked:
            self._asked = True
            await self._gate.enter(urgent=self._urgent)
            self._holds = True
        return response

    def release(self) -> None:
        if self._holds:
            self._holds = False
            self._gate.leave()


def guarded(
    func: Callable[..., Awaitable[Any]],
    report: Reporter,
    gate: Gate | None = None,
    *,
    urgent: Urgency = False,
    late_note: LateNote | None = None,
) -> Callable[..., Awaitable[Any]]:
    names = inspect.getfullargspec(func).args
    extra = [n for n in _REQUIRED if n not in names]
    urgent = getattr(func, "_opens_modal", urgent)

    if names == ["ack"]:
        gate = None  # nothing to do after the ack (see the module docstring)

    async def listener(**kwargs: Any) -> Any:
        ack = None
        disarm = None
        if "ack" in kwargs:
            kwargs["ack"] = RenderedAck(kwargs["ack"])
        if gate is not None and "ack" in kwargs:
            hurry = urgent(kwargs["body"]) if callable(urgent) else urgent
            ack = GatedAck(kwargs["ack"], gate, urgent=hurry)
            kwargs["ack"] = ack
            if late_note is not None and not hurry:
                disarm = late_note(kwargs["body"], kwargs["context"])
        try:
            return await func(**{k: v for k, v in kwargs.items() if k in names})
        except Exception as error:  # noqa: BLE001 - reported to the user and the log
            await report(error, kwargs["body"], kwargs["context"])
            return None
        finally:
            if disarm is not None:
                disarm()
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
    docstring; shortcuts count as urgent)."""

    _gate: Gate | None = None
    _late_note: LateNote | None = None

    def set_reporter(self, report: Reporter) -> None:
        self._reporter = report

    def set_gate(self, gate: Gate, late_note: LateNote | None = None) -> None:
        self._gate = gate
        self._late_note = late_note

    def _guard(
        self, register: Callable[..., Any], *, gated: bool = False, urgent: Urgency = False
    ) -> Callable[..., Any]:
        def decorator(func: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
            gate = self._gate if gated else None
            register(guarded(func, self._reporter, gate, urgent=urgent, late_note=self._late_note))
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
        return self._guard(super().shortcut(*args, **kwargs), gated=True, urgent=True)
