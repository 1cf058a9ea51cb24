"""In-memory state of one emulated Questetra tenant, and the Python API tests drive it with.

The HTTP server runs in its own thread while tests call these methods from another: every public
method takes ``self.lock`` (re-entrant), and request handlers hold it while they touch ``db``.
Read accessors return copies so a test never sees a half-applied change.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo

from .clock import Clock
from .faults import Faults
from .model import (
    AccessToken,
    App,
    AuthCode,
    Client,
    Field,
    ProcessInstance,
    ProcessState,
    QGroup,
    QUser,
    RecordedRequest,
    RefreshToken,
    StartEvent,
    StartEventSubmission,
    TaskState,
    TokenRequest,
    Workitem,
)
from .switches import Switches
from .values import coerce_python

TOKYO = timezone(timedelta(hours=9), "JST")  # Japan has no DST, a fixed offset is exact


@dataclass
class Tables:
    """Everything that ``reset()`` empties. Hold ``state.lock`` while using it."""

    users: dict[int, QUser] = field(default_factory=dict)
    groups: dict[int, QGroup] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    apps: dict[int, App] = field(default_factory=dict)
    processes: dict[int, ProcessInstance] = field(default_factory=dict)
    workitems: dict[int, Workitem] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    token_requests: list[TokenRequest] = field(default_factory=list)
    submissions: list[StartEventSubmission] = field(default_factory=list)
    signed_in: int | None = None
    # Distinct ranges so a client mixing up process and task ids fails loudly.
    counters: dict[str, int] = field(
        default_factory=lambda: {
            "user": 1,
            "group": 1,
            "process": 1001,
            "workitem": 20001,
            "file": 1,
        }
    )
    sequence: dict[int, int] = field(default_factory=dict)  # app id -> last sequence number

    def next_id(self, kind: str) -> int:
        value = self.counters[kind]
        self.counters[kind] = value + 1
        return value


class EmulatorState:
    """One Questetra tenant. ``base_path`` is the tenant's path prefix (on-premise style)."""

    def __init__(self, *, base_path: str = "/", clock: Clock | None = None) -> None:
        self.lock = threading.RLock()
        self.base_path = _normalize_base(base_path)
        self.clock = clock if clock is not None else Clock()
        self.faults = Faults()
        self.timezone: tzinfo = TOKYO
        self._set_defaults()
        self.db = Tables()

    def _set_defaults(self) -> None:
        self.basic_auth_enabled = False
        self.rotate_refresh_tokens = False
        self.access_token_ttl: float = 12 * 3600
        self.refresh_token_ttl: float = 30 * 86400
        self.code_ttl: float = 600
        self.max_refresh_tokens = 10
        self.edition = "professional"
        self.process_count_limit: int | None = None  # running processes allowed (None: no limit)
        self.switches = Switches()  # what the public sources leave open (switches.py)

    def reset(self) -> None:
        """Everything back to empty: data, settings, faults, clock."""
        with self.lock:
            self._set_defaults()
            self.db = Tables()
            self.faults.clear()
            self.clock.reset()

    # -- paths -------------------------------------------------------------------------------

    def relative_path(self, path: str) -> str | None:
        """``/tenant/API/x`` -> ``/API/x`` under base ``/tenant/``; None outside the base."""
        if not path.startswith(self.base_path) and path + "/" != self.base_path:
            return None
        return "/" + path[len(self.base_path) :]

    # -- directory (also the values.Directory protocol) ----------------------------------------

    def user_by_email(self, email: str) -> QUser | None:
        with self.lock:
            wanted = email.strip().lower()
            return next((u for u in self.db.users.values() if u.email.lower() == wanted), None)

    def user_by_id(self, user_id: int) -> QUser | None:
        with self.lock:
            return self.db.users.get(user_id)

    def group_by_name(self, name: str) -> QGroup | None:
        with self.lock:
            return next((g for g in self.db.groups.values() if g.name == name), None)

    def group_by_id(self, group_id: int) -> QGroup | None:
        with self.lock:
            return self.db.groups.get(group_id)

    def new_file_id(self) -> int:
        with self.lock:
            return self.db.next_id("file")

    def user(self, email: str) -> QUser:
        """The user with this e-mail (KeyError when unknown)."""
        found = self.user_by_email(email)
        if found is None:
            raise KeyError(f"no Questetra user {email!r}")
        return found

    # -- users and groups ----------------------------------------------------------------------

    def add_group(self, name: str) -> QGroup:
        """An organization (get or create)."""
        with self.lock:
            existing = self.group_by_name(name)
            if existing is not None:
                return existing
            group = QGroup(self.db.next_id("group"), name)
            self.db.groups[group.id] = group
            return group

    def add_user(
        self, email: str, name: str, *, api_password: str | None = None, group: str = "Sales"
    ) -> QUser:
        with self.lock:
            if self.user_by_email(email) is not None:
                raise ValueError(f"user {email!r} exists")
            user = QUser(self.db.next_id("user"), name, email, self.add_group(group), api_password)
            self.db.users[user.id] = user
            return user

    def set_api_password(self, email: str, api_password: str | None) -> None:
        with self.lock:
            user = self.user(email)
            self.db.users[user.id] = QUser(user.id, user.name, user.email, user.group, api_password)

    def sign_in(self, email: str | None) -> None:
        """Who the browser consent page acts as (None: nobody is signed in)."""
        with self.lock:
            self.db.signed_in = None if email is None else self.user(email).id

    @property
    def signed_in_user(self) -> QUser | None:
        with self.lock:
            return self.db.users.get(self.db.signed_in) if self.db.signed_in is not None else None

    # -- OAuth clients -------------------------------------------------------------------------

    def add_client(
        self,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        *,
        require_pkce: bool = False,
        name: str = "Slack bridge",
    ) -> None:
        with self.lock:
            if client_id in self.db.clients:
                raise ValueError(f"client {client_id!r} exists")
            self.db.clients[client_id] = Client(
                client_id, client_secret, redirect_uri, require_pkce, True, name
            )

    def set_client_active(self, client_id: str, active: bool) -> None:
        """Deactivate (keeps the record and tokens, refuses every use) or reactivate."""
        with self.lock:
            self._client(client_id).active = active

    def delete_client(self, client_id: str) -> None:
        with self.lock:
            self._client(client_id)
            del self.db.clients[client_id]
            for table in (self.db.codes, self.db.access_tokens, self.db.refresh_tokens):
                for key in [k for k, v in table.items() if v.client_id == client_id]:
                    del table[key]

    def _client(self, client_id: str) -> Client:
        client = self.db.clients.get(client_id)
        if client is None:
            raise KeyError(f"no OAuth client {client_id!r}")
        return client

    def revoke_tokens(self, email: str) -> None:
        """Invalidate every access and refresh token (and pending code) of this user."""
        with self.lock:
            user_id = self.user(email).id
            for table in (self.db.codes, self.db.access_tokens, self.db.refresh_tokens):
                for key in [k for k, v in table.items() if v.user_id == user_id]:
                    del table[key]

    # -- apps and start events -----------------------------------------------------------------

    def add_app(
        self,
        app_id: int,
        name: str,
        *,
        category: str = "",
        fields: Sequence[Field] = (),
        active: bool = True,
        managers: Iterable[str] = (),
        short_explanation: str = "",
        version: int = 1,
    ) -> App:
        """A workflow app. ``managers`` (e-mails) may view and search all of its processes."""
        names = [f.name for f in fields]
        numbers = [f.number for f in fields]
        if len(set(names)) != len(names) or len(set(numbers)) != len(numbers):
            raise ValueError("field names and numbers must be unique within an app")
        with self.lock:
            if app_id in self.db.apps:
                raise ValueError(f"app {app_id} exists")
            app = App(
                id=app_id,
                name=name,
                category=category,
                fields=list(fields),
                active=active,
                activated_at=self.clock.now(),
                version=version,
                short_explanation=short_explanation,
                managers={self.user(m).id for m in managers},
            )
            self.db.apps[app_id] = app
            return app

    def set_app_active(self, app_id: int, active: bool) -> None:
        with self.lock:
            self.app(app_id).active = active

    def app(self, app_id: int) -> App:
        with self.lock:
            found = self.db.apps.get(app_id)
            if found is None:
                raise KeyError(f"no app {app_id}")
            return found

    def add_start_event(
        self, app_id: int, node_number: int, *, key: str, name: str = "Start"
    ) -> None:
        """A Message Start Event (HTTP) with its API key."""
        with self.lock:
            app = self._free_node(app_id, node_number)
            app.start_events[node_number] = StartEvent(app_id, node_number, name, "message", key)

    def add_human_start_event(
        self,
        app_id: int,
        node_number: int,
        *,
        name: str = "Start",
        users: Iterable[str] | None = None,
    ) -> None:
        """A start event people start by hand: what ``listStartable`` lists (``users``: who)."""
        with self.lock:
            app = self._free_node(app_id, node_number)
            allowed = None if users is None else frozenset(self.user(u).id for u in users)
            app.start_events[node_number] = StartEvent(
                app_id, node_number, name, "human", users=allowed
            )

    def _free_node(self, app_id: int, node_number: int) -> App:
        app = self.app(app_id)
        if node_number in app.node_numbers():
            raise ValueError(f"app {app_id} already has node {node_number}")
        return app

    # -- processes and tasks -------------------------------------------------------------------

    def start_process(
        self,
        app_id: int,
        *,
        title: str | None = None,
        starter: str | None = None,
        data: Mapping[str, object] | None = None,
    ) -> int:
        """A running process instance (no task yet); returns its id."""
        with self.lock:
            app = self.app(app_id)
            user = self.user(starter) if starter is not None else None
            return self.create_process(app, title, user, self._coerce(app, data or {})).id

    def create_process(
        self, app: App, title: str | None, starter: QUser | None, data: dict[int, object]
    ) -> ProcessInstance:
        """Internal (hold ``lock``): a running process with already-parsed data."""
        seq = self.db.sequence.get(app.id, 0) + 1
        self.db.sequence[app.id] = seq
        process = ProcessInstance(
            id=self.db.next_id("process"),
            app_id=app.id,
            sequence_number=seq,
            title=title if title is not None else f"{app.name} #{seq}",
            state="STARTED",
            started_at=self.clock.now(),
            version=app.version,
            starter_id=starter.id if starter else None,
            starter_group_id=starter.group.id if starter else None,
            data=data,
        )
        self.db.processes[process.id] = process
        return process

    def _coerce(self, app: App, data: Mapping[str, object]) -> dict[int, object]:
        stored: dict[int, object] = {}
        for name, value in data.items():
            fld = app.field_by_name(name)
            if fld is None:
                raise KeyError(f"app {app.id} has no field {name!r}")
            stored[fld.number] = coerce_python(fld, value, self)
        return stored

    def add_task(
        self,
        app_id: int,
        *,
        to: str | Sequence[str],
        node_name: str = "Approve",
        title: str | None = None,
        state: TaskState = "OFFERED",
        deadline: datetime | None = None,
        data: Mapping[str, object] | None = None,
        process_instance_id: int | None = None,
        node_number: int | None = None,
        starter: str | None = None,
        flows: Sequence[str] = ("Submit",),
        editable_fields: Iterable[str] | None = None,
    ) -> int:
        """A task offered to ``to`` (one e-mail or several) or allocated to ``to``.

        Creates a process instance (title, starter, data) unless ``process_instance_id`` is given,
        in which case ``data`` is merged into that process. Returns the workitem id.
        """
        emails = [to] if isinstance(to, str) else list(to)
        if state not in ("OFFERED", "ALLOCATED") or not emails:
            raise ValueError("a new task is OFFERED or ALLOCATED, to at least one user")
        if state == "ALLOCATED" and len(emails) != 1:
            raise ValueError("an allocated task has exactly one user")
        with self.lock:
            app = self.app(app_id)
            users = [self.user(e) for e in emails]
            stored = self._coerce(app, data or {})
            if process_instance_id is None:
                starter_user = self.user(starter) if starter is not None else None
                process = self.create_process(app, title, starter_user, stored)
            else:
                process = self._process(process_instance_id)
                if process.app_id != app_id:
                    raise ValueError(f"process {process.id} belongs to app {process.app_id}")
                process.data.update(stored)
            now = self.clock.now()
            item = Workitem(
                id=self.db.next_id("workitem"),
                process_instance_id=process.id,
                node_name=node_name,
                node_number=self._task_node(app, node_name, node_number),
                state=state,
                offered_to=[u.id for u in users],
                started_at=now,
                offered_at=now,
                allocated_user_id=users[0].id if state == "ALLOCATED" else None,
                allocated_at=now if state == "ALLOCATED" else None,
                deadline=_aware(deadline, self.timezone) if deadline is not None else None,
                flows=tuple(flows),
                editable_fields=frozenset(editable_fields) if editable_fields is not None else None,
            )
            self.db.workitems[item.id] = item
            return item.id

    def _task_node(self, app: App, name: str, number: int | None) -> int:
        if number is None:
            number = next((n for n, v in app.task_nodes.items() if v == name), None)
        if number is None:
            number = max(app.node_numbers() | {0}) + 1
        if number in app.start_events:
            raise ValueError(f"node {number} of app {app.id} is a start event")
        app.task_nodes[number] = name
        return number

    def _process(self, process_instance_id: int) -> ProcessInstance:
        process = self.db.processes.get(process_instance_id)
        if process is None:
            raise KeyError(f"no process instance {process_instance_id}")
        return process

    def _workitem(self, workitem_id: int) -> Workitem:
        item = self.db.workitems.get(workitem_id)
        if item is None:
            raise KeyError(f"no workitem {workitem_id}")
        return item

    def complete_task(self, workitem_id: int, *, flow: str | None = None) -> None:
        """The task is done (it leaves My Tasks and Offered); its process keeps running."""
        with self.lock:
            item = self._workitem(workitem_id)
            item.state = "ENDED"
            item.ended_at = self.clock.now()
            item.chosen_flow = flow

    def allocate_task(self, workitem_id: int, email: str) -> None:
        """``email`` takes the task (e.g. another user accepted it first in the browser)."""
        with self.lock:
            item = self._workitem(workitem_id)
            user = self.user(email)
            item.state = "ALLOCATED"
            item.allocated_user_id = user.id
            item.allocated_at = self.clock.now()
            if user.id not in item.offered_to:
                item.offered_to.append(user.id)

    def remove_task(self, workitem_id: int) -> None:
        """The task vanishes without being done (process deleted, token moved back...)."""
        with self.lock:
            self._workitem(workitem_id)
            del self.db.workitems[workitem_id]

    def end_process(self, process_instance_id: int, *, state: ProcessState = "ENDED") -> None:
        """End (or fail) a process; its open tasks end with it."""
        with self.lock:
            process = self._process(process_instance_id)
            now = self.clock.now()
            process.state = state
            process.ended_at = now
            for item in self.db.workitems.values():
                if item.process_instance_id == process.id and item.state != "ENDED":
                    item.state = "ENDED"
                    item.ended_at = now

    # -- read access (copies) ------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.lock:
            return list(self.db.requests)

    @property
    def token_requests(self) -> list[TokenRequest]:
        with self.lock:
            return list(self.db.token_requests)

    @property
    def start_event_submissions(self) -> list[StartEventSubmission]:
        with self.lock:
            return list(self.db.submissions)

    @property
    def process_instances(self) -> dict[int, ProcessInstance]:
        with self.lock:
            return copy.deepcopy(self.db.processes)

    @property
    def workitems(self) -> dict[int, Workitem]:
        with self.lock:
            return copy.deepcopy(self.db.workitems)

    @property
    def users(self) -> list[QUser]:
        with self.lock:
            return list(self.db.users.values())

    def summary(self) -> dict[str, object]:
        """JSON-friendly overview (the control API's ``GET state``)."""
        with self.lock:
            db = self.db
            signed_in = self.signed_in_user
            return {
                "base_path": self.base_path,
                "now": self.clock.now().isoformat(),
                "settings": {
                    "basic_auth_enabled": self.basic_auth_enabled,
                    "rotate_refresh_tokens": self.rotate_refresh_tokens,
                    "access_token_ttl": self.access_token_ttl,
                    "refresh_token_ttl": self.refresh_token_ttl,
                    "edition": self.edition,
                    "process_count_limit": self.process_count_limit,
                },
                "signed_in": signed_in.email if signed_in else None,
                "users": [
                    {"id": u.id, "name": u.name, "email": u.email, "group": u.group.name}
                    for u in db.users.values()
                ],
                "clients": [
                    {
                        "client_id": c.client_id,
                        "redirect_uri": c.redirect_uri,
                        "require_pkce": c.require_pkce,
                        "active": c.active,
                    }
                    for c in db.clients.values()
                ],
                "apps": [
                    {
                        "id": a.id,
                        "name": a.name,
                        "active": a.active,
                        "fields": [f.name for f in a.fields],
                        "start_events": [
                            {"node_number": e.node_number, "name": e.name, "kind": e.kind}
                            for e in a.start_events.values()
                        ],
                    }
                    for a in db.apps.values()
                ],
                "process_instances": [
                    {"id": p.id, "app_id": p.app_id, "title": p.title, "state": p.state}
                    for p in db.processes.values()
                ],
                "workitems": [
                    {
                        "id": w.id,
                        "process_instance_id": w.process_instance_id,
                        "node_name": w.node_name,
                        "state": w.state,
                        "offered_to": [_email(db, u) for u in w.offered_to],
                        "allocated_to": _email(db, w.allocated_user_id),
                    }
                    for w in db.workitems.values()
                ],
                "tokens": {
                    "access": len(db.access_tokens),
                    "refresh": len(db.refresh_tokens),
                },
                "requests": len(db.requests),
                "token_requests": len(db.token_requests),
                "start_event_submissions": len(db.submissions),
                "faults": self.faults.snapshot(),
                "switches": self.switches.snapshot(),
            }


def _normalize_base(base_path: str) -> str:
    stripped = base_path.strip("/")
    return "/" if not stripped else f"/{stripped}/"


def _aware(value: datetime, tz: tzinfo) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _email(db: Tables, user_id: int | None) -> str | None:
    user = db.users.get(user_id) if user_id is not None else None
    return user.email if user else None
