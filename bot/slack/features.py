"""The Slack feature modules. Each one exposes:

- ``SUBCOMMANDS``: ``{sub-command: handler}`` it answers,
- ``ACTIONS``: the StrEnum of its action ids (or ``None``),
- ``register(app, deps)``: its listeners (and the services it builds from ``deps``),
- optionally ``OPENS_MODAL``: ``{sub-command: args → bool}``, which invocations open a modal
  (they need the trigger_id within 3 s: the post-ack gate serves them first, bot/slack/guard.py).

Adding a feature is adding it here; commands, the app and the id tests pick it up.
"""

from __future__ import annotations

from types import ModuleType

from bot.slack import admin, admin_panel, alerts, forms, linking, start, tasks

FEATURES: tuple[ModuleType, ...] = (linking, tasks, forms, start, admin, alerts, admin_panel)
