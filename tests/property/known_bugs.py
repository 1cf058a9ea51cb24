"""Bugs the property tests found in bot/ that are not fixed yet.

Each one is pinned by an ``xfail(strict=True)`` test holding its minimal input (search for the
entry's name in this directory). The properties tolerate exactly that failure, an exception of
that type escaping from that function in bot/ (and, where bot/ only calls into a library, raised in
that library function), so they stay green and keep exploring everything else. Once the bug is
fixed its xfail test passes, strict xfail turns that into a failure, and the entry here and the
marker there are deleted together.

An exception counts whether it escaped the app (Starlette answers 500) or was reported by the
Slack error path (logged as ``slack.unhandled_error``) on a request that then answered 500 or was
never acked; see ``send`` in test_inbound.py.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path

import bot

_BOT_DIR = Path(bot.__file__).resolve().parent


@dataclass(frozen=True)
class KnownBug:
    name: str
    error: type[BaseException] | tuple[type[BaseException], ...]
    where: str  # "path/in/bot.py:function" of the innermost frame inside bot/
    raised_in: tuple[str, ...] = ()  # when set: the function that raised (any package)

    def matches(self, exc: BaseException) -> bool:
        if not isinstance(exc, self.error) or innermost_bot_frame(exc) != self.where:
            return False
        return not self.raised_in or raising_function(exc) in self.raised_in


def innermost_bot_frame(exc: BaseException) -> str | None:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename).resolve()
        if _BOT_DIR in path.parents:
            return f"{path.relative_to(_BOT_DIR).as_posix()}:{frame.name}"
    return None


def raising_function(exc: BaseException) -> str | None:
    frames = traceback.extract_tb(exc.__traceback__)
    return frames[-1].name if frames else None


# Every bug found so far is fixed; their minimal inputs stay as test_fixed_bug_* tests. A new
# one goes here (with an xfail(strict=True) test) until it is fixed.
ALL: tuple[KnownBug, ...] = ()


def is_known(exc: BaseException, bugs: tuple[KnownBug, ...] = ALL) -> bool:
    return any(bug.matches(exc) for bug in bugs)
