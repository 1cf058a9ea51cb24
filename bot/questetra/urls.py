"""Web pages a person opens in Questetra. The paths are INFERRED (questetra-api.md §3): they live
in this one place so they are easy to fix."""

from __future__ import annotations

from urllib.parse import urlencode


def task_url(base_url: str, workitem_id: int) -> str:
    return f"{base_url}PE/Workitem/Form/view?{urlencode({'workitemId': workitem_id})}"


def process_url(base_url: str, process_instance_id: int) -> str:
    return (
        f"{base_url}OR/ProcessInstance/view?{urlencode({'processInstanceId': process_instance_id})}"
    )


def my_tasks_url(base_url: str) -> str:
    return f"{base_url}PE/Workitem/list"
