"""The small HTML pages a browser sees (pure builders): the front page, the end of a Questetra
consent, and the "Add to Slack" install pages that replace Bolt's English-only ones.

The browser may belong to anyone who holds the link, so every page shows both languages and
says nothing beyond the outcome.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from bot.i18n import t
from bot.services.linking import Outcome

_STYLE = (
    "body{font-family:system-ui,-apple-system,'Hiragino Sans','Noto Sans JP',sans-serif;"
    "max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.6;color:#1d1c1d}"
    "h1{font-size:1.4rem}p{margin:.8rem 0}.en{color:#555}"
    "code{font-size:.9em;background:#f4f4f4;border-radius:3px;padding:0 .25em}"
    "a.button{display:inline-block;padding:.6rem 1.2rem;border-radius:6px;background:#4a154b;"
    "color:#fff;text-decoration:none;font-weight:600}"
)
_LANGUAGES = ("ja", "en")


def _page(title_key: str, body: str, *, icon: str = "") -> str:
    title = escape(f"{t('ja', title_key)} / {t('en', title_key)}")
    heading = f"{icon} {title}" if icon else title
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{heading}</h1>{body}</body></html>"
    )


# The catalog texts are shared with Slack, where `…` is code: here it becomes <code>. Both
# substitutions run on escaped text, so no quote or angle bracket of the text survives into markup.
_CODE = re.compile(r"`([^`\n]+)`")


def _html_text(text: str, link: str | None) -> str:
    html = _CODE.sub(r"<code>\1</code>", escape(text))
    if link:  # the bridge's own URL named in the sentence (never a parameter someone else chose)
        target = escape(link)
        html = html.replace(target, f'<a href="{target}">{target}</a>')
    return html


def _paragraphs(key: str, *, link: str | None = None, **params: Any) -> str:
    """The text ``key`` in Japanese, then English, each marked with its language; ``link``, a
    URL the text names, is made a link."""
    return "".join(
        f'<p lang="{lang}" class="{lang}">{_html_text(t(lang, key, **params), link)}</p>'
        for lang in _LANGUAGES
    )


def outcome_page(outcome: Outcome, *, name: str = "", email: str = "") -> tuple[str, int]:
    """(HTML, status code) for the end of a consent attempt."""
    ok = outcome is Outcome.LINKED
    title_key = "page.title_ok" if ok else "page.title_failed"
    html = _page(
        title_key,
        _paragraphs(f"page.{outcome.value}", name=name, email=email),
        icon="✅" if ok else "⚠️",
    )
    status = 200 if outcome in (Outcome.LINKED, Outcome.DENIED) else 400
    return html, status


def front_page(*, install_url: str | None) -> str:
    """``GET /``: what this server is and where to go (Slack, "Add to Slack", health)."""
    body = _paragraphs("web.root.what") + _paragraphs("web.root.use")
    if install_url is not None:
        body += _paragraphs("web.root.install", install_url=install_url, link=install_url)
    body += _paragraphs("web.root.operators")
    return _page("web.name", body)


def install_page(authorize_url: str) -> str:
    """``GET /slack/install``: one button to Slack's consent screen."""
    label = escape(f"{t('ja', 'web.install.button')} / {t('en', 'web.install.button')}")
    button = f'<p><a class="button" href="{escape(authorize_url)}">{label}</a></p>'
    return _page("web.install.title", _paragraphs("web.install.what") + button)


def installed_page(*, team: str, app_url: str, browser_url: str) -> str:
    """The end of a successful "Add to Slack": open the app in Slack."""
    label = escape(f"{t('ja', 'web.installed.open')} / {t('en', 'web.installed.open')}")
    links = (
        f'<p><a class="button" href="{escape(app_url)}">{label}</a> '
        f'<a href="{escape(browser_url)}">{escape(browser_url)}</a></p>'
    )
    return _page(
        "web.installed.title", _paragraphs("web.installed.text", team=team) + links, icon="✅"
    )


# Bolt's failure reasons (slack_bolt.oauth.async_oauth_flow.handle_callback) and Slack's own
# `error` values on the redirect, grouped by what the person can do about them.
_EXPIRED = ("invalid_browser", "invalid_state")
_STORAGE = ("storage_error",)


def install_failed_page(reason: str, *, install_url: str) -> str:
    """The end of a failed "Add to Slack", in words the installer can act on."""
    if reason == "access_denied":
        body = _paragraphs("web.failed.access_denied")
    elif reason in _EXPIRED:
        body = _paragraphs("web.failed.expired", install_url=install_url, link=install_url)
    elif reason == "team_not_allowed":
        body = _paragraphs("web.failed.team_not_allowed")
    elif reason in _STORAGE:
        body = _paragraphs("web.failed.storage")
    else:
        body = _paragraphs(
            "web.failed.slack", reason=reason[:60], install_url=install_url, link=install_url
        )
    return _page("web.failed.title", body, icon="⚠️")
