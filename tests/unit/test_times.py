"""Times right in every form (issue #15 item 7): Questetra's ``+0900`` times reach Slack as the
same moment; the ``<!date^…|fallback>`` fallback prints the time in the zone it names, whether
that is the reader's zone or UTC; the alert payload keeps the moment through its JSON."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.alerts import task_from_json, task_to_json
from bot.questetra.tasks import parse_task
from bot.questetra.urls import QuestetraLinks
from bot.slack.alert_blocks import alert_message
from bot.slack.render import finish_message
from bot.slack.task_blocks import task_card

LINKS = QuestetraLinks("https://acme.questetra.test/")
RAW = {
    "id": 9,
    "processInstanceId": 90,
    "nodeName": "Approve",
    "processModelInfoName": "Expense",
    "processInstanceTitle": "Trip",
    "offerDatetime": "2026-11-27T18:00:00+0900",  # 09:00 UTC
    "timeLimitDatetime": "2026-11-28T00:30:00+0900",  # 15:30 UTC the day before
}
MOMENT = int(datetime(2026, 11, 27, 9, 0, tzinfo=UTC).timestamp())
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
DATE = re.compile(r"<!date\^(\d+)\^[^|]*\|([^>]*)>")


def dates(payload: object) -> list[tuple[int, str]]:
    return [(int(s), fallback) for s, fallback in DATE.findall(str(payload))]


@pytest.mark.parametrize(
    ("tz", "offered", "deadline"),
    [
        (None, "2026-11-27 09:00 UTC", "2026-11-27 15:30 UTC"),
        (ZoneInfo("Asia/Tokyo"), "2026-11-27 18:00 UTC+09:00", "2026-11-28 00:30 UTC+09:00"),
        (ZoneInfo("America/New_York"), "2026-11-27 04:00 UTC-05:00", "2026-11-27 10:30 UTC-05:00"),
    ],
)
def test_a_plus_0900_time_is_the_same_moment_and_its_fallback_tells_its_zone(
    tz, offered, deadline
) -> None:
    task = parse_task(RAW, "offered")
    assert task.offered_at is not None and task.offered_at.utcoffset() is not None
    blocks = finish_message({"text": "x", "blocks": task_card("en-US", LINKS, task, NOW, tz=tz)})
    found = dates(blocks)
    assert (MOMENT, offered) in found
    assert (MOMENT + 6 * 3600 + 30 * 60, deadline) in found
    # Never a +0900 wall time labelled UTC (the bug this guards against).
    assert not any(fallback.startswith("2026-11-27 18:00 UTC") and "+09" not in fallback
                   for _, fallback in found)  # fmt: skip


def test_the_alert_payload_keeps_the_moment_through_json() -> None:
    task = parse_task(RAW, "offered")
    again = task_from_json(task_to_json(task))
    assert again.offered_at == task.offered_at and again.deadline == task.deadline
    _text, blocks = alert_message("ja-JP", LINKS, again, NOW, tz=ZoneInfo("Asia/Tokyo"))
    assert (MOMENT, "2026-11-27 18:00 UTC+09:00") in dates(blocks)
