"""Each benchmark end to end at a tiny size: do they still run and produce figures?

Run on demand: ``python -m pytest tests/bench -m bench``. Without ``-m bench`` these are skipped
(the ``bench`` marker alone would not deselect them: pyproject's addopts has no ``-m``).
Timings are never asserted here; the goals are judged in docs/benchmarks.md.
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.bench,
    pytest.mark.skipif(
        "'bench' not in config.getoption('markexpr') or 'not bench' in config.getoption('markexpr')",
        reason="benchmark smoke test: run with `python -m pytest tests/bench -m bench`",
    ),
]


def bench(name: str) -> Any:
    """Imported only when the smoke test really runs: a skipped run never imports the bot."""
    return importlib.import_module(f"tests.bench.{name}")


def test_ack(tmp_path: Path) -> None:
    ack = bench("ack")
    result = ack.main(
        [
            *("--levels", "1,2", "--duration", "0.5", "--max-requests", "20"),
            *("--users", "3", "--slow-requests", "4", "--slow-duration", "1"),
            *("--results", str(tmp_path / "ack.json")),
        ]
    )
    assert {(r["server"], r["kind"]) for r in result["levels"]} == {
        (server, kind) for server in ("bot", "bare") for kind in ack.KINDS
    }
    assert all(r["requests"] > 0 and r["errors"] == 0 for r in result["levels"])
    assert all(r["replies"] == r["requests"] for r in result["levels"] if r["server"] == "bot")
    assert result["slow_questetra"]["errors"] == 0
    assert (tmp_path / "ack.json").exists()


def test_answers(tmp_path: Path) -> None:
    result = bench("answers").main(
        [
            *("--rates", "5", "--duration", "1", "--burst", "10", "--users", "4"),
            *("--grace", "20", "--pause", "0", "--results", str(tmp_path / "answers.json")),
        ]
    )
    levels = result["levels"]
    assert {(lv["server"], lv["scenario"]) for lv in levels} == {
        (server, scenario) for server in ("bot", "peer") for scenario in ("burst", "poisson")
    }
    assert all(lv["answers"] == lv["sent"] and lv["lost"] == 0 for lv in levels)


def test_transport(tmp_path: Path) -> None:
    result = bench("transport").main(
        [
            *("--requests", "50", "--concurrency", "4", "--rounds", "1", "--users", "4"),
            *("--results", str(tmp_path / "transport.json")),
        ]
    )
    assert {r["kind"] for r in result["runs"]} == {"pool", "sharded", "aiohttp"}
    assert all(r["failures"] == 0 for r in result["runs"])


def test_queue_memory(tmp_path: Path) -> None:
    result = bench("queue_memory").main(
        ["--requests", "30", "--results", str(tmp_path / "queue.json")]
    )
    assert result["waiting"] >= 30
    assert result["rss_kib_per_request"] > 0 or result["traced_kib_per_request"] > 0


def test_poll(tmp_path: Path) -> None:
    result = bench("poll").main(["--users", "40", "--results", str(tmp_path / "poll.json")])
    assert result["bot"]["snapshots"] == 40
    assert result["bot"]["failures"] == 0
    assert result["ratio"] > 0


def test_alerts(tmp_path: Path) -> None:
    result = bench("alerts").main(
        ["--users", "4", "--tasks", "2", "--results", str(tmp_path / "alerts.json")]
    )
    assert result["poll"]["delivered"] == 2
    assert result["push"]["delivered"] == 2
    assert not math.isnan(result["push"]["p95_s"])


def test_memory(tmp_path: Path) -> None:
    result = bench("memory").main(
        ["--users", "50", "--within", "30", "--results", str(tmp_path / "memory.json")]
    )
    assert result["polled"] == 50
    assert result["vmhwm_kib"] > 0


def test_forms(tmp_path: Path) -> None:
    result = bench("forms").main(
        [
            *("--users", "40", "--tasks", "2", "--rounds", "1"),
            *("--results", str(tmp_path / "forms.json")),
        ]
    )
    runs = result["poll"]["runs"]
    assert [r["alert_task_buttons"] for r in runs] == [False, True]
    assert all(r["alerts"] == 4 and r["all_delivered"] for r in runs)
    assert [r["form_reads"] for r in runs] == [0, 4]
    assert all(r["delivered"] == 2 for r in result["latency"])
