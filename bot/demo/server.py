"""The demo's ASGI app: the page and its JSON API under ``/demo``, the bot app at ``/``.

The bot app is the production one from ``create_app(settings, …)``, mounted unchanged: the
page reaches it only through :class:`bot.demo.front.Front`, over HTTP with signed requests, as
Slack would. The Questetra panel acts on the emulator's state directly (it *is* Questetra's
side) and then tells the bridge at once, as a workflow's webhook would.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

import httpx2
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.db.models import UserLink
from bot.demo.front import Front, Where
from bot.demo.mrkdwn import Viewer
from bot.demo.render import render_message, render_view, text_html
from bot.demo.world import DEFAULT_STEP, PANEL_STEPS, panel_data
from bot.deps import Deps
from bot.i18n import CATALOGS, language_of, t
from tests.emulators.questetra import EmulatorState

Json = dict[str, Any]
NO_CACHE = {"Cache-Control": "no-store"}


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class DemoPage:
    """What the page shows one person, rendered from the fake Slack and the emulator."""

    def __init__(
        self, front: Front, questetra: EmulatorState, questetra_url: str, poll_seconds: int
    ) -> None:
        self.front = front
        self.questetra = questetra
        self.questetra_url = questetra_url
        self.poll_seconds = poll_seconds

    def conversations(self, user_id: str) -> list[Json]:
        found = [
            {"id": c["id"], "name": c.get("name", c["id"]), "kind": "channel"}
            for c in self.front.channels()
        ]
        found.append(
            {"id": self.front.slack.dm_channel_id(user_id), "name": "questetra", "kind": "app"}
        )
        return found

    def _author(self, viewer: Viewer, message: Json) -> tuple[str, bool]:
        if message.get("via") == "slackbot":
            return t(viewer.locale, "demo.slackbot"), True
        if message.get("bot_id") or message.get("via") in ("response_url", "chat.postEphemeral"):
            return "questetra", True
        user = str(message.get("user", ""))
        return viewer.users.get(user, user), False

    def _time(self, viewer: Viewer, ts: str) -> str:
        try:
            at = datetime.fromtimestamp(float(ts), UTC).astimezone(viewer.tz)
        except ValueError:
            return ""
        return at.strftime("%H:%M") if viewer.japanese else at.strftime("%I:%M %p").lstrip("0")

    def messages_html(self, user_id: str, channel: str, viewer: Viewer) -> str:
        slack = self.front.slack
        items: list[tuple[float, Json, bool]] = []
        for message in slack.messages(channel):
            items.append((float(message["ts"]), message, False))
        for message in [*slack.ephemerals(channel), *self.front.notices(user_id, channel)]:
            if message.get("user") == user_id:
                items.append((float(message["message_ts"]), message, True))
        items.sort(key=lambda item: item[0])
        out = []
        for _, message, ephemeral in items:
            ts = str(message.get("message_ts") if ephemeral else message.get("ts"))
            author, is_app = self._author(viewer, message)
            badge = (
                f'<span class="msg-badge">{html.escape(t(viewer.locale, "demo.app_badge"))}</span>'
                if is_app
                else ""
            )
            edited = (
                f' <span class="msg-edited">{html.escape(t(viewer.locale, "demo.edited"))}</span>'
                if message.get("edited")
                else ""
            )
            only = (
                f'<div class="msg-only">{html.escape(t(viewer.locale, "demo.only_you"))}</div>'
                if ephemeral
                else ""
            )
            out.append(
                f'<div class="msg{" msg-ephemeral" if ephemeral else ""}" data-channel="'
                f'{html.escape(channel)}" data-ts="{html.escape(ts)}" '
                f'data-ephemeral="{"1" if ephemeral else "0"}">'
                f'<div class="msg-avatar">{"Q" if is_app else html.escape(author[:1])}</div>'
                f'<div class="msg-body">{only}<div class="msg-head"><b>{html.escape(author)}</b>'
                f'{badge}<span class="msg-time">{self._time(viewer, ts)}</span>{edited}</div>'
                f"{render_message(message, viewer)}</div></div>"
            )
        if not out:
            return f'<div class="msg-empty">{html.escape(t(viewer.locale, "demo.empty"))}</div>'
        return "".join(out)

    def modal(self, user_id: str, viewer: Viewer) -> Json | None:
        top = self.front.modal(user_id)
        if top is None:
            return None
        view, layer = top
        body = render_view(view, viewer, errors=layer.errors)
        submit = view.get("submit")
        close = view.get("close") or {"type": "plain_text", "text": t(viewer.locale, "demo.cancel")}
        shown = {
            "id": view["id"],
            "title": text_html(view.get("title", ""), viewer),
            "submit": text_html(submit, viewer) if submit else None,
            "close": text_html(close, viewer),
            "html": body,
            "problem": layer.problem,
            "depth": self.front.depth(user_id),
        }
        shown["key"] = _key(f"{view['id']}|{view.get('hash')}|{body}|{layer.problem}")
        return shown

    def questetra_panel(self, viewer: Viewer) -> Json:
        state = self.questetra
        with state.lock:
            names = {u.id: u.name for u in state.db.users.values()}
            apps = {a.id: a.name for a in state.db.apps.values()}
            tasks = []
            for item in sorted(state.db.workitems.values(), key=lambda w: w.id, reverse=True):
                if item.state == "ENDED":
                    continue
                process = state.db.processes[item.process_instance_id]
                if item.state == "ALLOCATED" and item.allocated_user_id is not None:
                    who = t(
                        viewer.locale,
                        "demo.q_allocated_to",
                        name=names.get(item.allocated_user_id, "?"),
                    )
                else:
                    who = t(
                        viewer.locale,
                        "demo.q_offered_to",
                        names=", ".join(names.get(u, "?") for u in item.offered_to),
                    )
                tasks.append(
                    {
                        "id": item.id,
                        # The number Slack's cards show (the process's, per process model), not
                        # the workitem id: one number for one thing on both sides of the page.
                        "seq": process.sequence_number,
                        "app": apps.get(process.app_id, ""),
                        "title": process.title,
                        "node": item.node_name,
                        "state": item.state,
                        "who": who,
                        "url": f"{self.questetra_url}PE/Workitem/Form/viewIframe?workitemId={item.id}",
                    }
                )
            signed_in = state.signed_in_user
        return {
            "signed_in": t(
                viewer.locale, "demo.q_signed_in", name=signed_in.name if signed_in else "-"
            ),
            "url": self.questetra_url,
            "apps": [{"id": k, "name": v} for k, v in apps.items()],
            "people": [
                {"email": p["profile"]["email"], "name": p["real_name"]}
                for p in self.front.people()
            ],
            "tasks": tasks,
            "nudge": t(viewer.locale, "demo.q_nudge", seconds=self.poll_seconds),
        }

    def snapshot(self, user_id: str, channel: str, tab: str) -> Json:
        viewer = self.front.viewer(user_id)
        me = self.front.person(user_id)
        language = language_of(viewer.locale)
        labels = {
            k.removeprefix("demo."): v
            for k, v in CATALOGS[language].items()
            if k.startswith("demo.")
        }
        conversations = self.conversations(user_id)
        if channel not in {c["id"] for c in conversations}:
            channel = conversations[0]["id"]
        if tab == "home" and channel.startswith("D"):
            home = self.front.slack.home_views.get(user_id)
            main = (
                render_view(home, viewer)
                if home
                else f'<div class="msg-empty">{html.escape(labels["home_empty"])}</div>'
            )
        else:
            main = self.messages_html(user_id, channel, viewer)
        panel = self.questetra_panel(viewer)
        return {
            "me": {
                "id": user_id,
                "name": me.get("real_name"),
                "locale": viewer.locale,
                "tz": str(viewer.tz),
            },
            "lang": language,
            "workspace": self.front.slack.team_name,
            "people": [
                {"id": p["id"], "name": p.get("real_name"), "admin": bool(p.get("is_admin"))}
                for p in self.front.people()
            ],
            "conversations": conversations,
            "channel": channel,
            "main": main,
            "main_key": _key(main),
            "modal": self.modal(user_id, viewer),
            "questetra": panel,
            "questetra_key": _key(repr(panel)),
            "labels": labels,
        }


async def nudge(deps: Deps) -> None:
    """Questetra changed: every link is due now and the poller wakes (the webhook's path)."""
    async with deps.sessions() as session:
        ids = list(await session.scalars(select(UserLink.id)))
    await deps.alerts.mark_due(ids)
    if ids:
        deps.wake_poller()


def _page_html() -> str:
    return files("bot.demo").joinpath("static/demo.html").read_text(encoding="utf-8")


def build_demo_app(
    bot_app: Starlette,
    page: DemoPage,
    *,
    http: httpx2.AsyncClient,
    on_ready: Callable[[], None] | None = None,
) -> Starlette:
    """The bot app at ``/`` with the demo page and API under ``/demo``; ``on_ready`` runs once
    the bot has started (migrated, workers running)."""
    front = page.front
    deps: Deps = bot_app.state.deps
    questetra = page.questetra

    async def body(request: Request) -> Json:
        raw = await request.json()
        return raw if isinstance(raw, dict) else {}

    def user_of(data: Json | Request) -> str:
        user = str(
            data.get("user") if isinstance(data, dict) else data.query_params.get("user", "")
        )
        front.person(user)  # KeyError → 400
        return user

    def handler(
        work: Callable[[Request], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                return await work(request)
            except (KeyError, ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)

        return run

    async def index(_: Request) -> Response:
        return HTMLResponse(_page_html(), headers=NO_CACHE)

    async def root(_: Request) -> Response:
        return RedirectResponse("/demo", status_code=302)

    async def state(request: Request) -> Response:
        user = request.query_params.get("user", "")
        people = [p["id"] for p in front.people()]
        user = user if user in people else people[0]  # a first visit: the first person
        snapshot = page.snapshot(
            user, request.query_params.get("channel", ""), request.query_params.get("tab", "")
        )
        return JSONResponse(snapshot, headers=NO_CACHE)

    async def typed(request: Request) -> Response:
        data = await body(request)
        await front.type_message(user_of(data), str(data["channel"]), str(data["text"]))
        return JSONResponse({"ok": True})

    async def action(request: Request) -> Response:
        data = await body(request)
        where = Where(
            **{k: v for k, v in dict(data["where"]).items() if k in Where.__annotations__}
        )
        await front.click(user_of(data), where, dict(data["action"]), list(data.get("state") or []))
        return JSONResponse({"ok": True})

    async def submit(request: Request) -> Response:
        data = await body(request)
        await front.submit(user_of(data), str(data["view_id"]), list(data.get("state") or []))
        return JSONResponse({"ok": True})

    async def close(request: Request) -> Response:
        data = await body(request)
        await front.close(user_of(data), str(data["view_id"]))
        return JSONResponse({"ok": True})

    async def home(request: Request) -> Response:
        data = await body(request)
        await front.open_home(user_of(data))
        return JSONResponse({"ok": True})

    async def sign_in(request: Request) -> Response:
        data = await body(request)
        person = front.person(user_of(data))
        questetra.sign_in(str(person["profile"]["email"]))
        return JSONResponse({"ok": True})

    def named(workitem: int) -> dict[str, object]:
        """The task's process as Slack's cards name it: its number per process model (``seq``)
        and its title, beside the ids the page works with."""
        with questetra.lock:
            item = questetra.db.workitems[workitem]
            process = questetra.db.processes[item.process_instance_id]
            return {
                "workitem_id": workitem,
                "process_instance_id": process.id,
                "seq": process.sequence_number,
                "title": process.title,
            }

    async def new_task(request: Request) -> Response:
        data = await body(request)
        to = [str(e) for e in data.get("to") or []]
        allocate = bool(data.get("allocate"))
        app_id = int(data["app_id"])
        step, flows = PANEL_STEPS.get(app_id, DEFAULT_STEP)
        workitem = questetra.add_task(
            app_id,
            to=to[:1] if allocate else to,
            state="ALLOCATED" if allocate else "OFFERED",
            title=str(data.get("title") or "") or None,
            node_name=str(data.get("node") or step),
            starter=str(data["starter"]) if data.get("starter") else None,
            data=panel_data(app_id, questetra.clock.now().astimezone(questetra.timezone).date()),
            flows=flows,
        )
        await nudge(deps)
        return JSONResponse(named(workitem))

    async def start_process(request: Request) -> Response:
        data = await body(request)
        starter = str(front.person(user_of(data))["profile"]["email"])
        app_id = int(data["app_id"])
        process = questetra.start_process(
            app_id, title=str(data.get("title") or "") or None, starter=starter
        )
        to = [str(e) for e in data.get("to") or []] or [starter]
        allocate = bool(data.get("allocate"))
        _, flows = PANEL_STEPS.get(app_id, DEFAULT_STEP)
        workitem = questetra.add_task(
            app_id,
            to=to[:1] if allocate else to,
            state="ALLOCATED" if allocate else "OFFERED",
            process_instance_id=process,
            node_name="Review",
            flows=flows,
        )
        await nudge(deps)
        return JSONResponse(named(workitem))

    async def end_task(request: Request) -> Response:
        questetra.complete_task(int(request.path_params["workitem_id"]))
        await nudge(deps)
        return JSONResponse({"ok": True})

    static = StaticFiles(directory=str(files("bot.demo").joinpath("static")))

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with bot_app.router.lifespan_context(bot_app):
            if on_ready is not None:
                on_ready()  # the socket listens already: the page answers from here on
            yield
        await http.aclose()

    api = "/demo/api/"
    return Starlette(
        routes=[
            Route("/", root, methods=["GET"]),
            Route("/demo", index, methods=["GET"]),
            Route(f"{api}state", handler(state), methods=["GET"]),
            Route(f"{api}type", handler(typed), methods=["POST"]),
            Route(f"{api}action", handler(action), methods=["POST"]),
            Route(f"{api}submit", handler(submit), methods=["POST"]),
            Route(f"{api}close", handler(close), methods=["POST"]),
            Route(f"{api}home", handler(home), methods=["POST"]),
            Route(f"{api}questetra/sign-in", handler(sign_in), methods=["POST"]),
            Route(f"{api}questetra/tasks", handler(new_task), methods=["POST"]),
            Route(f"{api}questetra/processes", handler(start_process), methods=["POST"]),
            Route(
                f"{api}questetra/tasks/{{workitem_id:int}}/end", handler(end_task), methods=["POST"]
            ),
            Mount("/demo/static", app=static),
            Mount("/", app=bot_app),
        ],
        lifespan=lifespan,
    )
