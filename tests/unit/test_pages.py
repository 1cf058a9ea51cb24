"""The bridge's own pages: bilingual, escaped, and saying what to do next."""

from __future__ import annotations

import pytest

from bot.i18n import CATALOGS
from bot.pages import front_page, install_failed_page, install_page, installed_page, outcome_page
from bot.services.linking import Outcome


def _both_languages(html: str) -> None:
    assert 'lang="ja"' in html and 'lang="en"' in html
    assert html.startswith("<!doctype html>")


def test_front_page_points_to_slack_and_to_the_install_page_when_there_is_one() -> None:
    single = front_page(install_url=None)
    _both_languages(single)
    assert "/questetra help" in single and "/healthz" in single
    assert "/slack/install" not in single
    multi = front_page(install_url="https://bot.test/slack/install")
    assert "https://bot.test/slack/install" in multi


def test_install_page_has_one_button_to_slack() -> None:
    url = "https://slack.com/oauth/v2/authorize?state=a&client_id=1.2&scope=commands"
    html = install_page(url)
    _both_languages(html)
    assert html.count('class="button"') == 1
    assert 'href="https://slack.com/oauth/v2/authorize?state=a&amp;client_id=1.2' in html
    assert "Slack に追加" in html and "Add to Slack" in html


def test_installed_page_escapes_the_team_name() -> None:
    html = installed_page(
        team="<b>Acme</b>", app_url="slack://app?team=T1&id=A1", browser_url="https://x/T1"
    )
    _both_languages(html)
    assert "<b>Acme</b>" not in html and "&lt;b&gt;Acme&lt;/b&gt;" in html
    assert 'href="slack://app?team=T1&amp;id=A1"' in html


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("access_denied", "cancelled"),
        ("invalid_state", "another browser, or more than 10 minutes ago"),
        ("invalid_browser", "another browser, or more than 10 minutes ago"),
        ("storage_error", "could not save the installation"),
        ("invalid_code", "Slack did not complete the installation (invalid_code)"),
    ],
)
def test_install_failures_say_what_to_do(reason: str, expected: str) -> None:
    html = install_failed_page(reason, install_url="https://bot.test/slack/install")
    _both_languages(html)
    assert expected in html


# Every failure that ends on a page (some end in the API-password modal and have no page text).
@pytest.mark.parametrize(
    "outcome",
    [o for o in Outcome if o is not Outcome.LINKED and f"page.{o.value}" in CATALOGS["en"]],
)
def test_consent_pages_show_commands_as_code_not_as_slack_backticks(outcome: Outcome) -> None:
    html, _ = outcome_page(outcome, name="`Ann`", email="ann@example.jp")
    _both_languages(html)
    assert "`" not in html, html  # Slack's mrkdwn does not reach a browser
    if outcome in (Outcome.DENIED, Outcome.EXPIRED, Outcome.INVALID_STATE):
        assert html.count("<code>/questetra connect</code>") == 2  # once per language


def test_failed_install_links_to_the_install_page_and_nothing_else() -> None:
    url = "https://bot.test/slack/install?a=1&b=2"
    html = install_failed_page("invalid_state", install_url=url)
    link = '<a href="https://bot.test/slack/install?a=1&amp;b=2">'
    assert html.count(link) == 2
    # A reason from the redirect's query string stays text, even when it looks like a URL.
    odd = install_failed_page('https://evil.test/"x', install_url=url)
    assert "evil.test" in odd and 'href="https://evil.test' not in odd and '"x' not in odd
    assert front_page(install_url=url).count(link) == 2
