"""Every id Slack routes to us, in one place. tests/unit/test_manifest.py checks these against
manifest.yml (the command) and against what the app registers (actions, views)."""

from __future__ import annotations

from enum import StrEnum

DEFAULT_COMMAND = "/questetra"


class ActionId(StrEnum):
    CONNECT = "connect"
    RELINK = "relink"
    HELP = "help"
    # A URL button: Slack opens the link and still sends us the click, which we only ack.
    OPEN_CONSENT = "open_consent"


class TaskAction(StrEnum):
    OPEN = "task_open"  # URL buttons: acked only
    OPEN_PROCESS = "process_open"
    DETAILS = "task_details"
    ACCEPT = "task_accept"
    PAGE = "tasks_page"


class FormAction(StrEnum):
    """Processing tasks (bot/slack/forms.py)."""

    # A task's own button (user-select) on an alert; the n-th one is ``form_choose_{n}`` (ids are
    # unique within a block), all routed by one pattern.
    CHOOSE = "form_choose_0"
    PROCESS = "form_process"  # "Process…" on a task card: the form modal
    ACCEPT_PROCESS = "form_accept_process"  # "Accept and process" on an offered task
    OPEN_TASK = "form_open_task"  # URL button inside the modal: acked only


CHOOSE_PREFIX = "form_choose_"


class FormCallback(StrEnum):
    SUBMIT = "form_submit"


class HomeAction(StrEnum):
    REFRESH = "home_refresh"
    DISCONNECT = "home_disconnect"


class AlertAction(StrEnum):
    ENABLE = "alerts_on"
    DISABLE = "alerts_off"
    OFFERED_ON = "alerts_offered_on"
    OFFERED_OFF = "alerts_offered_off"


class CallbackId(StrEnum):
    BASIC_LINK = "basic_link"


class BlockId(StrEnum):
    EMAIL = "email"
    API_PASSWORD = "api_password"  # noqa: S105 - a block id


class SubCommand(StrEnum):
    HELP = "help"
    CONNECT = "connect"
    DISCONNECT = "disconnect"
    STATUS = "status"
    TASKS = "tasks"
    START = "start"
    ALERTS = "alerts"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    SUBSCRIPTIONS = "subscriptions"
    WEBHOOK = "webhook"
    ADMIN = "admin"


# Events the manifest subscribes to and the app handles.
EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked", "user_change")
