"""Seed data for trying the bot by hand (``python -m tests.emulators.questetra --demo``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from .model import Field
from .state import EmulatorState

REDIRECT_URI = "http://localhost:3000/questetra/oauth/callback"
APP_ID = 101
MESSAGE_START_NODE = 1


@dataclass(frozen=True)
class DemoSecrets:
    api_password: str
    client_id: str
    client_secret: str
    start_event_key: str


def seed(
    state: EmulatorState, *, redirect_uri: str = REDIRECT_URI, me: str | None = None
) -> DemoSecrets:
    """Alice and Bob, one OAuth client, an expense app with a start event and a few tasks.

    ``redirect_uri``: the client's, ``{BOT_PUBLIC_URL}/questetra/oauth/callback`` of the bot that
    will use it (Questetra compares it exactly). ``me``: one more user with that e-mail (the
    bridge links only an account with the Slack user's own e-mail), signed in on the consent
    page, with the same API password as Alice and a task of their own.
    """
    found = DemoSecrets(
        api_password=secrets.token_urlsafe(12),
        client_id="slack-bridge",
        client_secret=secrets.token_urlsafe(24),
        start_event_key=secrets.token_hex(16),
    )
    state.basic_auth_enabled = True
    state.add_user("alice@example.com", "Alice Example", api_password=found.api_password)
    state.add_user("bob@example.com", "Bob Example", group="Finance")
    state.add_client(found.client_id, found.client_secret, redirect_uri)
    state.add_app(
        APP_ID,
        "Expense Request",
        category="Finance",
        short_explanation="Claim expenses",
        managers=["bob@example.com"],
        fields=[
            Field("amount", "Amount", "DECIMAL", 0, required=True),
            Field("purpose", "Purpose", "STRING", 1, required=True),
            Field("kind", "Kind", "SELECT", 2, choices={"travel": "Travel", "books": "Books"}),
            Field("date", "Date", "DATE", 3),
            Field("approver", "Approver", "QUSER", 4),
            Field("note", "Note", "STRING_TEXTAREA", 5),
        ],
    )
    state.add_human_start_event(APP_ID, 0, name="Apply")
    state.add_start_event(APP_ID, MESSAGE_START_NODE, key=found.start_event_key, name="From Slack")
    soon = state.clock.now() + timedelta(days=2)
    state.add_task(
        APP_ID,
        to="alice@example.com",
        state="ALLOCATED",
        title="Train to Osaka",
        deadline=soon,
        data={"amount": "12000", "purpose": "Customer visit", "kind": "travel"},
        starter="bob@example.com",
        flows=("Approve", "Reject"),
        editable_fields=["note", "approver"],
    )
    state.add_task(
        APP_ID,
        to=["alice@example.com", "bob@example.com"],
        title="Books for the team",
        data={"amount": 4800, "purpose": "Study group", "kind": ["books"]},
        starter="bob@example.com",
    )
    state.add_task(APP_ID, to="bob@example.com", state="ALLOCATED", title="Taxi", node_name="Check")
    if me is not None and state.user_by_email(me) is None:
        state.add_user(me, me.split("@", 1)[0], api_password=found.api_password)
        state.add_task(
            APP_ID,
            to=me,
            state="ALLOCATED",
            title="Your first task",
            data={"amount": "3000", "purpose": "Trying the bridge", "kind": "books"},
            starter="bob@example.com",
            flows=("Approve", "Reject"),
            editable_fields=["note"],
        )
    state.sign_in(me or "alice@example.com")
    return found
