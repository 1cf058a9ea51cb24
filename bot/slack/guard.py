"""Every listener reports its own failures.

Bolt runs a listener after its ``ack()`` in the background; when that listener then raises,
Bolt 1.x resets the recorded ack, and if this happens within its 10 ms polling tick the HTTP
answer waits 3 s and ends as "no ack" (Slack shows the user an error). So listeners must not
raise: :class:`GuardedAsyncApp` wraps each one so that a failure goes straight to
:func:`bot.slack.errors.report_error` — the one error path — and never back into Bolt.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

Reporter = Callable[[Exception, dict[str, Any], Any], Awaitable[None]]
_REQUIRED = ("body", "context")  # what the reporter needs, added to what the listener asks for


def guarded(func: Callable[..., Awaitable[Any]], report: Reporter) -> Callable[..., Awaitable[Any]]:
    names = inspect.getfullargspec(func).args
    extra = [n for n in _REQUIRED if n not in names]

    async def listener(**kwargs: Any) -> Any:
        try:
            return await func(**{k: v for k, v in kwargs.items() if k in names})
        except Exception as error:  # noqa: BLE001 - reported to the user and the log
            await report(error, kwargs["body"], kwargs["context"])
            return None

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
    guarded (see the module docstring)."""

    def set_reporter(self, report: Reporter) -> None:
        self._reporter = report

    def _guard(self, register: Callable[..., Any]) -> Callable[..., Any]:
        def decorator(func: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
            register(guarded(func, self._reporter))
            return func

        return decorator

    def command(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(super().command(*args, **kwargs))

    def action(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(super().action(*args, **kwargs))

    def view(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(super().view(*args, **kwargs))

    def event(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(super().event(*args, **kwargs))

    def options(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(super().options(*args, **kwargs))

    def shortcut(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(super().shortcut(*args, **kwargs))
