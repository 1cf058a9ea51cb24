"""Issue #16 item 5: e-mail comparison never folds different addresses together."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from bot.db.models import UserLink
from bot.domain.emails import canonical_email, same_mailbox
from bot.domain.linking import may_link
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, connect_url, consent

# (Slack profile e-mail, Questetra e-mail): different mailboxes that Unicode folding joins.
LOOKALIKES = [
    ("\u017fam@example.com", "sam@example.com"),  # ſ (long s) casefolds to s
    ("\u212aate@example.com", "kate@example.com"),  # Kelvin sign casefolds to k
    ("\u0131an@example.com", "ian@example.com"),  # dotless ı
    ("\u0430lice@example.com", "alice@example.com"),  # Cyrillic а
    ("alice@ex\u0430mple.com", "alice@example.com"),  # Cyrillic а in the domain
    ("\uff41lice@example.com", "alice@example.com"),  # full-width a (NFKC → a)
    ("strasse@example.com", "stra\u00dfe@example.com"),  # ß casefolds to ss
    ("alice@example.com\u200b", "alice@example.com"),  # zero-width space
    ("ALİCE@example.com", "alice@example.com"),  # İ lowercases to i + combining dot
]


@pytest.mark.parametrize(("slack_email", "questetra_email"), LOOKALIKES)
def test_lookalikes_never_match(slack_email: str, questetra_email: str) -> None:
    assert not same_mailbox(slack_email, questetra_email)
    assert not may_link(questetra_email, slack_email)
    assert not may_link(slack_email, questetra_email)
    assert not may_link(questetra_email, None, mapped_email=slack_email)


def test_ascii_case_and_spaces_are_one_mailbox() -> None:
    assert same_mailbox(" Alice@Example.COM ", "alice@example.com")
    assert may_link("alice@example.com", "ALICE@EXAMPLE.COM")
    assert not same_mailbox("alice@example.com", "alice@example.co")
    assert not same_mailbox("", "")
    assert not same_mailbox(None, None)
    assert canonical_email("a b@example.com") is None
    assert canonical_email("a@b@example.com") is None


@given(st.text(min_size=1, max_size=12), st.text(min_size=1, max_size=12))
def test_matching_addresses_differ_by_ascii_case_only(a: str, b: str) -> None:
    left, right = f"{a}@example.com", f"{b}@example.com"
    if same_mailbox(left, right):
        assert left.isascii() and right.isascii()
        assert left.strip().lower() == right.strip().lower()


@given(st.text(alphabet=st.characters(min_codepoint=0x80), min_size=1, max_size=3))
def test_non_ascii_never_matches_its_folded_or_normalised_forms(extra: str) -> None:
    for form in (
        extra.casefold(),
        extra.lower(),
        unicodedata.normalize("NFKC", extra),
        unicodedata.normalize("NFKC", extra).casefold(),
    ):
        assert not same_mailbox(f"x{extra}@example.com", f"x{form}@example.com")


@pytest.mark.usefixtures("app")
async def test_a_lookalike_slack_email_cannot_link_the_ascii_account(
    bot, signer, slack, questetra, engine
) -> None:
    """The forwarded-link attack with a look-alike profile address, through the real flow."""
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_user("kate@example.com", "Kate")
    slack.add_user("U_KELVIN", email="\u212aate@example.com", name="mallory")
    questetra.sign_in("kate@example.com")
    page = await bot.get(await consent(bot, await connect_url(bot, signer, slack, "U_KELVIN")))
    assert page.status_code != 200
    async with engine.connect() as connection:
        assert (await connection.execute(select(UserLink))).all() == []


@pytest.mark.usefixtures("app")
async def test_an_admin_cannot_map_a_lookalike_address(bot, signer, slack, engine) -> None:
    slack.add_user("U_ADMIN", email="admin@example.com", is_admin=True)
    url = slack.new_response_url()
    body, headers = signer.slash_command(
        "admin map <@U_EN> \u0430lice@example.com", user_id="U_ADMIN", response_url=url
    )
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    (reply,) = await slack.wait_for_response(url)
    assert "not a plain e-mail address" in reply["text"]
