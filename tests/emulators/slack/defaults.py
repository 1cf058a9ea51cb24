"""Identifiers shared by the fake Web API and the payload builders.

One place for them so a signed event's `authorizations[0].user_id` and the fake's `auth.test` agree
without every test spelling them out.
"""

from __future__ import annotations

TEAM_ID = "T0001"
TEAM_NAME = "Acme"
TEAM_DOMAIN = "acme"
API_APP_ID = "A0001"
BOT_ID = "B0001"
BOT_USER_ID = "U0BOT"
BOT_NAME = "questetra"
BOT_TOKEN = "xoxb-test-token"
USER_ID = "U0001"
USER_NAME = "alice"
CHANNEL_ID = "C0001"
CHANNEL_NAME = "general"
TRIGGER_ID = "1337.42.abcd"


def new_trigger_id() -> str:
    """A fresh trigger id, as Slack gives every interaction and slash command its own
    (https://api.slack.com/interactivity/handling#modal_responses): two requests never share one."""
    import secrets
    import time

    return f"{int(time.time() * 1000)}.{secrets.randbelow(10**9)}.{secrets.token_hex(10)}"


# The deprecated verification token Slack still puts in every payload; bolt ignores it.
VERIFICATION_TOKEN = "verification-token-unused"
