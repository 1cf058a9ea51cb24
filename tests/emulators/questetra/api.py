"""``/API/...`` JSON endpoints: users, tasks, processes, startable activities.

Handlers run with ``state.lock`` held (see ``apibase.endpoint``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.responses import Response
from starlette.routing import Route

from . import criteria, serialize
from .apibase import ApiError, Handler, QJSONResponse, endpoint, int_param, paging, required_int
from .auth import Principal
from .model import ProcessInstance, Workitem
from .params import Params
from .state import EmulatorState


def routes(state: EmulatorState) -> list[Route]:
    def get(path: str, handler: Handler) -> Route:
        # Read endpoints take POST with a form body too ([HULFT] table; [TITANIUM] POSTs them).
        return Route(path, endpoint(state, handler), methods=["GET", "POST"])

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
            raise ApiError("NOT_FOUND", "id", user_id)
    elif email:
        user = state.user_by_email(email)
        if user is None:
            raise ApiError("NOT_FOUND", "email", email)
    else:
        raise ApiError("MISSING_PARAMETER", "id", "")
    return QJSONResponse({"quser": serialize.quser(user)})


def _newest_first(items: list[Workitem]) -> list[Workitem]:
    return sorted(items, key=lambda w: (w.offered_at or w.started_at, w.id), reverse=True)


def _whole_list(state: EmulatorState, items: list[Workitem]) -> Response:
    """My Tasks and Offered: "This endpoint does not need any parameter" ([SWG]); real clients
    send none and get the whole list ([TITANIUM], [QTOOLS]). ``limit``/``start`` are ignored
    (E1); the ``list_cap`` switch caps the answer for a server that pages without ``start``."""
    ordered = _newest_first(items)
    cap = state.switches.list_cap
    shown = ordered if cap is None else ordered[:cap]
    return QJSONResponse(
        {"count": len(ordered), "workitems": [serialize.workitem(state, w) for w in shown]}
    )


def list_allocated(state: EmulatorState, me: Principal, params: Params) -> Response:
    mine = [
        w
        for w in state.db.workitems.values()
        if w.state == "ALLOCATED" and w.allocated_user_id == me.user.id
    ]
    return _whole_list(state, mine)


def list_offered(state: EmulatorState, me: Principal, params: Params) -> Response:
    offered = [
        w
        for w in state.db.workitems.values()
        if w.state == "OFFERED" and me.user.id in w.offered_to
    ]
    return _whole_list(state, offered)


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
    refused = [r["error"] for r in results if not r["success"]]
    if refused and state.switches.accept_refusal == "400":
        # The other reading of F3: the whole call fails with the errors envelope.
        return QJSONResponse({"errors": refused}, status_code=400)
    return QJSONResponse({"results": results})


def _accept(state: EmulatorState, me: Principal, workitem_id: int) -> dict[str, object]:
    item = state.db.workitems.get(workitem_id)
    if item is None:
        kind = "NOT_FOUND"
    elif item.state != "OFFERED" or me.user.id not in item.offered_to:
        kind = "ILLEGAL_STATE"  # ended, allocated already, or never offered to this user
    elif state.switches.accept_blocked:
        kind = "ILLEGAL_STATE"  # refused for a reason of Questetra's own; still offered
    else:
        # The first accept wins: the task leaves everybody else's Offered list.
        item.state = "ALLOCATED"
        item.allocated_user_id = me.user.id
        item.allocated_at = state.clock.now()
        workitem = serialize.workitem(state, item)
        return {"success": True, "workitemId": workitem_id, "workitem": workitem, "error": None}
    error = ApiError(kind, "workitemIds", workitem_id).body()
    return {"success": False, "workitemId": workitem_id, "workitem": None, "error": error}


def process_view(state: EmulatorState, me: Principal, params: Params) -> Response:
    process_id = required_int(params, "processInstanceId")
    process = state.db.processes.get(process_id)
    if process is None:
        raise ApiError("NOT_FOUND", "processInstanceId", process_id)
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
    found = _sorted(found, search, lambda p: p, state.switches.sort_keys)
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


T = TypeVar("T")


def _sorted(
    items: list[T],
    search: criteria.Criteria,
    process_of: Callable[[T], ProcessInstance],
    honour_keys: bool,
) -> list[T]:
    """The search lists' order: ``sortProperty`` / ``sortDirection`` from the criteria
    ([CRIT-JSON]). The default order is undocumented (H1); here it is the OLDEST first, so a
    client that forgets to sort sees old processes, not new ones. ``honour_keys=False``: a
    server that ignores the keys."""
    prop, direction = (search.sort_property, search.sort_direction) if honour_keys else (None, None)
    key = criteria.SORT_KEYS[prop or criteria.DEFAULT_SORT]

    def order(item: T) -> tuple[object, int]:
        process = process_of(item)
        return (key(process), process.id)

    return sorted(items, key=order, reverse=direction == "DESC")


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
