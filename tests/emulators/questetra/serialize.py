"""JSON shapes of the API answers (field names from Questetra's Swagger models).

Functions here expect ``state.lock`` to be held.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import tzinfo

from .model import App, Field, ProcessInstance, QUser, StartEvent, Workitem
from .state import EmulatorState
from .values import format_datetime, render_value


def quser(user: QUser) -> dict[str, object]:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "primaryQgroup": {"id": user.group.id, "name": user.group.name},
    }


def can_view(state: EmulatorState, user: QUser, process: ProcessInstance) -> bool:
    """Starter, app manager, or someone holding (or offered) one of its tasks."""
    app = state.db.apps.get(process.app_id)
    if process.starter_id == user.id or (app is not None and user.id in app.managers):
        return True
    return any(is_mine(item, user) for item in tasks_of(state, process))


def is_mine(item: Workitem, user: QUser) -> bool:
    """Allocated to the user (in any state), or offered to them and still open."""
    if item.allocated_user_id == user.id:
        return True
    return item.state == "OFFERED" and user.id in item.offered_to


def tasks_of(state: EmulatorState, process: ProcessInstance) -> list[Workitem]:
    return [w for w in state.db.workitems.values() if w.process_instance_id == process.id]


def active_node_names(state: EmulatorState, process: ProcessInstance) -> list[str]:
    names = [w.node_name for w in tasks_of(state, process) if w.state != "ENDED"]
    return list(dict.fromkeys(names))


def _process_fields(state: EmulatorState, process: ProcessInstance) -> dict[str, object]:
    app = state.db.apps[process.app_id]
    starter = state.db.users.get(process.starter_id) if process.starter_id else None
    group = state.db.groups.get(process.starter_group_id) if process.starter_group_id else None
    tz = state.timezone
    return {
        "processInstanceId": process.id,
        "processInstanceIdForView": f"p{process.id}",
        "processInstanceSequenceNumber": process.sequence_number,
        "processInstanceTitle": process.title,
        "processInstanceState": process.state,
        "processInstanceDebug": process.debug,
        "processInstanceStartDatetime": format_datetime(process.started_at, tz),
        "processInstanceEndDatetime": format_datetime(process.ended_at, tz),
        "processInstanceInitQuserId": starter.id if starter else None,
        "processInstanceInitQuserName": starter.name if starter else None,
        "processInstanceInitQgroupId": group.id if group else None,
        "processInstanceInitQgroupName": group.name if group else None,
        "processModelInfoId": app.id,
        "processModelInfoName": app.name,
        "processModelInfoCategory": app.category,
        "processModelVersion": process.version,
    }


def process_instance(
    state: EmulatorState, process: ProcessInstance, data_numbers: Collection[int] | None
) -> dict[str, object]:
    """``data_numbers``: which data items to include (None -> ``"data": null``)."""
    body = _process_fields(state, process)
    body["activeTokenNodeName"] = active_node_names(state, process)
    body["starred"] = process.starred
    body["data"] = process_data(state, process, data_numbers) if data_numbers is not None else None
    return body


def process_data(
    state: EmulatorState, process: ProcessInstance, numbers: Collection[int]
) -> dict[str, object]:
    """ProcessData keyed by the definition number as a string; hidden items are left out."""
    app = state.db.apps[process.app_id]
    return {
        str(f.number): _datum(state, process, f)
        for f in app.fields
        if f.visible and f.number in numbers
    }


def _datum(state: EmulatorState, process: ProcessInstance, fld: Field) -> dict[str, object]:
    return {
        "id": process.id * 1000 + fld.number,  # a data instance id, unique per (process, item)
        "name": fld.label,
        "processDataDefinitionNumber": fld.number,
        "dataType": fld.data_type,
        "subType": fld.api_sub_type,
        "viewOrder": fld.number,
        "value": render_value(fld, process.data.get(fld.number), state, state.switches.values),
    }


def all_numbers(app: App) -> list[int]:
    return [f.number for f in app.fields]


def workitem(state: EmulatorState, item: Workitem) -> dict[str, object]:
    """The full Workitem field set, in the order of questetra-api.md."""
    process = state.db.processes[item.process_instance_id]
    allocated = state.db.users.get(item.allocated_user_id) if item.allocated_user_id else None
    tz = state.timezone
    p = _process_fields(state, process)
    return {
        "id": item.id,
        "nodeName": item.node_name,
        "nodeNumber": item.node_number,
        "state": item.state,
        "offerDatetime": format_datetime(item.offered_at, tz),
        "allocateDatetime": format_datetime(item.allocated_at, tz),
        "allocatedQuserId": allocated.id if allocated else None,
        "allocatedQuserName": allocated.name if allocated else None,
        "allocatedQgroupId": allocated.group.id if allocated else None,
        "allocatedQgroupName": allocated.group.name if allocated else None,
        "startDatetime": format_datetime(item.started_at, tz),
        "endDatetime": format_datetime(item.ended_at, tz),
        "timeLimitDatetime": format_datetime(item.deadline, tz),
        "swimlaneType": item.swimlane_type,
        "failType": item.fail_type,
        "starred": item.starred,
        "read": item.read,
        "processInstanceId": p["processInstanceId"],
        "processInstanceIdForView": p["processInstanceIdForView"],
        "processInstanceSequenceNumber": p["processInstanceSequenceNumber"],
        "processInstanceTitle": p["processInstanceTitle"],
        "processInstanceState": p["processInstanceState"],
        "processInstanceDebug": p["processInstanceDebug"],
        "processInstanceStartDatetime": p["processInstanceStartDatetime"],
        "processInstanceEndDatetime": p["processInstanceEndDatetime"],
        "processInstanceInitQuserId": p["processInstanceInitQuserId"],
        "processInstanceInitQuserName": p["processInstanceInitQuserName"],
        "processInstanceInitQgroupId": p["processInstanceInitQgroupId"],
        "processInstanceInitQgroupName": p["processInstanceInitQgroupName"],
        "processModelInfoId": p["processModelInfoId"],
        "processModelInfoName": p["processModelInfoName"],
        "processModelInfoCategory": p["processModelInfoCategory"],
        "processModelVersion": p["processModelVersion"],
    }


def activity(app: App, event: StartEvent, tz: tzinfo) -> dict[str, object]:
    return {
        "id": app.id * 1000 + event.node_number,
        "nodeName": event.name,
        "nodeNumber": event.node_number,
        "processModelInfoId": app.id,
        "processModelInfoName": app.name,
        "processModelInfoCategory": app.category,
        "processModelInfoShortExplanation": app.short_explanation,
        "processModelVersion": app.version,
        "processModelId": app.id * 100 + app.version,  # changes with each version
        "processModelActivateDatetime": format_datetime(app.activated_at, tz),
        "processModelViewPriority": 0,
    }
