"""Tasks (workitems) and process instances: the list, accept and view endpoints, parsed."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import httpx2

from bot.domain.tasks import (
    AcceptResult,
    DataItem,
    ListKind,
    ProcessSummary,
    ProcessView,
    Task,
)
from bot.questetra.api import QuestetraApi
from bot.questetra.errors import QuestetraProtocolError
from bot.questetra.values import read_value

PAGE_LIMIT = 1000  # the API's maximum; its default is 1, so always pass it
MAX_TASKS = 5000  # a safety stop for absurd lists
SORT_PROPERTY = "processInstanceStartDatetime"  # [CRIT-JSON]


def parse_datetime(value: Any) -> datetime | None:
    """``2024-05-01T10:00:00+0900`` (Questetra's form) or any ISO 8601 with an offset.

    ``fromisoformat`` reads the offset without a colon since Python 3.11, at a fortieth of
    ``strptime``'s cost (dates are parsed for every task of every list)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: JSON's 1e400 is inf
        return None


def _name(value: Any) -> str | None:
    """A person's name from Questetra: only a non-empty string counts."""
    return value if isinstance(value, str) and value else None


def parse_task(raw: Any, kind: ListKind) -> Task:
    if not isinstance(raw, dict):
        raise QuestetraProtocolError("workitem is not an object")
    workitem_id = _int(raw.get("id"))
    process_id = _int(raw.get("processInstanceId"))
    if workitem_id is None or process_id is None:
        raise QuestetraProtocolError("workitem without id or processInstanceId")
    return Task(
        id=workitem_id,
        name=str(raw.get("nodeName") or "?"),
        state=str(raw.get("state") or ""),
        kind=kind,
        process_id=process_id,
        process_seq=_int(raw.get("processInstanceSequenceNumber")),
        process_title=str(raw.get("processInstanceTitle") or ""),
        app_id=_int(raw.get("processModelInfoId")),
        app_name=str(raw.get("processModelInfoName") or ""),
        starter_name=_name(raw.get("processInstanceInitQuserName")),
        offered_at=parse_datetime(raw.get("offerDatetime")),
        allocated_at=parse_datetime(raw.get("allocateDatetime")),
        deadline=parse_datetime(raw.get("timeLimitDatetime")),
    )


def parse_process(raw: Any) -> ProcessView:
    body = raw.get("processInstance") if isinstance(raw, dict) else None
    if not isinstance(body, dict):
        raise QuestetraProtocolError("ProcessInstance/view answer without processInstance")
    process_id = _int(body.get("processInstanceId", body.get("id")))
    if process_id is None:
        raise QuestetraProtocolError("process instance without id")
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    items = []
    for key, datum in (data or {}).items():
        if not isinstance(datum, dict):
            continue
        number = _int(datum.get("processDataDefinitionNumber", key))
        items.append(
            DataItem(
                number=number if number is not None else 0,
                name=str(datum.get("name") or key),
                data_type=str(datum.get("dataType") or ""),
                sub_type=datum.get("subType") if isinstance(datum.get("subType"), str) else None,
                order=_int(datum.get("viewOrder")) or 0,
                value=read_value(str(datum.get("dataType") or ""), datum.get("value")),
            )
        )
    nodes = body.get("activeTokenNodeName")
    return ProcessView(
        id=process_id,
        seq=_int(body.get("processInstanceSequenceNumber")),
        title=str(body.get("processInstanceTitle") or ""),
        state=str(body.get("processInstanceState") or ""),
        app_name=str(body.get("processModelInfoName") or ""),
        starter_name=_name(body.get("processInstanceInitQuserName")),
        started_at=parse_datetime(body.get("processInstanceStartDatetime")),
        active_nodes=[str(n) for n in nodes] if isinstance(nodes, list) else [],
        data=sorted(items, key=lambda i: (i.order, i.number)),
    )


class TaskApi:
    def __init__(self, api: QuestetraApi) -> None:
        self._api = api

    async def list_tasks(self, auth: httpx2.Auth, kind: ListKind) -> list[Task]:
        """Every task of the list, each once.

        [SWG] says these lists take no parameter and real clients send none ([TITANIUM],
        [QTOOLS]); ``limit``/``start`` are sent anyway, in case a server caps a page. A server
        that ignores them answers the whole list each time: the loop stops as soon as a page
        adds no task it has not seen (questetra-fidelity.md E1), and never counts one twice."""
        path = (
            "API/PE/Workitem/listAllocated"
            if kind == "allocated"
            else "API/PE/Workitem/listOffered"
        )
        tasks: dict[int, Task] = {}
        offset = 0
        while len(tasks) < MAX_TASKS:
            body = await self._api.call(
                "GET", path, auth=auth, params={"limit": PAGE_LIMIT, "start": offset}
            )
            items = body.get("workitems") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise QuestetraProtocolError(f"{path}: no workitems list")
            before = len(tasks)
            for item in items:
                task = parse_task(item, kind)
                tasks.setdefault(task.id, task)
            offset += len(items)
            total = _int(body.get("count"))
            if len(tasks) == before or total is None or offset >= total:
                break
        return list(tasks.values())

    async def accept(self, auth: httpx2.Auth, workitem_id: int) -> AcceptResult:
        body = await self._api.call(
            "POST", "API/PE/Workitem/batchAccept", auth=auth, data={"workitemIds": [workitem_id]}
        )
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list):
            raise QuestetraProtocolError("batchAccept answer without results")
        for result in results:
            if isinstance(result, dict) and _int(result.get("workitemId")) == workitem_id:
                error = result.get("error")
                code = error.get("errorCode") if isinstance(error, dict) else None
                return AcceptResult(workitem_id, bool(result.get("success")), code)
        raise QuestetraProtocolError("batchAccept answer without our workitem")

    async def process(self, auth: httpx2.Auth, process_id: int) -> ProcessView:
        body = await self._api.call(
            "GET",
            "API/OR/ProcessInstance/view",
            auth=auth,
            params={"processInstanceId": process_id},
        )
        return parse_process(body)


def parse_process_summary(raw: Any) -> ProcessSummary:
    if not isinstance(raw, dict):
        raise QuestetraProtocolError("process instance is not an object")
    process_id = _int(raw.get("processInstanceId", raw.get("id")))
    if process_id is None:
        raise QuestetraProtocolError("process instance without id")
    return ProcessSummary(
        id=process_id,
        seq=_int(raw.get("processInstanceSequenceNumber")),
        title=str(raw.get("processInstanceTitle") or ""),
        app_id=_int(raw.get("processModelInfoId")),
        app_name=str(raw.get("processModelInfoName") or ""),
        starter_name=_name(raw.get("processInstanceInitQuserName")),
        started_at=parse_datetime(raw.get("processInstanceStartDatetime")),
    )


class ProcessApi:
    """Process searches and the apps a user can start (for subscriptions)."""

    def __init__(self, api: QuestetraApi) -> None:
        self._api = api

    async def recent_processes(
        self, auth: httpx2.Auth, app_id: int, limit: int = 50, since: date | None = None
    ) -> list[ProcessSummary]:
        """The app's newest processes the user may see, newest first.

        The search's default order is undocumented (H1): the criteria ask for the newest first
        ([CRIT-JSON] ``sortProperty``/``sortDirection``) and, with ``since``, only for processes
        started that day or later (``processInstanceStartDateFrom``), so a server that ignored
        the sort would still answer with recent processes."""
        wanted: dict[str, object] = {
            "processModelInfoId": app_id,
            "sortProperty": SORT_PROPERTY,
            "sortDirection": "DESC",
        }
        if since is not None:
            wanted["processInstanceStartDateFrom"] = since.isoformat()
        criteria = json.dumps(wanted)
        body = await self._api.call(
            "GET",
            "API/OR/ProcessInstance/list",
            auth=auth,
            params={"criteria": criteria, "limit": limit, "start": 0},
        )
        items = body.get("processInstances") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise QuestetraProtocolError("ProcessInstance/list answer without processInstances")
        return sorted((parse_process_summary(i) for i in items), key=lambda p: p.id, reverse=True)

    async def startable_apps(self, auth: httpx2.Auth) -> dict[int, str]:
        body = await self._api.call(
            "GET",
            "API/PE/ProcessModel/listStartable",
            auth=auth,
            params={"limit": 1000, "start": 0},
        )
        items = body.get("startableActivities") if isinstance(body, dict) else None
        apps: dict[int, str] = {}
        for item in items if isinstance(items, list) else []:
            if (
                isinstance(item, dict)
                and (app_id := _int(item.get("processModelInfoId"))) is not None
            ):
                apps[app_id] = str(item.get("processModelInfoName") or app_id)
        return apps
