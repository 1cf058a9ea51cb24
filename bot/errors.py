"""The one error tree. Everything a user can see failing is a :class:`UserFacingError`.

::

    BridgeError
    ├── ConfigurationError          operator problem, found at start-up or by `check`
    ├── CredentialError             a sealed secret does not open for this user (tampered, wrong key)
    └── UserFacingError             shown in Slack in the user's language, with a next step
        ├── NotLinked               → Connect button
        ├── NeedsRelink             → Re-link button
        ├── FeatureDisabled         → ask your admin
        ├── PermissionDenied        → ask your admin
        ├── QuestetraUnavailable    → try again in a minute
        ├── BridgeBusy              → try again in a minute (a burst: no room for the work)
        ├── QuestetraRejected       → Questetra's own message
        └── BadInput                → how to use the command

The Slack error handler (:mod:`bot.slack.errors`) renders a UserFacingError from its ``key`` and
``params``; any other exception becomes the generic "something went wrong" message and is logged
with a reference id the user can quote. Messages never carry secrets: only ids and public names.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class NextStep(StrEnum):
    """What the user can do about a failure; the error handler renders a matching button or hint."""

    NONE = "none"
    CONNECT = "connect"
    RELINK = "relink"
    ASK_ADMIN = "ask_admin"
    RETRY_LATER = "retry_later"
    HELP = "help"


class BridgeError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigurationError(BridgeError):
    """The bot is configured wrongly; the message says which setting and how to fix it."""


class CredentialError(BridgeError):
    """A sealed credential could not be opened for the user it was read for."""


class UserFacingError(BridgeError):
    """A failure worth telling the user about: an i18n ``key``, its ``params`` and a next step."""

    key: str = "error.internal"
    next_step: NextStep = NextStep.NONE

    def __init__(self, key: str | None = None, /, **params: Any) -> None:
        if key is not None:
            self.key = key
        self.params = params
        super().__init__(self.key)


class NotLinked(UserFacingError):
    key = "error.not_linked"
    next_step = NextStep.CONNECT


class NeedsRelink(UserFacingError):
    key = "error.needs_relink"
    next_step = NextStep.RELINK


class FeatureDisabled(UserFacingError):
    key = "error.feature_disabled"
    next_step = NextStep.ASK_ADMIN


class PermissionDenied(UserFacingError):
    key = "error.permission_denied"
    next_step = NextStep.ASK_ADMIN


class RightsUnverified(UserFacingError):
    """Slack did not answer when the user's admin rights were read: nothing was done (fail
    closed) and the user may try again."""

    key = "admin.error.unverified"
    next_step = NextStep.RETRY_LATER


class QuestetraUnavailable(UserFacingError):
    key = "error.questetra_unavailable"
    next_step = NextStep.RETRY_LATER


class BridgeBusy(UserFacingError):
    """Acked, but every slot for post-ack work stayed taken too long (bot/slack/guard.py)."""

    key = "error.busy"
    next_step = NextStep.RETRY_LATER


class QuestetraRejected(UserFacingError):
    key = "error.questetra_rejected"


class BadInput(UserFacingError):
    key = "error.bad_input"
    next_step = NextStep.HELP
