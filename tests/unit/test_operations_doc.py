"""docs/operations.md and docs/operations.ja.md have a troubleshooting row for every message the
bridge prints to operators: settings problems, `check` failures, `serve`'s start-up lines and
warnings, and every warning or error event it logs. The messages are read from the code, so a new
message without a row fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("docs/operations.md", "docs/operations.ja.md")


def _text(node: ast.AST) -> str:
    """The longest literal piece of a string or f-string: the part of a message that is fixed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.strip()
    if isinstance(node, ast.JoinedStr):
        pieces = [v.value for v in node.values if isinstance(v, ast.Constant)]
        return max(pieces, key=len).strip(" :(),") if pieces else ""
    if isinstance(node, ast.BinOp):  # "…" + "…" or implicit concatenation spread over lines
        return max((_text(node.left), _text(node.right)), key=len)
    return ""


def _calls(path: str) -> list[ast.Call]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_false(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is False


def operator_messages() -> list[str]:
    found: list[str] = []
    for path in ("bot/checks.py", "bot/startup.py"):
        for call in _calls(path):
            args = call.args
            if _name(call) == "CheckResult" and len(args) == 3 and _is_false(args[1]):
                found.append(_text(args[2]))
            if _name(call) == "StartupError" and args:
                found.append(_text(args[0]))
    for call in _calls("bot/questetra/client.py"):
        if _name(call) == "ProbeResult" and len(call.args) == 2 and _is_false(call.args[0]):
            found.append(_text(call.args[1]))
    for call in _calls("bot/__main__.py"):
        if _name(call) == "print" and any(k.arg == "file" for k in call.keywords) and call.args:
            found.append(_text(call.args[0]))
    for call in _calls("bot/config.py"):
        if _name(call) in ("ValueError", "append") and call.args:
            found.append(_text(call.args[0]))
    return sorted({m for m in found if len(m) >= 8})


def logged_events() -> list[str]:
    events = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for call in _calls(str(path.relative_to(ROOT))):
            func = call.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in ("warning", "error", "exception", "critical")
                and isinstance(func.value, ast.Name)
                and func.value.id == "log"
                and call.args
                and isinstance(call.args[0], ast.Constant)
            ):
                events.add(str(call.args[0].value))
    return sorted(events)


SETTINGS_PHRASES = (
    "is required",
    "is a placeholder, not a real value",
    "must be a whole number",
    "must be at least",
    "must be at most",
    "must be true or false",
    "is not one of the allowed values",
    "is not a valid value",
)


@pytest.mark.parametrize("doc", DOCS)
def test_every_message_has_a_row(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    table = text.split("## ", 1)[1]
    missing = [m for m in operator_messages() + list(SETTINGS_PHRASES) if m not in table]
    assert not missing, missing
    missing_events = [e for e in logged_events() if f"`{e}`" not in table]
    assert not missing_events, missing_events


@pytest.mark.parametrize("doc", DOCS)
def test_every_setting_is_explained(doc: str) -> None:
    from bot.config import HINTS

    text = (ROOT / doc).read_text(encoding="utf-8")
    assert all(f"`{name}`" in text for name in HINTS), [n for n in HINTS if f"`{n}`" not in text]


def test_the_collector_finds_messages() -> None:
    messages = operator_messages()
    assert any("check QUESTETRA_CLIENT_ID and QUESTETRA_CLIENT_SECRET" in m for m in messages)
    assert any("are both set" in m for m in messages)
    assert "startup.problem" in logged_events()
