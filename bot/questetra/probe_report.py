"""The conformance probe's report: what was checked, what came back (as shapes), and what the
bot does about each difference. Pure: building and rendering, no I/O.

Nothing in a report is a value from the tenant. Findings carry i18n keys, counts, HTTP statuses,
and lines produced by the shape functions only (``contract.outline``, ``values.shape_of``,
:func:`safe_word`), so a report can be attached to a support request as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.i18n import t

_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,40}$")
_MEDIA = re.compile(r"^[a-z]+/[a-z0-9.+\-]{1,60}$")
INDENT = "      "


class Status(StrEnum):
    OK = "ok"
    MISMATCH = "mismatch"  # differs from what the bot expects: the effect says what happens
    INFO = "info"  # learned something the sources leave open; nothing to fix
    SKIPPED = "skipped"  # could not be checked here (nothing to look at, or not asked for)
    FAILED = "failed"  # the call itself failed


@dataclass(frozen=True)
class Finding:
    key: str  # i18n key of what was checked
    status: Status
    lines: tuple[str, ...] = ()  # observed shapes, language-neutral
    effect: str | None = None  # i18n key: what the bot does about it
    params: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    key: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Report:
    sections: tuple[Section, ...]
    checks_run: bool = False

    def count(self, *statuses: Status) -> int:
        return sum(1 for s in self.sections for f in s.findings if f.status in statuses)

    @property
    def clean(self) -> bool:
        return self.count(Status.MISMATCH, Status.FAILED) == 0


def safe_word(text: object) -> str:
    """A vocabulary word (``STRING_TEXTFIELD``, ``InvalidId``) as is; anything else hidden."""
    return text if isinstance(text, str) and _WORD.match(text) else "(other)"


def media_type(header: str | None) -> str:
    value = (header or "").split(";", 1)[0].strip().lower()
    return value if _MEDIA.match(value) else "(none)" if not value else "(other)"


def word_class(text: object) -> str:
    """How an error code looks, not what it is: digits, UPPER_SNAKE, CamelCase, other."""
    if not isinstance(text, str) or not text:
        return "empty" if text in ("", None) else "not a string"
    if text.isdigit():
        return "digits"
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", text):
        return "UPPER_SNAKE"
    if re.fullmatch(r"[A-Z][A-Za-z0-9]*", text):
        return "CamelCase"
    return "other"


def render(report: Report, locale: str | None) -> str:
    """The report as plain text in the operator's language (``ja`` or ``en``)."""
    out = [t(locale, "probe.title"), "=" * 60, t(locale, "probe.intro"), ""]
    for number, section in enumerate(report.sections, 1):
        out.append(f"{number}. {t(locale, section.key)}")
        for finding in section.findings:
            out.extend(_finding(locale, finding))
        out.append("")
    if not report.checks_run:
        out.append(t(locale, "probe.checks_not_run"))
    out.append(
        t(
            locale,
            "probe.summary",
            ok=report.count(Status.OK, Status.INFO),
            mismatches=report.count(Status.MISMATCH),
            failed=report.count(Status.FAILED),
            skipped=report.count(Status.SKIPPED),
        )
    )
    return "\n".join(out) + "\n"


def _finding(locale: str | None, finding: Finding) -> Sequence[str]:
    label = t(locale, f"probe.status.{finding.status.value}")
    lines = [f"  [{label}] {t(locale, finding.key, **finding.params)}"]
    lines.extend(f"{INDENT}{line}" for line in finding.lines)
    if finding.effect:
        lines.append(f"{INDENT}→ {t(locale, finding.effect, **finding.params)}")
    return lines
