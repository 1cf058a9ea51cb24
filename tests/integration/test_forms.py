"""Processing tasks from Slack, end to end: signed requests through the real app, the Questetra
emulator and the fake Slack on loopback, the real database (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.db.form_models import FormSaveRecord
from bot.db.models import AuditEntry, UserLink
from tests.forms_support import (
    APP,
    FIELDS,
    buttons,
    form_view,
    input_ids,
    open_from_list,
    option,
    submit,
    tasks_reply,
    texts,
)
from tests.forms_support import click as click_button
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture(autouse=True)
def tenant(questetra, slack):
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_user("bob@example.com", "Bob Brown")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_app(APP, "Expense claim", fields=FIELDS)
    slack.add_user("U_BOB", email="bob@example.com", name="bob")
    return questetra


@pytest.fixture
async def alice(bot, signer, slack, questetra) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")


def approval(questetra, **kwargs) -> int:
    kwargs.setdefault("flows", ("Approve", "Reject"))
    kwargs.setdefault("state", "ALLOCATED")
    kwargs.setdefault("title", "Expense #1042")
    return questetra.add_task(APP, to="alice@example.com", **kwargs)


async def audit(engine) -> list[AuditEntry]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(AuditEntry).where(AuditEntry.action == "process_task").order_by(AuditEntry.id)
        )
        return list(rows.all())


async def test_every_data_type_reaches_questetra_as_its_parameter(
    bot, signer, slack, questetra, alice, engine
) -> None:
    wid = approval(
        questetra,
        data={"talk": "Bob: receipts attached", "files": ["receipt.pdf"], "items": [["a", "1"]]},
    )
    view, list_url = await open_from_list(bot, signer, slack)
    assert view["callback_id"] == "form_submit" and len(view["blocks"]) <= 100
    ids = input_ids(view)
    for var_name in ("q_subject", "q_notes", "q_amount", "q_kind", "q_tags", "q_due", "q_month",
                     "q_meet", "q_owner", "q_team", "q_talk", "flow", "save_only", "title"):  # fmt: skip
        assert var_name in ids, var_name
    assert "q_items" not in ids and "q_files" not in ids  # shown read-only
    shown = texts(view["blocks"])
    assert "receipt.pdf" in shown and "Bob: receipts attached" in shown
    elements = {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
    assert elements["q_amount"] == "number_input" and elements["q_meet"] == "datetimepicker"
    assert elements["q_owner"] == "users_select" and elements["q_tags"] == "checkboxes"
    flow = next(b for b in view["blocks"] if b.get("block_id") == "flow")["element"]
    approve_id = flow["options"][0]["value"]
    moment = int(datetime(2026, 12, 24, 1, 30, tzinfo=UTC).timestamp())  # 10:30 in Tokyo
    answer = await submit(
        bot,
        signer,
        view,
        {
            "title": "Expense #1042 (checked)",
            "q_subject": "Trip to Osaka",
            "q_notes": "line one\nline two",
            "q_amount": {"type": "number_input", "value": "１２,５００"},
            "q_kind": option("b", "static_select"),
            "q_tags": {"type": "checkboxes", "selected_options": [{"value": "x"}, {"value": "y"}]},
            "q_due": {"type": "datepicker", "selected_date": "2026-12-24"},
            "q_month": {"type": "datepicker", "selected_date": "2027-01-15"},
            "q_meet": {"type": "datetimepicker", "selected_date_time": moment},
            "q_owner": {"type": "users_select", "selected_user": "U_BOB"},
            "q_team": "Sales",
            "q_talk": "Approved, thanks",
            "flow": option(approve_id),
            "save_only": {"type": "checkboxes", "selected_options": []},
        },
    )
    assert answer.content in (b"", b"{}") or answer.json() == {}  # closed
    (saved,) = questetra.form_saves
    params = saved.params
    assert params[0] == ("workitemId", str(wid))
    expected = [
        ("title", "Expense #1042 (checked)"),
        ("q_subject", "Trip to Osaka"),
        ("q_notes", "line one\nline two"),
        ("q_amount", "12500"),
        ("q_kind", "b"),
        ("q_tags", "x"),
        ("q_tags", "y"),
        ("q_due", "2026-12-24"),
        ("q_month", "2027-01"),
        ("q_meet", "2026-12-24 10:30"),
        ("q_owner", "bob@example.com"),
        ("q_team", "Sales"),
        ("q_talk", "Approved, thanks"),
        ("q_items", "<list><row><col>a</col><col>1</col></row></list>"),
        (
            "q_files",
            str(
                questetra.process_instances[questetra.workitems[wid].process_instance_id]
                .data[13][0]
                .id
            ),
        ),
        ("flow", approve_id),
    ]
    assert [p for p in params if p[0] != "qgroupId"][1:] == expected
    assert saved.success and questetra.workitems[wid].chosen_flow == "Approve"
    # The list the modal came from is replaced, the Home refreshed, the save audited.
    replaced = (await slack.wait_for_response(list_url, count=2))[-1]
    assert replaced["replace_original"] is True and "Approve" in replaced["text"]
    await slack.wait_for("views.publish")
    async with engine.connect() as connection:
        (record,) = (await connection.execute(select(FormSaveRecord))).all()
    assert (record.state, record.workitem_id, record.save_only) == ("done", wid, False)
    (row,) = await audit(engine)
    assert row.actor == "U_EN" and row.target == str(wid) and row.outcome == "ok"
    assert row.detail == {"choice": "Approve", "mode": "complete", "result": "completed"}


async def test_questetra_field_errors_come_back_under_the_fields(
    bot, signer, slack, questetra, alice, engine
) -> None:
    approval(questetra, flows=())
    view, _ = await open_from_list(bot, signer, slack)
    # Nobody in Questetra has this e-mail: only Questetra can tell (linked e-mail of U_JA).
    slack.add_user("U_NEW", email="nobody@example.com")
    answer = await submit(
        bot, signer, view, {"q_owner": {"type": "users_select", "selected_user": "U_NEW"}}
    )
    assert answer.json()["response_action"] == "errors"
    assert "nobody@example.com" in answer.json()["errors"]["q_owner"]
    assert answer.json()["errors"]["q_owner"].startswith("Questetra: ")
    (refused,) = questetra.form_saves
    assert not refused.success
    (row,) = await audit(engine)
    assert row.outcome == "error" and row.detail["errors"] == ["q_owner"]
    fixed = await submit(bot, signer, view, {"q_subject": "ok"})  # a retry is allowed
    assert fixed.content in (b"", b"{}") or fixed.json() == {}
    assert len(questetra.form_saves) == 2 and questetra.form_saves[-1].success


async def test_required_items_missing_locally_save_nothing(
    bot, signer, slack, questetra, alice
) -> None:
    approval(questetra, required_fields=["subject", "talk"])
    view, _ = await open_from_list(bot, signer, slack)
    flow = next(b for b in view["blocks"] if b.get("block_id") == "flow")["element"]
    answer = await submit(
        bot, signer, view, {"q_subject": "", "flow": option(flow["options"][0]["value"])}
    )
    errors = answer.json()["errors"]
    assert errors == {"q_subject": "Please fill this in.", "q_talk": "Please fill this in."}
    assert questetra.form_saves == []


async def test_several_roles_and_save_only(bot, signer, slack, questetra, alice, engine) -> None:
    wid = approval(questetra, flows=(), roles=["Sales", "Accounting"])
    view, _ = await open_from_list(bot, signer, slack)
    role = next(b for b in view["blocks"] if b.get("block_id") == "role")["element"]
    assert [o["text"]["text"] for o in role["options"]] == ["Sales", "Accounting"]
    accounting = role["options"][1]["value"]
    save_only = {"type": "checkboxes", "selected_options": [{"value": "true"}]}
    await submit(
        bot,
        signer,
        view,
        {"q_subject": "draft", "role": option(accounting), "save_only": save_only},
    )
    (saved,) = questetra.form_saves
    assert ("saveOnly", "true") in saved.params and ("qgroupId", accounting) in saved.params
    assert "flow" not in saved.names()
    assert questetra.workitems[wid].state == "ALLOCATED"
    again = {"q_subject": "draft", "role": option(accounting), "save_only": save_only}
    await submit(bot, signer, view, again)  # a double submit of that modal
    assert len(questetra.form_saves) == 1
    await submit(bot, signer, view, {"q_subject": "final", "role": option(accounting)})
    assert len(questetra.form_saves) == 2 and questetra.workitems[wid].state == "ENDED"
    assert questetra.workitems[wid].executed_as == int(accounting)
    rows = await audit(engine)
    assert [(r.detail["mode"], r.outcome) for r in rows] == [
        ("save_only", "ok"),
        ("complete", "ok"),
    ]


async def test_no_buttons_means_no_flow(bot, signer, slack, questetra, alice) -> None:
    wid = approval(questetra, flows=())
    view, _ = await open_from_list(bot, signer, slack)
    assert "flow" not in input_ids(view) and view["submit"]["text"] == "Send"
    await submit(bot, signer, view, {"q_subject": "done"})
    (saved,) = questetra.form_saves
    assert "flow" not in saved.names() and saved.success
    assert questetra.workitems[wid].state == "ENDED"


async def test_offered_task_accept_and_process(bot, signer, slack, questetra, alice) -> None:
    wid = questetra.add_task(APP, to=["alice@example.com", "bob@example.com"], flows=("OK",))
    reply = await tasks_reply(bot, signer, slack)
    (accept,) = buttons(reply["blocks"], "form_accept_process")
    await click_button(bot, signer, accept, response_url=reply["_url"])
    view = await form_view(slack)
    assert view["callback_id"] == "form_submit"
    assert questetra.workitems[wid].state == "ALLOCATED"
    assert view["submit"]["text"] == "OK"  # the only button is the submit
    await submit(bot, signer, view, {"q_subject": "mine"})
    (saved,) = questetra.form_saves
    assert saved.values("flow") == [str(questetra.workitems[wid].flow_ids[0])]


async def test_someone_elses_task_says_so_and_keeps_the_link(
    bot, signer, slack, questetra, alice, engine
) -> None:
    wid = approval(questetra)
    reply = await tasks_reply(bot, signer, slack)
    questetra.remove_task(wid)
    other = questetra.add_task(APP, to="bob@example.com", state="ALLOCATED")
    process = buttons(reply["blocks"], "form_process")[0]
    process["value"] = process["value"].replace(str(wid), str(other))
    await click_button(bot, signer, process, response_url=reply["_url"])
    view = await form_view(slack)
    assert "does not let you process this task" in texts(view["blocks"])
    async with engine.connect() as connection:
        assert await connection.scalar(select(UserLink.status)) == "active"
    calls = [r.path for r in questetra.requests]
    assert calls[-2:] == ["/API/PE/Workitem/Form/viewXml", "/API/User/Quser/self"]


async def test_read_scope_explains_instead_of_buttons(
    bot, signer, slack, questetra, engine, env
) -> None:
    # The same deployment with QUESTETRA_SCOPE=read: lists work, processing is explained.
    from bot.config import Settings
    from tests.conftest import bot_app

    settings = Settings.model_validate({**env, "QUESTETRA_SCOPE": "read"})
    import httpx2

    from tests.support import ManualClock

    application = bot_app(settings, engine, ManualClock())
    async with application.router.lifespan_context(application):
        transport = httpx2.ASGITransport(app=application)
        async with httpx2.AsyncClient(transport=transport, base_url="http://bot.test") as client:
            await link_user(
                client, signer, slack, questetra, user_id="U_EN", email="alice@example.com"
            )
            approval(questetra)
            reply = await tasks_reply(client, signer, slack)
            assert buttons(reply["blocks"], "form_") == []
            assert "Read-only connection" in texts(reply["blocks"])
    assert questetra.form_saves == []


async def test_a_401_with_a_dead_credential_asks_to_relink(
    bot, signer, slack, questetra, alice, engine
) -> None:
    approval(questetra)
    reply = await tasks_reply(bot, signer, slack)
    questetra.revoke_tokens("alice@example.com")  # the form and Quser/self both say 401
    process = buttons(reply["blocks"], "form_process")[0]
    await click_button(bot, signer, process, response_url=reply["_url"])
    view = await form_view(slack)
    assert "please link it again" in texts(view["blocks"]).lower()
    async with engine.connect() as connection:
        assert await connection.scalar(select(UserLink.status)) == "needs_relink"
    assert questetra.form_saves == []


async def test_task_form_values_pass_the_parsing_boundary(
    bot, signer, slack, questetra, alice
) -> None:
    """A number in other digits is a field error, never a crash nor a save; full-width text,
    digits and minus are read as meant (bot/domain/typed.py)."""
    approval(questetra, flows=())
    view, _ = await open_from_list(bot, signer, slack)
    for typed in ("²", "١٢", "①"):
        answer = await submit(
            bot, signer, view, {"q_amount": {"type": "number_input", "value": typed}}
        )
        assert answer.json()["response_action"] == "errors", typed
        assert set(answer.json()["errors"]) == {"q_amount"}
    assert questetra.form_saves == []
    answer = await submit(
        bot,
        signer,
        view,
        {
            "title": "ＲＥＰＯＲＴ\u3000２０２６",
            "q_subject": "ｶﾞｲﾄﾞ",
            "q_amount": {"type": "number_input", "value": "１２"},
        },
    )
    assert answer.content in (b"", b"{}") or answer.json() == {}
    params = dict(questetra.form_saves[-1].params)
    assert (params["title"], params["q_subject"], params["q_amount"]) == (
        "REPORT 2026",
        "ガイド",
        "12",
    )
