"""pyproject.toml lists packages explicitly (migrations ship as bot.migrations): keep it complete."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_bot_package_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "bot").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    found |= {"bot.migrations", "bot.migrations.versions"}
    assert found == listed
