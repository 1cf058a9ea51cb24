"""Rules of the link lifecycle."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.emails import canonical_email, same_mailbox

# Refresh this long before the access token expires, so a call never starts with a dying token.
REFRESH_MARGIN = timedelta(minutes=5)
# Questetra refresh tokens live 30 days (questetra-api.md §1).
REFRESH_TOKEN_LIFETIME = timedelta(days=30)


def normalise_email(email: str | None) -> str:
    """The stored form of an address (bot.domain.emails: ASCII case only); "" when unusable."""
    return canonical_email(email) or ""


def may_link(
    questetra_email: str, slack_email: str | None, *, mapped_email: str | None = None
) -> bool:
    """A Slack user may link only the Questetra account with their own e-mail address.

    This stops the forwarded-link attack: someone who forwards their consent link cannot make
    another person's Questetra account act for them. An admin may map a different address.
    Addresses compare as :func:`bot.domain.emails.same_mailbox` does (never folding Unicode).
    """
    if mapped_email is not None and same_mailbox(mapped_email, questetra_email):
        return True
    return same_mailbox(slack_email, questetra_email)


def needs_refresh(access_expires_at: datetime | None, now: datetime) -> bool:
    return access_expires_at is None or access_expires_at - REFRESH_MARGIN <= now


def refresh_token_expires_at(issued_at: datetime | None) -> datetime | None:
    return issued_at + REFRESH_TOKEN_LIFETIME if issued_at is not None else None
