"""Message catalogs (English, Japanese), chosen by the Slack user's locale.

Catalogs are plain dicts of ``str.format`` templates; tests check that both languages have the same
keys and the same placeholders, so a missing translation fails CI instead of reaching a user.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import admin, alerts, en, ja, load, start, tasks

# Feature catalogs: each module holds EN and JA dicts for one feature, so a feature's texts
# live in one file. Keys must not collide across modules (tests/unit/test_i18n.py).
FEATURE_CATALOGS: tuple[object, ...] = (tasks, start, alerts, admin, load)


def _merge(language: str, base: dict[str, str]) -> dict[str, str]:
    merged = dict(base)
    for module in FEATURE_CATALOGS:
        merged.update(getattr(module, language.upper()))
    return merged


CATALOGS: dict[str, dict[str, str]] = {
    "en": _merge("en", en.MESSAGES),
    "ja": _merge("ja", ja.MESSAGES),
}
DEFAULT_LANGUAGE = "en"


def language_of(locale: str | None) -> str:
    """Map a Slack locale (``ja-JP``, ``en-US``, ``fr-FR`` …) to a catalog language."""
    if locale:
        code = locale.replace("_", "-").split("-", 1)[0].lower()
        if code in CATALOGS:
            return code
    return DEFAULT_LANGUAGE


def t(locale: str | None, key: str, /, **params: Any) -> str:
    """The message ``key`` in the language of ``locale``, formatted with ``params``."""
    catalog = CATALOGS[language_of(locale)]
    template = catalog.get(key) or CATALOGS[DEFAULT_LANGUAGE][key]
    return template.format(**params) if params else template
