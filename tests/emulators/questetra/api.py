"""``/API/...`` JSON endpoints: users, tasks, processes, startable activities.

Handlers run with ``state.lock`` held (see ``apibase.endpoint``).
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from . import criteria, serialize
from .apibase import ApiError, Handler, QJSONResponse, endpoint, int_param, paging, required_int
from .auth import Principal
from .model import Workitem
from .params import Params
from .state import EmulatorState


def routes(state: EmulatorState) -> list[Route]:
    def get(path: str, handler: Handler) -> Route:
        return Route(path, endpoint(state, handler), methods=["GET"])

    return [
        get("/API/User/Quser/self", quser_self),
        get("/API/User/Quser/find", quser_find),
        get("/API/PE/Workitem/listAllocated", list_allocated),
        get("/API/PE/Workitem/listOffered", list_offered),
        Route(
            "/API/PE/Workitem/batchAccept",
            endpoint(state, batch_accept, write=True),
            methods=["POST"],
        ),
        get("/API/OR/ProcessInstance/view", process_view),
        get("/API/OR/ProcessInstance/list", process_list),
        get("/API/OR/Workitem/list", workitem_list),
        get("/API/PE/ProcessModel/listStartable", list_startable),
    ]


def quser_self(state: EmulatorState, me: Principal, params: Params) -> Response:
    return QJSONResponse({"quser": serialize.quser(me.user)})


def quser_find(state: EmulatorState, me: Principal, params: Params) -> Response:
    user_id = int_param(params, "id")
    email = params.get("email")
    if user_id is not None:
        user = state.db.users.get(user_id)
        if user is None:
            raise ApiError("QUSER_NOT_FOUND", "id", user_id)
    elif email:
        user = state.user_by_email(email)
        if user is None:
            raise ApiError("QUSER_NOT_FOUND", "email", email)
    else:
        raise ApiError("MISSING_PARAMETER", "id", "")
    return QJSONResponse({"quser": serialize.quser(user)})


def _newest_first(items: list[Workitem]) -> list[Workitem]:
    return sorted(items, key=lambda w: (w.offered_at or w.started_at, w.id), reverse=True)


def _page_of_workitems(state: EmulatorState, items: list[Workitem], params: Params) -> Response:
    limit, start = paging(params)
    ordered = _newest_first(items)
    page = [serialize.workitem(state, w) for w in ordered[start : start + limit]]
    return QJSONResponse({"count": len(ordered), "workitems": page})


def list_allocated(state: EmulatorState, me: Principal, params: Params) -> Response:
    mine = [
        w
        for w in state.db.workitems.values()
        if w.state == "ALLOCATED" and w.allocated_user_id == me.user.id
    ]
    return _page_of_workitems(state, mine, params)


def list_offered(state: EmulatorState, me: Principal, params: Params) -> Response:
    offered = [
        w
        for w in state.db.workitems.values()
        if w.state == "OFFERED" and me.user.id in w.offered_to
    ]
    return _page_of_workitems(state, offered, params)


def batch_accept(state: EmulatorState, me: Principal, params: Params) -> Response:
    raw_ids = params.getlist("workitemIds")
    if not raw_ids:
        raise ApiError("MISSING_PARAMETER", "workitemIds", "")
    ids = []
    for raw in raw_ids:
        if not raw.strip().lstrip("-").isdigit():
            raise ApiError("INVALID_PARAMETER", "workitemIds", raw)
        ids.append(int(raw))
    results = [_accept(state, me, wid) for wid in ids]
    return QJSONResponse({"results": results})


def _accept(state: EmulatorState, me: Principal, workitem_id: int) -> dict[str, object]:
    item = state.db.workitems.get(workitem_id)
    if item is None:
        code = "WORKITEM_NOT_FOUND"
    elif item.state == "ENDED":
        code = "WORKITEM_ALREADY_ENDED"
    elif item.state == "ALLOCATED":
        code = "WORKITEM_ALREADY_ALLOCATED"
    elif me.user.id not in item.offered_to:
        code = "WORKITEM_NOT_OFFERED"
    else:
        # The first accept wins: the task leaves everybody else's Offered list.
        item.state = "ALLOCATED"
        item.allocated_user_id = me.user.id
        item.allocated_at = state.clock.now()
        workitem = serialize.workitem(state, item)
        return {"success": True, "workitemId": workitem_id, "workitem": workitem, "error": None}
    error = {"errorCode": code, "type": "workitemId", "input": str(workitem_id)}
    return {"success": False, "workitemId": workitem_id, "workitem": None, "error": error}


def process_view(state: EmulatorState, me: Principal, params: Params) -> Response:
    process_id = required_int(params, "processInstanceId")
    process = state.db.processes.get(process_id)
    if process is None:
        raise ApiError("PROCESS_INSTANCE_NOT_FOUND", "processInstanceId", process_id)
    if not serialize.can_view(state, me.user, process):
        raise ApiError("FORBIDDEN", "processInstanceId", process_id, 403)
    app = state.db.apps[process.app_id]
    body = serialize.process_instance(state, process, serialize.all_numbers(app))
    return QJSONResponse({"processInstance": body})


def _criteria(
    state: EmulatorState, me: Principal, params: Params, *, workitems: bool
) -> criteria.Criteria:
    try:
        return criteria.parse(
            params.get("criteria"),
            me=me.user,
            now=state.clock.now(),
            tz=state.timezone,
            workitems=workitems,
        )
    except criteria.CriteriaError as exc:
        raise ApiError("INVALID_CRITERIA", exc.key, exc.value) from None


def process_list(state: EmulatorState, me: Principal, params: Params) -> Response:
    search = _criteria(state, me, params, workitems=False)
    limit, start = paging(params)
    found = [
        p
        for p in state.db.processes.values()
        if serialize.can_view(state, me.user, p) and search.matches_process(p)
    ]
    found.sort(key=lambda p: (p.started_at, p.id), reverse=True)
    page = [
        serialize.process_instance(state, p, search.fields) for p in found[start : start + limit]
    ]
    return QJSONResponse({"count": len(found), "processInstances": page})


def workitem_list(state: EmulatorState, me: Principal, params: Params) -> Response:
    """Tasks the user handled or is handling, with the data items asked for in ``fields``."""
    search = _criteria(state, me, params, workitems=True)
    limit, start = paging(params)
    found = [
        w
        for w in state.db.workitems.values()
        if serialize.is_mine(w, me.user)
        and search.matches_workitem(w, state.db.processes[w.process_instance_id])
    ]
    ordered = _newest_first(found)
    page = []
    for item in ordered[start : start + limit]:
        body = serialize.workitem(state, item)
        process = state.db.processes[item.process_instance_id]
        fields = search.fields
        body["data"] = (
            serialize.process_data(state, process, fields) if fields is not None else None
        )
        page.append(body)
    return QJSONResponse({"count": len(ordered), "workitems": page})


def list_startable(state: EmulatorState, me: Principal, params: Params) -> Response:
    limit, start = paging(params)
    category = params.get("category")
    query = (params.get("query") or "").lower()
    found = []
    for app in sorted(state.db.apps.values(), key=lambda a: a.id):
        if not app.active or (category and app.category != category):
            continue
        for event in sorted(app.start_events.values(), key=lambda e: e.node_number):
            if event.kind != "human" or (event.users is not None and me.user.id not in event.users):
                continue
            if query and query not in app.name.lower() and query not in event.name.lower():
                continue
            found.append(serialize.activity(app, event, state.timezone))
    return QJSONResponse({"count": len(found), "startableActivities": found[start : start + limit]})
