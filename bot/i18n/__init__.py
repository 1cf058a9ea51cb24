"""Message catalogs (English, Japanese), chosen by the Slack user's locale.

Catalogs are plain dicts of ``str.format`` templates; tests check that both languages have the same
keys and the same placeholders, so a missing translation fails CI instead of reaching a user.

Templates are trusted text that may use mrkdwn formatting (``*bold*``, `` `code` ``, ``_italic_``)
but never Slack's control sequences (``<@U…>``, ``<#C…>``, ``<url|label>``, ``<!…>``): anything live
is a parameter built by the rendering boundary (:mod:`bot.slack.render`: ``mention``, ``link``,
``date`` …). Parameters are data. :func:`t` returns a :class:`Text`: a ``str`` whose value is the plain
reading (for pages, logs, plain_text), which also keeps its template and parameters so that the
rendering boundary can render it as mrkdwn with every parameter escaped and the template kept.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import admin, alerts, demo, en, forms, ja, load, probe, questetra, start, tasks, web

# Feature catalogs: each module holds EN and JA dicts for one feature, so a feature's texts
# live in one file. Keys must not collide across modules (tests/unit/test_i18n.py).
FEATURE_CATALOGS: tuple[object, ...] = (
    tasks,
    start,
    alerts,
    admin,
    demo,
    questetra,
    probe,
    web,
    load,
    forms,
)


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


class Ref(str):
    """A Slack user (``U…``/``W…``) or conversation (``C…``/``G…``/``D…``) id given as a parameter
    by code that knows no Slack markup (services, errors): the rendering boundary shows it as a
    mention; its plain reading is ``@U…`` / ``#C…``."""

    @property
    def is_conversation(self) -> bool:
        return self[:1] in ("C", "G", "D")

    @property
    def plain(self) -> str:
        return ("#" if self.is_conversation else "@") + self


def plain_reading(value: Any) -> Any:
    """A parameter as plain text: trusted markup by its ``plain`` reading, lists joined."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(plain_reading(v)) for v in value)
    return getattr(value, "plain", value)


class Text(str):
    """A catalog message. Its ``str`` value is the plain reading (parameters as they are, trusted
    parameters by their ``plain`` reading); ``template`` and ``params`` let the rendering boundary
    (:func:`bot.slack.render.mrkdwn`) escape the parameters and keep the template's formatting.
    Concatenating it with other strings gives a plain ``str``: data, escaped whole when rendered."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, params: dict[str, Any]) -> Text:
        value = (
            template.format(**{k: plain_reading(v) for k, v in params.items()})
            if params
            else template
        )
        text = super().__new__(cls, value)
        text.template = template
        text.params = params
        return text


def t(locale: str | None, key: str, /, **params: Any) -> Text:
    """The message ``key`` in the language of ``locale``, formatted with ``params`` (see
    :class:`Text`; parameters are data, escaped when the text is rendered for Slack)."""
    catalog = CATALOGS[language_of(locale)]
    template = catalog.get(key) or CATALOGS[DEFAULT_LANGUAGE][key]
    return Text(template, params)
