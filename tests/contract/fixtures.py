"""Loading the contract fixtures (tests/fixtures/questetra/, see its README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2

from bot.questetra import contract
from bot.questetra.contract import Spec

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "questetra"

# Fixture file -> the contract its body must meet.
CONTRACTS: dict[str, Spec] = {
    "quser_self.json": contract.QUSER,
    "workitem_list.json": contract.WORKITEM_LIST,
    "process_view.json": contract.PROCESS_VIEW,
    "process_list.json": contract.PROCESS_LIST,
    "startable.json": contract.STARTABLE,
    "errors_400.json": contract.ERRORS,
    "batch_accept_refused.json": contract.ACCEPT_RESULTS,
    "token.json": contract.TOKEN,
}


def load(name: str) -> dict[str, Any]:
    data = json.loads((ROOT / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data.get("source"), f"{name}: no source note"
    return data


def response(name: str, url: str = "https://tenant.example/API/x") -> httpx2.Response:
    """The fixture as the HTTP answer it stands for."""
    data = load(name)
    return httpx2.Response(
        data["status"],
        json=data["body"],
        headers={"content-type": "application/json;charset=UTF-8"},
        request=httpx2.Request("GET", url),
    )


def value_fixtures() -> list[dict[str, Any]]:
    return [load(f"values/{p.name}") for p in sorted((ROOT / "values").glob("*.json"))]


def token_error_fixtures() -> list[tuple[str, dict[str, Any]]]:
    return [
        (p.name, load(f"token_errors/{p.name}"))
        for p in sorted((ROOT / "token_errors").glob("*.json"))
    ]
