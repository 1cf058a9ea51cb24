"""Pages a person opens from Slack links (process, My Tasks), a task's form frame, the sign-in
page and an index page.

Only paths the public sources show are served ([SS]: ``/PE/Workitem/list``,
``/OR/ProcessInstance/view?processInstanceId=``, and ``/PE/Workitem/Form/viewIframe?workitemId=``
linked from the process page). The guessed ``/PE/Workitem/Form/view`` is not: a client linking
to it gets the tenant's 404 page (questetra-fidelity.md L3). They are plain read-only views for
trying the bot by hand; they act as the signed-in user.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .html import error_page, page, sign_in_page, table
from .model import ProcessInstance
from .state import EmulatorState
from .switches import SIGN_IN_PATH
from .values import display_value, format_datetime


def routes(state: EmulatorState) -> list[Route]:
    async def index(request: Request) -> Response:
        return _index(state)

    async def my_tasks(request: Request) -> Response:
        return _my_tasks(state)

    async def task(request: Request) -> Response:
        return _task(state, request.query_params.get("workitemId", ""))

    async def process(request: Request) -> Response:
        return _process(state, request.query_params.get("processInstanceId", ""))

    async def sign_in(request: Request) -> Response:
        return sign_in_page()

    return [
        Route("/", index, methods=["GET"]),
        Route("/PE/Workitem/list", my_tasks, methods=["GET"]),
        Route("/PE/Workitem/Form/viewIframe", task, methods=["GET"]),
        Route("/OR/ProcessInstance/view", process, methods=["GET"]),
        Route(SIGN_IN_PATH, sign_in, methods=["GET", "POST"]),
    ]


def _index(state: EmulatorState) -> Response:
    with state.lock:
        user = state.signed_in_user
        who = f"{escape(user.name)} &lt;{escape(user.email)}&gt;" if user else "nobody"
        apps = "".join(
            f"<li>{escape(a.name)} (id {a.id}{', inactive' if not a.active else ''})</li>"
            for a in state.db.apps.values()
        )
    body = (
        f"<p>Signed in as {who}.</p><ul>"
        '<li><a href="PE/Workitem/list">My Tasks</a></li>'
        '<li><a href="_emulator/state">Emulator state (JSON)</a></li></ul>'
        f"<h2>Apps</h2><ul>{apps}</ul>"
    )
    return page("Questetra emulator", body)


def _my_tasks(state: EmulatorState) -> Response:
    with state.lock:
        user = state.signed_in_user
        if user is None:
            return error_page(401, "Sign in", "Nobody is signed in (POST _emulator/session).")
        rows = []
        for item in sorted(state.db.workitems.values(), key=lambda w: w.id, reverse=True):
            mine = item.allocated_user_id == user.id or (
                item.state == "OFFERED" and user.id in item.offered_to
            )
            if mine and item.state != "ENDED":
                title = state.db.processes[item.process_instance_id].title
                rows.append(
                    f'<li><a href="../../OR/ProcessInstance/view?processInstanceId='
                    f'{item.process_instance_id}">{escape(item.node_name)}</a> '
                    f"{escape(title)} ({item.state})</li>"
                )
    return page(f"My Tasks of {user.name}", f"<ul>{''.join(rows) or '<li>none</li>'}</ul>")


def _task(state: EmulatorState, raw_id: str) -> Response:
    with state.lock:
        item = state.db.workitems.get(int(raw_id)) if raw_id.isdigit() else None
        if item is None:
            return error_page(404, "Task not found", f"No task {raw_id}.")
        process = state.db.processes[item.process_instance_id]
        header = table(
            [
                ("Task", item.node_name),
                ("State", item.state),
                ("Deadline", format_datetime(item.deadline, state.timezone) or "-"),
            ]
        )
        return page(f"{item.node_name}: {process.title}", header + _data_table(state, process))


def _process(state: EmulatorState, raw_id: str) -> Response:
    with state.lock:
        process = state.db.processes.get(int(raw_id)) if raw_id.isdigit() else None
        if process is None:
            return error_page(404, "Process not found", f"No process {raw_id}.")
        header = table([("Process", f"p{process.id}"), ("State", process.state)])
        tasks = "".join(
            f'<li><a href="../../PE/Workitem/Form/viewIframe?workitemId={w.id}">'
            f"{escape(w.node_name)}</a> ({w.state})</li>"
            for w in state.db.workitems.values()
            if w.process_instance_id == process.id and w.state != "ENDED"
        )
        body = header + (f"<h2>Tasks</h2><ul>{tasks}</ul>" if tasks else "")
        return page(process.title, body + _data_table(state, process))


def _data_table(state: EmulatorState, process: ProcessInstance) -> str:
    app = state.db.apps[process.app_id]
    rows = [
        (f.label, display_value(f, process.data.get(f.number), state))
        for f in app.fields
        if f.visible
    ]
    return "<h2>Data</h2>" + table(rows)
