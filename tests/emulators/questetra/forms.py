"""Task forms: ``GET /API/PE/Workitem/Form/viewXml`` and ``POST /API/PE/Workitem/Form/save``.

The form XML is in :mod:`.form_xml`; what the sources leave open is switchable in
``state.form`` (:class:`.form_settings.FormSettings`). ``Form/save`` ([PG-task]; [SWG]):
``workitemId``, ``title`` (only when the title is writable), one parameter per writable item
named by its ``var-name`` with Message Start Event values, ``flow`` (a ``flow-id``; required when
``user-selects`` is not empty, refused otherwise), ``saveOnly``, ``qgroupId`` (required when the
operator holds several executing roles). The answer is always
``<result success="true|false">`` with ``<errors>`` (not tied to an item) and
``<process-data-validation-errors>`` keyed by parameter name, at ``state.form.failure_status``
when it failed. Someone else's task: 401 (C4). Every answered save is logged in
``state.form_saves``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .apibase import ApiError, endpoint, int_param
from .auth import Principal
from .form_settings import FormSave
from .form_xml import WRITABLE, accessibility, add, form_xml, required, roles_of
from .model import Field, FileValue, Workitem
from .params import Params
from .state import EmulatorState
from .values import DataError, parse_inputs

_FORM_PARAMS = {"workitemId", "title", "flow", "saveOnly", "qgroupId"}
Entries = list[tuple[str, str]]


def routes(state: EmulatorState) -> list[Route]:
    return [
        Route("/API/PE/Workitem/Form/viewXml", endpoint(state, view_xml), methods=["GET", "POST"]),
        # Not ``write=True``: the refusal of a read-only token or edition is switchable here.
        Route("/API/PE/Workitem/Form/save", endpoint(state, save), methods=["POST"]),
    ]


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _unauthorized() -> Response:
    # The same bare 401 as a bad credential: only Quser/self tells the two apart.
    return PlainTextResponse("Unauthorized", status_code=401)


def _xml(body: str, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type="text/xml;charset=UTF-8")


def _relation(item: Workitem | None, me: Principal) -> str:
    """``mine`` (allocated, open), ``offered``, ``was_mine`` (ended or offered before), ``other``."""
    if item is None:
        return "gone"
    uid = me.user.id
    if item.state == "ALLOCATED" and item.allocated_user_id == uid:
        return "mine"
    if item.state == "OFFERED" and uid in item.offered_to:
        return "offered"
    if item.allocated_user_id == uid or (item.state == "ENDED" and uid in item.offered_to):
        return "was_mine"
    return "other"


def view_xml(state: EmulatorState, me: Principal, params: Params) -> Response:
    workitem_id = int_param(params, "workitemId")
    item = state.db.workitems.get(workitem_id) if workitem_id is not None else None
    relation = _relation(item, me)
    if item is None or relation in ("other", "gone", "was_mine"):
        return _unauthorized()
    if relation == "offered" and not state.form.offered_form:
        return _unauthorized()
    return _xml(form_xml(state, item, me.user))


def save(state: EmulatorState, me: Principal, params: Params) -> Response:
    settings = state.form
    if not me.can_write or state.edition.lower() != "professional":
        status = settings.write_refusal_status
        if status == 401:
            return _unauthorized()
        reason = "scope" if not me.can_write else "edition"
        return ApiError("FORBIDDEN", reason, state.edition, status).response()
    workitem_id = int_param(params, "workitemId")
    item = state.db.workitems.get(workitem_id) if workitem_id is not None else None
    try:
        errors, invalid = _save(state, me, item, params)
    except _Refused as refused:
        _log(state, me, workitem_id, params, refused.response.status_code, False, [])
        return refused.response
    success = not errors and not invalid
    status = 200 if success else settings.failure_status
    _log(state, me, workitem_id, params, status, success, [*errors, *invalid])
    return _xml(_result(errors, invalid), status)


def _log(
    state: EmulatorState,
    me: Principal,
    workitem_id: int | None,
    params: Params,
    status: int,
    success: bool,
    errors: Entries,
) -> None:
    state.db.form_saves.append(
        FormSave(workitem_id, me.user.email, params.as_text_pairs(), status, success, errors)
    )


def _refuse_task(state: EmulatorState, key: str, detail: str) -> tuple[Entries, Entries]:
    if state.form.task_refusal == "401":
        raise _Refused(_unauthorized())
    return [(key, detail)], []


def _save(
    state: EmulatorState, me: Principal, item: Workitem | None, params: Params
) -> tuple[Entries, Entries]:
    relation = _relation(item, me)
    if relation == "other":
        raise _Refused(_unauthorized())
    if item is None:
        return _refuse_task(state, "workitemId", "The task does not exist.")
    if relation == "was_mine":
        return _refuse_task(state, "workitemId", "The task has already been processed.")
    if relation == "offered":
        return _refuse_task(state, "workitemId", "Accept the task before processing it.")
    process = state.db.processes[item.process_instance_id]
    app = state.db.apps[process.app_id]
    save_only = (params.get("saveOnly") or "").strip().lower() == "true"
    errors: Entries = []
    flow = _flow(item, params, save_only, errors)
    role = _role(state, item, me, params, errors)
    writable = {f.param: f for f in app.fields if f.visible and accessibility(item, f) == WRITABLE}
    invalid: Entries = [
        (name, "Not an editable data item of this task.")
        for name in params.names()
        if name not in _FORM_PARAMS and name not in writable
    ]
    if params.get("title") is not None and not item.title_editable:
        invalid.append(("title", "The title is not editable in this task."))
    changes: dict[int, object] = {}
    for name, fld in writable.items():
        if name in params.names():
            try:
                changes[fld.number] = _parse(state, fld, params, process.data.get(fld.number))
            except DataError as exc:
                invalid.append((name, str(exc)))
        elif state.form.omitted_items == "clear" and fld.type not in ("DISCUSSION", "FILE"):
            changes[fld.number] = None
    if not save_only or state.form.save_only_checks_required:
        merged = {**process.data, **changes}
        bad = {key for key, _ in invalid}
        invalid += [
            (name, "Required data is missing.")
            for name, fld in writable.items()
            if required(item, fld) and merged.get(fld.number) in (None, [], "") and name not in bad
        ]
    if errors or invalid:
        return errors, invalid
    process.data.update(changes)
    title = params.get("title")
    if title:
        process.title = title
    if not save_only:
        item.state = "ENDED"
        item.ended_at = state.clock.now()
        item.chosen_flow = item.flows[item.flow_ids.index(flow)] if flow is not None else None
        item.executed_as = role
    return [], []


def _parse(state: EmulatorState, fld: Field, params: Params, current: object) -> object:
    sent = params.values(fld.param)
    if (
        fld.type == "FILE"
        and isinstance(current, list)
        and sent
        and all(isinstance(v, str) for v in sent)
    ):
        # "the id of an already uploaded file" ([R2210], §4.3): the item keeps those files.
        kept = [f for f in current if isinstance(f, FileValue) and str(f.id) in sent]
        if len(kept) != len(set(sent)):
            raise DataError("Unknown file id.")
        return kept or None
    value = parse_inputs(fld, sent, state)
    if isinstance(value, Decimal) and fld.scale is not None:
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > fld.scale:
            raise DataError(f"Up to {fld.scale} decimal places are allowed.")
    if fld.type == "DISCUSSION":
        # One comment, appended to the discussion rather than replacing it ([R2210]).
        if value is None:
            return current
        return f"{current}\n{value}" if current else value
    return value


def _flow(item: Workitem, params: Params, save_only: bool, errors: Entries) -> int | None:
    raw = params.get("flow")
    if raw is None or raw == "":
        if item.flow_ids and not save_only:
            errors.append(("flow", "Choose how to finish the task."))
        return None
    if not item.flow_ids:
        errors.append(("flow", "This task has no choice of flow."))
        return None
    try:
        flow = int_param(params, "flow")
    except ApiError:
        flow = None
    if flow not in item.flow_ids:
        errors.append(("flow", raw))
        return None
    return flow


def _role(
    state: EmulatorState, item: Workitem, me: Principal, params: Params, errors: Entries
) -> int | None:
    roles = roles_of(state, item, me.user)
    raw = params.get("qgroupId")
    if raw is None or raw == "":
        if len(roles) > 1:
            errors.append(("qgroupId", "Choose the position to process this task as."))
            return None
        return roles[0]
    try:
        role = int_param(params, "qgroupId")
    except ApiError:
        role = None
    if role not in roles:
        errors.append(("qgroupId", raw))
        return None
    return role


def _result(errors: Entries, invalid: Entries) -> str:
    root = ET.Element("result", success="false" if errors or invalid else "true")
    for tag, entries in (("errors", errors), ("process-data-validation-errors", invalid)):
        if entries:
            group = ET.SubElement(root, tag)
            for key, detail in entries:
                error = ET.SubElement(group, "error")
                add(error, "key", key)
                add(error, "detail", detail)
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + ET.tostring(
        root, encoding="unicode"
    )
