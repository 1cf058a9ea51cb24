"""``python -m bot probe``: ask a real tenant what the public sources leave open.

Read calls only, as one linked user; with ``checks=True`` also the harmless one-off checks of
questetra-fidelity.md §6 (a refresh with a made-up token, an accept of a task id that cannot
exist, a start request to an app that cannot exist: none of them changes anything). Every answer
is judged by the same contract the tests hold the fixtures and the emulator to
(:mod:`bot.questetra.contract`), and reported as shapes (:mod:`bot.questetra.probe_report`).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2

from bot.questetra import answers, contract
from bot.questetra.answers import AnswerKind
from bot.questetra.contract import Spec
from bot.questetra.errors import QuestetraError
from bot.questetra.forms import parse_xml
from bot.questetra.oauth import TOKEN_PATH, QuestetraOAuth, classify_token_answer
from bot.questetra.probe_forms import judge_form
from bot.questetra.probe_report import (
    Finding,
    Report,
    Section,
    Status,
    media_type,
    safe_word,
    word_class,
)
from bot.questetra.values import recognized, shape_of

MAX_PROCESSES = 10  # process views read to collect value shapes
QUSER_SELF = "API/User/Quser/self"
LISTS = {"allocated": "API/PE/Workitem/listAllocated", "offered": "API/PE/Workitem/listOffered"}
IMPOSSIBLE_ID = 0  # no task, app or process has id 0 in a cloud tenant's id ranges
SORT = "processInstanceStartDatetime"


@dataclass
class _Seen:
    """What earlier steps found, for later ones (ids stay in memory, never in the report)."""

    allocated: list[dict[str, Any]]
    offered: list[dict[str, Any]]


# Judges one Form/viewXml answer (its body, the task asked for) with the bridge's own parser.
FormParser = Callable[[bytes, int], list[Finding]]


async def run_probe(
    http: httpx2.AsyncClient,
    auth: httpx2.Auth,
    *,
    checks: bool = False,
    oauth: QuestetraOAuth | None = None,
    task_url_is_default: bool = True,
    form_parser: FormParser = judge_form,
) -> Report:
    """Probe the tenant behind ``http`` (its base URL) as the user of ``auth``."""
    sections = [Section("probe.section.connection", (await _unauthenticated(http),))]
    me = await _get(http, QUSER_SELF, auth)
    who = _judge("probe.check.quser", me, contract.QUSER)
    sections.append(Section("probe.section.credential", (who,)))
    if who.status is Status.FAILED:
        return Report(tuple(sections), checks)
    seen = _Seen([], [])
    sections.append(Section("probe.section.lists", tuple(await _lists(http, auth, seen))))
    sections.append(Section("probe.section.values", tuple(await _values(http, auth, seen))))
    sections.append(Section("probe.section.search", tuple(await _search(http, auth, seen))))
    form = await _form(http, auth, seen, form_parser)
    sections.append(Section("probe.section.form", tuple(form)))
    sections.append(Section("probe.section.links", (_links(task_url_is_default),)))
    if checks:
        sections.append(Section("probe.section.checks", tuple(await _checks(http, auth, oauth))))
    return Report(tuple(sections), checks)


# ------------------------------------------------------------------ calls


async def _get(
    http: httpx2.AsyncClient, path: str, auth: httpx2.Auth | None, **params: Any
) -> httpx2.Response | Exception:
    try:
        if auth is None:
            return await http.get(path, params=params or None)
        return await http.get(path, params=params or None, auth=auth)
    except httpx2.HTTPError as exc:
        return exc


def _body(response: httpx2.Response | Exception, path: str) -> Any:
    """The JSON of a success, or None (the finding says why)."""
    if isinstance(response, Exception) or response.status_code != 200:
        return None
    try:
        return answers.json_body(path, response)
    except QuestetraError:
        return None


def _failure(key: str, response: httpx2.Response | Exception) -> Finding:
    if isinstance(response, Exception):
        return Finding(
            key,
            Status.FAILED,
            (f"no answer: {type(response).__name__}",),
            "probe.effect.unreachable",
        )
    code = response.status_code
    line = f"HTTP {code}, {media_type(response.headers.get('content-type'))}"
    if 300 <= code < 400 or (code < 300 and answers.is_web_page(response)):
        found = answers.classify(response)
        effect = (
            "probe.effect.base_url_redirect"
            if found.kind is AnswerKind.REDIRECT
            else "probe.effect.sign_in_in_front"
        )
        return Finding(key, Status.FAILED, (line, _where(response)), effect)
    effect = {401: "probe.effect.credential_refused", 403: "probe.effect.forbidden"}.get(
        code, "probe.effect.unreadable"
    )
    return Finding(key, Status.FAILED, (line,), effect)


def _where(response: httpx2.Response) -> str:
    target = answers.redirect_target(response)
    if not target:
        return "web page"
    same = httpx2.URL(target).host == response.request.url.host
    return f"redirect to {'the same host' if same else 'another host'}"


def _judge(key: str, response: httpx2.Response | Exception, spec: Spec, path: str = "") -> Finding:
    body = _body(response, path or key)
    if body is None:
        return _failure(key, response)
    mismatches = contract.check(spec, body)
    lines = tuple(f"{p}: {kind}" for p, kind in contract.outline(body)[1:40])
    if not mismatches:
        return Finding(key, Status.OK, lines)
    worst = next((m for m in mismatches if m.found == "missing"), mismatches[0])
    found = tuple(f"{m.path}: expected {m.expected}, found {m.found}" for m in mismatches[:12])
    return Finding(key, Status.MISMATCH, found + lines, worst.effect)


# ------------------------------------------------------------------ sections


async def _unauthenticated(http: httpx2.AsyncClient) -> Finding:
    """C3: what a call without credentials gets (undocumented)."""
    key = "probe.check.unauthenticated"
    response = await _get(http, QUSER_SELF, None)
    if isinstance(response, Exception):
        return _failure(key, response)
    code, ctype = response.status_code, media_type(response.headers.get("content-type"))
    line = f"HTTP {code}, {ctype}"
    if code == 401:
        return Finding(key, Status.OK, (line,), "probe.effect.c3_401")
    if 300 <= code < 400 or (200 <= code < 300 and answers.is_web_page(response)):
        if answers.classify(response).kind is AnswerKind.REDIRECT:
            return Finding(
                key, Status.MISMATCH, (line, _where(response)), "probe.effect.base_url_redirect"
            )
        return Finding(key, Status.INFO, (line, _where(response)), "probe.effect.c3_sign_in")
    return _failure(key, response)


async def _lists(http: httpx2.AsyncClient, auth: httpx2.Auth, seen: _Seen) -> list[Finding]:
    findings = []
    for kind, path in LISTS.items():
        response = await _get(http, path, auth)
        findings.append(_judge(f"probe.check.list_{kind}", response, contract.WORKITEM_LIST, path))
        body = _body(response, path)
        items = body.get("workitems") if isinstance(body, dict) else None
        if isinstance(items, list):
            setattr(seen, kind, [i for i in items if isinstance(i, dict)])
            count = body.get("count")
            if isinstance(count, int) and count != len(items):
                findings.append(
                    Finding(
                        "probe.check.list_capped",
                        Status.INFO,
                        (f"count {count}, returned {len(items)}",),
                        "probe.effect.paging",
                    )
                )
    # E1: does `limit` matter on My Tasks? Only tells with two tasks or more.
    if len(seen.allocated) < 2:
        findings.append(
            Finding("probe.check.list_limit", Status.SKIPPED, (), "probe.effect.needs_two_tasks")
        )
    else:
        one = _body(await _get(http, LISTS["allocated"], auth, limit=1), LISTS["allocated"])
        got = len(one.get("workitems") or []) if isinstance(one, dict) else 0
        honoured = got == 1
        findings.append(
            Finding(
                "probe.check.list_limit",
                Status.INFO,
                (f"limit=1 returned {got} of {len(seen.allocated)}",),
                "probe.effect.limit_honoured" if honoured else "probe.effect.limit_ignored",
            )
        )
    return findings


async def _values(http: httpx2.AsyncClient, auth: httpx2.Auth, seen: _Seen) -> list[Finding]:
    """G1–G5: process views of the user's tasks; value shapes per data type."""
    ids = list(
        dict.fromkeys(
            i.get("processInstanceId")
            for i in [*seen.allocated, *seen.offered]
            if isinstance(i.get("processInstanceId"), int)
        )
    )[:MAX_PROCESSES]
    if not ids:
        return [
            Finding("probe.check.process_view", Status.SKIPPED, (), "probe.effect.needs_a_task")
        ]
    path = "API/OR/ProcessInstance/view"
    views = [await _get(http, path, auth, processInstanceId=i) for i in ids]
    judged = [_judge("probe.check.process_view", v, contract.PROCESS_VIEW, path) for v in views]
    findings = [next((j for j in judged if j.status is not Status.OK), judged[0])]
    shapes: dict[str, dict[str, bool]] = defaultdict(dict)
    sub_types: dict[str, set[str]] = defaultdict(set)
    for view in views:
        body = _body(view, path)
        process = body.get("processInstance") if isinstance(body, dict) else None
        data = process.get("data") if isinstance(process, dict) else None
        for datum in (data or {}).values() if isinstance(data, dict) else ():
            if not isinstance(datum, dict):
                continue
            data_type = safe_word(datum.get("dataType"))
            if datum.get("subType") is not None:
                sub_types[data_type].add(safe_word(datum.get("subType")))
            if datum.get("value") is not None:
                shapes[data_type][shape_of(datum["value"])] = recognized(datum["value"])
    if not shapes:
        findings.append(
            Finding("probe.check.value_shapes", Status.SKIPPED, (), "probe.effect.needs_data")
        )
    for data_type in sorted(shapes):
        known = all(shapes[data_type].values())
        lines = tuple(
            f"{shape} ({'read' if ok else 'not recognised'})"
            for shape, ok in sorted(shapes[data_type].items())
        )
        if sub_types.get(data_type):
            lines += (f"subType: {', '.join(sorted(sub_types[data_type]))}",)
        findings.append(
            Finding(
                "probe.check.value_shapes",
                Status.OK if known else Status.MISMATCH,
                lines,
                None if known else "probe.effect.values_flattened",
                {"type": data_type},
            )
        )
    return findings


async def _search(http: httpx2.AsyncClient, auth: httpx2.Auth, seen: _Seen) -> list[Finding]:
    """H1: the process search's default order, and whether it honours the sort keys."""
    path = "API/OR/ProcessInstance/list"
    app_ids = [i.get("processModelInfoId") for i in [*seen.allocated, *seen.offered]]
    app_id = next((a for a in app_ids if isinstance(a, int)), None)
    base: dict[str, Any] = {} if app_id is None else {"processModelInfoId": app_id}

    async def order(**sort: str) -> list[int] | None:
        criteria = json.dumps({**base, **sort})
        body = _body(await _get(http, path, auth, criteria=criteria, limit=20, start=0), path)
        items = body.get("processInstances") if isinstance(body, dict) else None
        if not isinstance(items, list):
            return None
        return [
            i["processInstanceId"]
            for i in items
            if isinstance(i, dict) and isinstance(i.get("processInstanceId"), int)
        ]

    listed = await _get(http, path, auth, criteria=json.dumps(base), limit=20, start=0)
    findings = [_judge("probe.check.search", listed, contract.PROCESS_LIST, path)]
    default, ascending = await order(), await order(sortProperty=SORT, sortDirection="ASC")
    descending = await order(sortProperty=SORT, sortDirection="DESC")
    if default is None or ascending is None or descending is None:
        findings.append(_failure("probe.check.search_order", listed))
    elif len(set(default)) < 2:
        findings.append(
            Finding(
                "probe.check.search_order", Status.SKIPPED, (), "probe.effect.needs_two_processes"
            )
        )
    else:
        honoured = ascending != descending
        what = (
            "oldest first"
            if default == ascending
            else "newest first"
            if default == descending
            else "another order"
        )
        lines = (f"default order: {what}", f"sortProperty/sortDirection honoured: {honoured}")
        findings.append(
            Finding(
                "probe.check.search_order",
                Status.OK if honoured else Status.MISMATCH,
                lines,
                "probe.effect.sort_ok" if honoured else "probe.effect.sort_ignored",
            )
        )
    return findings


async def _form(
    http: httpx2.AsyncClient, auth: httpx2.Auth, seen: _Seen, parser: FormParser
) -> list[Finding]:
    """§4: the task form XML's structure (element names and attributes, never text), then
    what the bridge's own form parser makes of it (:mod:`bot.questetra.probe_forms`)."""
    key = "probe.check.form"
    workitem = next((i.get("id") for i in seen.allocated if isinstance(i.get("id"), int)), None)
    if workitem is None:
        return [Finding(key, Status.SKIPPED, (), "probe.effect.needs_an_allocated_task")]
    response = await _get(http, "API/PE/Workitem/Form/viewXml", auth, workitemId=workitem)
    if isinstance(response, Exception) or response.status_code != 200:
        return [_failure(key, response)]
    if answers.is_web_page(response):
        return [_failure(key, response)]
    # A prefix used without its declaration is no XML to a strict parser; the bridge's own
    # reader strips it (forms.parse_xml), so the outline does the same rather than fail.
    # `is None`, never `or`: an element's truth value is its child count (deprecated in 3.12).
    root = answers.safe_xml(response.content)
    if root is None:
        root = parse_xml(response.content)
    if root is None:
        return [_failure(key, response)]
    structure = Finding(key, Status.INFO, tuple(_xml_outline(root)))
    return [structure, *parser(response.content, workitem)]


def _xml_outline(root: ET.Element, limit: int = 60) -> list[str]:
    """Element paths (local names, ``ns:`` marked) with their attribute names; no text."""
    paths: dict[str, set[str]] = {}

    def walk(element: ET.Element, prefix: str) -> None:
        tag = element.tag
        local = tag.rsplit("}", 1)[-1]
        name = f"ns:{safe_word(local)}" if tag.startswith("{") else safe_word(local)
        here = f"{prefix}/{name}"
        paths.setdefault(here, set()).update(safe_word(a) for a in element.attrib)
        for child in element:
            walk(child, here)

    walk(root, "")
    return [
        f"{p}" + (f" @{','.join(sorted(a))}" if a else "") for p, a in list(paths.items())[:limit]
    ]


TASK_PAGE_EXAMPLE = "{base}PE/Workitem/Form/viewIframe?workitemId={workitem_id}"  # [SS]


def _links(default: bool) -> Finding:
    """L3: no source shows a page for one task; tell the operator how to check it."""
    effect = "probe.effect.task_link_default" if default else "probe.effect.task_link_custom"
    return Finding("probe.check.task_link", Status.INFO, (), effect, {"example": TASK_PAGE_EXAMPLE})


async def _checks(
    http: httpx2.AsyncClient, auth: httpx2.Auth, oauth: QuestetraOAuth | None
) -> list[Finding]:
    """§6's harmless one-off checks: nothing here can change anything on the tenant."""
    findings = [await _token_error(http, oauth)]
    accept = await _post(
        http, "API/PE/Workitem/batchAccept", auth, {"workitemIds": str(IMPOSSIBLE_ID)}
    )
    findings.append(_accept_refusal(accept))
    start = await _post(
        http, f"System/Event/MessageStart/{IMPOSSIBLE_ID}/{IMPOSSIBLE_ID}/start", None, {}
    )
    findings.append(_start_refusal(start))
    return findings


async def _post(
    http: httpx2.AsyncClient, path: str, auth: httpx2.Auth | None, data: dict[str, str]
) -> httpx2.Response | Exception:
    try:
        if auth is None:
            return await http.post(path, data=data)
        return await http.post(path, data=data, auth=auth)
    except httpx2.HTTPError as exc:
        return exc


async def _token_error(http: httpx2.AsyncClient, oauth: QuestetraOAuth | None) -> Finding:
    """B6: how the token endpoint refuses a refresh token that never existed."""
    key = "probe.check.token_error"
    if oauth is None:
        return Finding(key, Status.SKIPPED, (), "probe.effect.needs_oauth")
    response = await _post(http, TOKEN_PATH, None, oauth.bogus_refresh_form())
    if isinstance(response, Exception):
        return _failure(key, response)
    line = f"HTTP {response.status_code}, {media_type(response.headers.get('content-type'))}"
    outline = _json_outline(response)
    try:
        classify_token_answer(response)
        verdict = "accepted"
    except QuestetraError as exc:
        verdict = type(exc).__name__
    lines = (line, *outline, f"the bot reads it as: {verdict}")
    if verdict == "InvalidGrant":
        return Finding(key, Status.OK, lines, "probe.effect.token_error_ok")
    return Finding(key, Status.MISMATCH, lines, "probe.effect.token_error")


def _json_outline(response: httpx2.Response) -> tuple[str, ...]:
    if answers.is_web_page(response):
        return ("body: web page",)
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return ("body: not JSON",)
    rows = tuple(f"{p}: {kind}" for p, kind in contract.outline(body)[1:12])
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        rows += (f"error: {safe_word(body['error'])}",)  # OAuth's error vocabulary
    return rows


def _accept_refusal(response: httpx2.Response | Exception) -> Finding:
    """F3 / D2 / B8: how batchAccept refuses a task that does not exist."""
    key = "probe.check.accept_refusal"
    if isinstance(response, Exception) or response.status_code not in (200, 400, 403):
        return _failure(key, response)
    code = response.status_code
    if code == 403:
        return Finding(key, Status.INFO, ("HTTP 403",), "probe.effect.read_only")
    body = _body(response, key) if code == 200 else _json_or_none(response)
    spec = contract.ACCEPT_RESULTS if code == 200 else contract.ERRORS
    if body is None or contract.check(spec, body):
        return _judge(key, response, spec)
    errors = [r.get("error") for r in body["results"]] if code == 200 else body["errors"]
    styles = sorted(
        {
            f"errorCode {word_class(e.get('errorCode'))}, type {word_class(e.get('type'))}"
            for e in errors
            if isinstance(e, dict)
        }
    )
    how = "per item in a 200" if code == 200 else "as a 400 with errors"
    return Finding(key, Status.INFO, (f"refused {how}", *styles), "probe.effect.accept_facts")


def _json_or_none(response: httpx2.Response) -> Any:
    try:
        return response.json()
    except (ValueError, RecursionError):
        return None


def _start_refusal(response: httpx2.Response | Exception) -> Finding:
    """J5: the Message Start Event's error body (for an app that cannot exist)."""
    key = "probe.check.start_refusal"
    if isinstance(response, Exception):
        return _failure(key, response)
    line = f"HTTP {response.status_code}, {media_type(response.headers.get('content-type'))}"
    root = None if answers.is_web_page(response) else answers.safe_xml(response.content)
    if root is None:
        if answers.is_web_page(response) or 300 <= response.status_code < 400:
            return Finding(
                key, Status.MISMATCH, (line, _where(response)), "probe.effect.sign_in_in_front"
            )
        return Finding(key, Status.INFO, (line, "body: not XML"), "probe.effect.start_errors")
    return Finding(key, Status.INFO, (line, *_xml_outline(root, 10)), "probe.effect.start_errors")
