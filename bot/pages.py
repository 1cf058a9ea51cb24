"""The small HTML pages a browser sees after Questetra's consent screen (pure builders).

The browser may belong to anyone who holds the link, so the page shows both languages and
says nothing beyond the outcome.
"""

from __future__ import annotations

from html import escape

from bot.i18n import t
from bot.services.linking import Outcome

_STYLE = (
    "body{font-family:system-ui,-apple-system,'Hiragino Sans','Noto Sans JP',sans-serif;"
    "max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.6;color:#1d1c1d}"
    "h1{font-size:1.4rem}p{margin:.8rem 0}.en{color:#555}"
)


def outcome_page(outcome: Outcome, *, name: str = "", email: str = "") -> tuple[str, int]:
    """(HTML, status code) for the end of a consent attempt."""
    ok = outcome is Outcome.LINKED
    key = f"page.{outcome.value}"
    title_key = "page.title_ok" if ok else "page.title_failed"
    params = {"name": name, "email": email}
    paragraphs = "".join(
        f'<p lang="{lang}" class="{lang}">{escape(t(lang, key, **params))}</p>'
        for lang in ("ja", "en")
    )
    title = escape(f"{t('ja', title_key)} / {t('en', title_key)}")
    html = (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{'✅' if ok else '⚠️'} {title}</h1>{paragraphs}</body></html>"
    )
    status = 200 if outcome in (Outcome.LINKED, Outcome.DENIED) else 400
    return html, status
