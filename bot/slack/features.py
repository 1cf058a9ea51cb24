"""The Slack feature modules. Each one exposes:

- ``SUBCOMMANDS``: ``{sub-command: handler}`` it answers,
- ``ACTIONS``: the StrEnum of its action ids (or ``None``),
- ``register(app, deps)``: its listeners (and the services it builds from ``deps``).

Adding a feature is adding it here; commands, the app and the id tests pick it up.
"""

from __future__ import annotations

from types import ModuleType

from bot.slack import admin, admin_panel, alerts, forms, linking, start, tasks

FEATURES: tuple[ModuleType, ...] = (linking, tasks, forms, start, admin, alerts, admin_panel)
