from __future__ import annotations

import string

import pytest

from bot.i18n import CATALOGS, language_of, t


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_has_the_same_keys() -> None:
    english = set(CATALOGS["en"])
    for language, catalog in CATALOGS.items():
        assert set(catalog) == english, f"{language}: {set(catalog) ^ english}"


def test_every_translation_has_the_same_placeholders() -> None:
    for key, template in CATALOGS["en"].items():
        for language, catalog in CATALOGS.items():
            assert _placeholders(catalog[key]) == _placeholders(template), (language, key)


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("ja-JP", "ja"),
        ("ja_JP", "ja"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("fr-FR", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_language_of_slack_locale(locale: str | None, language: str) -> None:
    assert language_of(locale) == language


def test_formats_parameters() -> None:
    assert (
        t("ja-JP", "command.see_help", command="/q")
        == "`/q help` と入力すると、できることをすべて表示します。"
    )
    assert "`/q help`" in t("en-US", "command.see_help", command="/q")


def test_feature_catalogs_do_not_collide() -> None:
    from bot.i18n import FEATURE_CATALOGS, en

    seen = set(en.MESSAGES)
    for module in FEATURE_CATALOGS:
        keys = set(module.EN)  # type: ignore[attr-defined]
        assert not keys & seen, (module, keys & seen)
        assert set(module.JA) == keys, module  # type: ignore[attr-defined]
        seen |= keys
