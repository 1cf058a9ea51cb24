"""`python -m bot probe` against the emulator in each of its switch settings: what the report
says, and that nothing from the tenant's data (names, e-mails, titles, values, ids, tokens,
passwords) ever appears in it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, get_args

import httpx2
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.__main__ import main
from bot.config import Settings
from bot.crypto import KeyRing
from bot.db.models import UserLink
from bot.questetra.probe_report import Finding, Report, Status, render
from bot.services.linking import owner_of
from bot.services.probe import LinkChoice, ProbeSetupError, probe_with_link, probe_with_password
from tests.conftest import ENCRYPTION_KEY
from tests.emulators.questetra import EmulatorState, Field
from tests.emulators.questetra.form_settings import ValueShape
from tests.emulators.questetra.switches import VALUE_SHAPES
from tests.emulators.questetra.tokens import _mint

APP = 52
EMAIL = "zebulon.quixote@secret-mail.example"
PASSWORD = "ApiPassw0rd-Marker-77"
# Everything a report must never show (seeded below, plus ids and tokens found at run time).
MARKERS = [
    "Zebulon",
    "Quixote",
    "secret-mail",
    "Bartholomew",
    "TitleMarker",
    "ValueMarker",
    "ChoiceMarker",
    "OrgMarker",
    "FileMarker",
    "CellMarker",
    "AppNameMarker",
    "TaskNameMarker",
    PASSWORD,
    "bridge-client-secret-123",
]


@pytest.fixture(autouse=True)
def tenant(questetra: EmulatorState, clock) -> EmulatorState:
    questetra.basic_auth_enabled = True
    questetra.add_user(EMAIL, "Zebulon Quixote", api_password=PASSWORD, group="OrgMarker Sales")
    questetra.add_user("bart@secret-mail.example", "Bartholomew")
    questetra.add_client(
        "bridge-client", "bridge-client-secret-123", "http://bot.test/questetra/oauth/callback"
    )
    questetra.add_app(
        APP,
        "AppNameMarker",
        fields=[
            Field("q_text", "Text", "STRING", 0),
            Field("q_amount", "Amount", "DECIMAL", 1),
            Field("q_kind", "Kind", "SELECT", 2, choices={"c1": "ChoiceMarker One"}),
            Field("q_due", "Due", "DATE", 3),
            Field("q_meet", "Meet", "DATETIME", 4),
            Field("q_owner", "Owner", "QUSER", 5),
            Field("q_dept", "Dept", "QGROUP", 6),
            Field("q_lines", "Lines", "LIST", 7),
            Field("q_files", "Files", "FILE", 8),
        ],
    )
    data = {
        "q_text": "ValueMarker text",
        "q_amount": "123456.78",
        "q_kind": "c1",
        "q_due": "2024-05-01",
        "q_meet": "2024-05-01 10:00",
        "q_owner": "bart@secret-mail.example",
        "q_dept": "OrgMarker Sales",
        "q_lines": [["CellMarker", "1"]],
        "q_files": ["FileMarker.pdf"],
    }
    for n in range(2):
        questetra.add_task(
            APP,
            to=EMAIL,
            state="ALLOCATED",
            title=f"TitleMarker {n}",
            node_name="TaskNameMarker",
            data=data,
            starter="bart@secret-mail.example",
        )
        clock.advance(60)
    questetra.add_task(APP, to=[EMAIL, "bart@secret-mail.example"], title="TitleMarker offered")
    return questetra


def leaks(text: str, state: EmulatorState) -> list[str]:
    found = [m for m in MARKERS if m.lower() in text.lower()]
    ids = [str(i) for i in [*state.workitems, *state.process_instances]]
    found += [i for i in ids if re.search(rf"(?<!\d){i}(?!\d)", text)]
    with state.lock:
        tokens = [*state.db.access_tokens, *state.db.refresh_tokens]
    found += [t for t in tokens if t in text]
    return found


async def probe(settings: Settings, **kw: Any) -> Report:
    return await probe_with_password(
        settings, email=EMAIL, api_password=PASSWORD, checks=True, **kw
    )


def finding(report: Report, key: str, **params: Any) -> Finding:
    for section in report.sections:
        for f in section.findings:
            if f.key == key and all(f.params.get(k) == v for k, v in params.items()):
                return f
    raise AssertionError(f"no finding {key} {params}: {report}")


async def test_default_tenant(settings: Settings, questetra: EmulatorState) -> None:
    report = await probe(settings)
    text = render(report, "en")
    assert leaks(text, questetra) == []
    assert finding(report, "probe.check.unauthenticated").status is Status.OK
    assert finding(report, "probe.check.quser").status is Status.OK
    assert finding(report, "probe.check.list_allocated").status is Status.OK
    limit = finding(report, "probe.check.list_limit")
    assert limit.effect == "probe.effect.limit_ignored"  # E1: the whole list, as [SWG] says
    order = finding(report, "probe.check.search_order")
    assert order.status is Status.OK and "default order: oldest first" in order.lines
    for data_type in (
        "STRING",
        "DECIMAL",
        "SELECT",
        "DATE",
        "DATETIME",
        "QUSER",
        "QGROUP",
        "LIST",
        "FILE",
    ):
        assert finding(report, "probe.check.value_shapes", type=data_type).status is Status.OK
    assert "xml-table (read)" in finding(report, "probe.check.value_shapes", type="LIST").lines
    assert finding(report, "probe.check.token_error").status is Status.OK
    assert finding(report, "probe.check.accept_refusal").status is Status.INFO
    assert "errorCode digits, type CamelCase" in finding(report, "probe.check.accept_refusal").lines
    assert finding(report, "probe.check.start_refusal").status is Status.INFO
    assert "/message-start-event-errors" in finding(report, "probe.check.start_refusal").lines
    # The form section: the XML's outline, then the bridge's own parser reads every item.
    assert finding(report, "probe.check.form").status is Status.INFO
    form = finding(report, "probe.check.form_parser")
    assert form.status is Status.OK and form.effect == "probe.effect.form_read"
    assert "buttons (user-select): 1" in form.lines
    assert "data-type 11 (SELECT): value <item(display,value)> (read)" in form.lines
    assert "data-type 8 (USER): value <quser(email,id,name)> (read)" in form.lines
    assert "9999-99-99T99:99:99+9999" in text  # date formats as patterns
    assert report.clean
    assert "Summary:" in text and "まとめ" in render(report, "ja")


@pytest.mark.parametrize(
    ("how", "status"), [("401", Status.OK), ("redirect", Status.INFO), ("html", Status.INFO)]
)
async def test_unauthenticated_answers(
    settings: Settings, questetra: EmulatorState, how: str, status: Status
) -> None:
    questetra.switches.set("unauthenticated", how)
    report = await probe(settings)
    found = finding(report, "probe.check.unauthenticated")
    assert found.status is status
    assert report.clean
    assert leaks(render(report, "en"), questetra) == []


@pytest.mark.parametrize("style", ["rfc", "spring", "html"])
async def test_token_error_styles(settings: Settings, questetra: EmulatorState, style: str) -> None:
    questetra.switches.set("token_errors", style)
    report = await probe(settings)
    found = finding(report, "probe.check.token_error")
    assert found.status is Status.OK, found
    assert "the bot reads it as: InvalidGrant" in found.lines
    assert leaks(render(report, "ja"), questetra) == []


@pytest.mark.parametrize(
    ("data_type", "shape"), [(k, s) for k, shapes in VALUE_SHAPES.items() for s in shapes]
)
async def test_every_value_encoding_is_reported_as_read(
    settings: Settings, questetra: EmulatorState, data_type: str, shape: str
) -> None:
    questetra.switches.set("values", {data_type: shape})
    report = await probe(settings)
    found = finding(report, "probe.check.value_shapes", type=data_type)
    assert found.status is Status.OK and all(
        line.endswith("(read)") or line.startswith("subType") for line in found.lines
    )
    assert leaks(render(report, "en"), questetra) == []


async def test_a_page_in_front_of_start_events(
    settings: Settings, questetra: EmulatorState
) -> None:
    questetra.switches.set("front", "sign_in_redirect")
    report = await probe(settings)
    found = finding(report, "probe.check.start_refusal")
    assert found.status is Status.MISMATCH and found.effect == "probe.effect.sign_in_in_front"
    assert "redirect to another host" in found.lines
    assert not report.clean


async def test_a_capped_list_and_ignored_sort_keys(
    settings: Settings, questetra: EmulatorState
) -> None:
    questetra.switches.set("list_cap", 1)
    questetra.switches.set("sort_keys", False)
    report = await probe(settings)
    assert finding(report, "probe.check.list_capped").lines == ("count 2, returned 1",)
    order = finding(report, "probe.check.search_order")
    assert order.status is Status.MISMATCH and order.effect == "probe.effect.sort_ignored"
    assert "sortProperty/sortDirection honoured: False" in order.lines
    assert leaks(render(report, "en"), questetra) == []


@pytest.mark.parametrize("style", ["per_item", "400"])
async def test_accept_refusal_styles(
    settings: Settings, questetra: EmulatorState, style: str
) -> None:
    questetra.switches.set("accept_refusal", style)
    found = finding(await probe(settings), "probe.check.accept_refusal")
    assert found.status is Status.INFO
    assert found.lines[0] == (
        "refused per item in a 200" if style == "per_item" else "refused as a 400 with errors"
    )


async def test_a_refused_credential_stops_early(
    settings: Settings, questetra: EmulatorState
) -> None:
    report = await probe_with_password(settings, email=EMAIL, api_password="wrong", checks=False)
    found = finding(report, "probe.check.quser")
    assert found.status is Status.FAILED and found.effect == "probe.effect.credential_refused"
    assert [s.key for s in report.sections] == [
        "probe.section.connection",
        "probe.section.credential",
    ]
    assert "wrong" not in render(report, "en")


class _MovedTenant(httpx2.AsyncBaseTransport):
    """Every call to the old host is answered 301 to the same path on the new one (A4)."""

    def __init__(self) -> None:
        self._real = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.host == "old-tenant.example":
            moved = request.url.copy_with(scheme="https", host="new-tenant.example")
            return httpx2.Response(301, headers={"location": str(moved)})
        return await self._real.handle_async_request(request)


async def test_a_moved_base_url_is_named(settings: Settings, questetra: EmulatorState) -> None:
    moved = settings.model_copy(update={"questetra_base_url": "http://old-tenant.example/"})
    report = await probe(moved, transport=_MovedTenant())
    assert finding(report, "probe.check.unauthenticated").effect == "probe.effect.base_url_redirect"
    credential = finding(report, "probe.check.quser")
    assert credential.status is Status.FAILED
    assert credential.effect == "probe.effect.base_url_redirect"


@pytest.mark.parametrize("shape", get_args(ValueShape))
async def test_every_form_value_shape_is_read(
    settings: Settings, questetra: EmulatorState, shape: ValueShape
) -> None:
    """Each ``<value>`` encoding the emulator offers (FormSettings.value_shape) is read by the
    bridge's own parser, for every data type of the tenant's app."""
    questetra.form.value_shape = shape
    report = await probe(settings)
    form = finding(report, "probe.check.form_parser")
    assert form.status is Status.OK, form
    values = [line for line in form.lines if line.startswith("data-type")]
    assert len({line.split(" ")[1] for line in values}) == 9  # every type of the app, with a value
    assert all(line.endswith("(read)") for line in values), values
    if shape == "text":
        assert "data-type 8 (USER): value text (read)" in values
        assert "data-type 13 (TABLE): value text (XML list) (read)" in values
    else:
        assert "data-type 10 (DATETIME): value <date,time> (read)" in values
    assert leaks(render(report, "en"), questetra) == []


async def test_hidden_read_only_and_buttons_are_counted(
    settings: Settings, questetra: EmulatorState
) -> None:
    with questetra.lock:
        for item in questetra.db.workitems.values():
            item.editable_fields = frozenset({"q_text"})
            item.hidden_fields = frozenset({"q_files"})
            item.flows, item.flow_ids = ("Approve", "Reject"), (71, 72)
    form = finding(await probe(settings), "probe.check.form_parser")
    assert form.status is Status.OK
    assert form.lines[0] == (
        "items: 9 (editable in Slack 1, shown read-only 7, hidden 1); positions: 1"
    )
    assert "buttons (user-select): 2" in form.lines


class _Rewrite(httpx2.AsyncBaseTransport):
    """The emulator's answers, with Form/viewXml's body edited: a tenant that differs."""

    def __init__(self, edit: Callable[[str], str]) -> None:
        self._real = httpx2.AsyncHTTPTransport()
        self._edit = edit

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._real.handle_async_request(request)
        if not request.url.path.endswith("/Form/viewXml"):
            return response
        body = (await response.aread()).decode()
        edited = self._edit(body)
        assert edited != body, "the edit changed nothing"
        headers = {"content-type": response.headers["content-type"]}
        return httpx2.Response(response.status_code, headers=headers, content=edited.encode())

    async def aclose(self) -> None:
        await self._real.aclose()


def _sub(pattern: str, new: str) -> Callable[[str], str]:
    return lambda body: re.sub(pattern, new, body)


@pytest.mark.parametrize(
    ("edit", "effect", "line"),
    [
        (
            _sub(r"<data-type>0</data-type>", "<data-type>99</data-type>"),
            "probe.effect.form_unknown_type",
            "data-type 99: not known",
        ),
        (
            _sub(r"(</?)quser>", r"\1person>"),
            "probe.effect.form_values_unread",
            "data-type 8 (USER): value <person(email,id,name)>: not read",
        ),
        (
            _sub(r"<var-name>q_text</var-name>", ""),
            "probe.effect.form_no_var_name",
            "data-type 0: 1 writable item(s) without var-name",
        ),
        (
            _sub(r"<flow-id>[^<]*</flow-id>", ""),
            "probe.effect.form_buttons",
            "user-select: 1 without flow-id",
        ),
        (
            _sub(r"(</?)workitem-form", r"\1workitem"),
            "probe.effect.form_unreadable",
            "root element: workitem",
        ),
    ],
    ids=["unknown-type", "unknown-value", "no-var-name", "no-flow-id", "not-a-form"],
)
async def test_a_form_the_bridge_reads_differently_is_reported(
    settings: Settings, questetra: EmulatorState, edit: Callable[[str], str], effect: str, line: str
) -> None:
    report = await probe(settings, transport=_Rewrite(edit))
    form = finding(report, "probe.check.form_parser")
    assert form.status is Status.MISMATCH and form.effect == effect, form
    assert line in form.lines
    assert not report.clean
    text = render(report, "en")
    assert leaks(text, questetra) == []
    assert "send this report" in text or effect == "probe.effect.form_unknown_type"


async def test_an_undeclared_prefix_is_read_as_the_bridge_reads_it(
    settings: Settings, questetra: EmulatorState
) -> None:
    """``ns2:`` used without its declaration is no XML to a strict parser; the bridge's reader
    strips the prefix ([TITANIUM] reads local names), so the probe judges it the same way."""
    report = await probe(settings, transport=_Rewrite(_sub(r' xmlns:ns2="[^"]*"', "")))
    assert finding(report, "probe.check.form").status is Status.INFO
    form = finding(report, "probe.check.form_parser")
    assert form.status is Status.OK, form
    assert "data-type 11 (SELECT): value <item(display,value)> (read)" in form.lines


# ---------------------------------------------------------------- as a linked user, and the CLI


async def add_link(
    engine: AsyncEngine, method: str, secret: dict[str, str], user: str, expires: Any = None
) -> None:
    sealed = KeyRing([ENCRYPTION_KEY]).seal(secret, owner=owner_of("T0001", user))
    async with engine.begin() as connection:
        await connection.execute(
            UserLink.__table__.insert().values(
                team_id="T0001",
                slack_user_id=user,
                method=method,
                questetra_user_id=1,
                questetra_email=EMAIL,
                questetra_name="Zebulon Quixote",
                credential_enc=sealed,
                access_expires_at=expires,
            )
        )


@pytest.fixture
def db_settings(settings: Settings, engine: AsyncEngine) -> Settings:
    url = engine.url.set(drivername=engine.url.get_backend_name())
    return settings.model_copy(update={"database_url": url.render_as_string(hide_password=False)})


async def test_as_a_linked_user(
    db_settings: Settings, engine: AsyncEngine, questetra, clock
) -> None:
    with questetra.lock:
        user = questetra.user(EMAIL)
        access, _ = _mint(questetra, user.id, "bridge-client", frozenset({"any"}), refresh=False)
    tokens = {"access_token": access.token, "refresh_token": "r"}

    await add_link(engine, "oauth", tokens, "U_OAUTH", access.expires_at)
    await add_link(engine, "oauth", {"access_token": "old", "refresh_token": "dead"}, "U_DEAD")
    await add_link(engine, "basic", {"email": EMAIL, "api_password": PASSWORD}, "U_BASIC")
    for who in ("U_OAUTH", "U_BASIC"):
        report = await probe_with_link(
            db_settings, LinkChoice("T0001", who), checks=False, clock=clock
        )
        assert finding(report, "probe.check.quser").status is Status.OK
        assert leaks(render(report, "en"), questetra) == []
    with pytest.raises(ProbeSetupError, match="no active linked user"):
        await probe_with_link(db_settings, LinkChoice("T0001", "U_NOBODY"), checks=False)
    # A dead refresh token: said plainly, and the link is marked for re-linking as usual.
    with pytest.raises(ProbeSetupError, match="re-link"):
        await probe_with_link(db_settings, LinkChoice("T0001", "U_DEAD"), checks=False, clock=clock)


@pytest.fixture
def cli_env(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")  # no stray .env
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_the_cli_asks_for_the_password_and_prints_the_report(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], questetra
) -> None:
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or EMAIL)
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or PASSWORD)
    code = main(["probe", "--basic", "--checks", "--lang", "ja"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert asked == ["Questetra e-mail: ", "API password (not the sign-in password): "]
    assert "Questetra 適合性プローブ" in out and "まとめ" in out
    assert leaks(out, questetra) == []


def test_the_cli_takes_no_password_argument() -> None:
    with pytest.raises(SystemExit):
        main(["probe", "--password", "x"])
