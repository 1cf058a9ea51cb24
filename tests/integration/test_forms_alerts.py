"""A task's own buttons on its DM alert, exactly once: one click, confirm, double clicks and
submits, two replicas, a save that times out, a task gone meanwhile, the alert updated in place."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx2
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from bot.db.alert_models import OutboxMessage
from bot.db.engine import create_engine
from bot.db.models import AuditEntry
from tests.conftest import FAST, bot_app, settle
from tests.forms_support import APP, FIELDS, buttons, form_view, input_ids, option, submit, texts
from tests.forms_support import click as click_button
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

SAVE_TIMEOUT = 0.5
SAVE_PATH = "/API/PE/Workitem/Form/save"


@pytest.fixture
async def app(settings, engine, clock, env) -> AsyncIterator[Starlette]:
    # A short Form/save timeout so "no answer" is quick to provoke.
    application = bot_app(
        settings, engine, clock, tuning=replace(FAST, form_save_timeout=SAVE_TIMEOUT), environ=env
    )
    async with application.router.lifespan_context(application):
        yield application
        await settle()


pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture(autouse=True)
def tenant(questetra):
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_user("bob@example.com", "Bob Brown")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_app(APP, "Expense claim", fields=FIELDS)
    return questetra


async def cycle(app, clock=None) -> None:
    if clock is not None:
        clock.advance(90)
    await app.state.poller.run_once()
    while await app.state.sender.run_once():
        pass


@pytest.fixture
async def alice(bot, signer, slack, questetra, app) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    await cycle(app)


async def alert_for(app, clock, slack, questetra, **task) -> tuple[int, dict]:
    """A new allocated task, announced: (its id, the DM)."""
    task.setdefault("flows", ("Approve", "Reject"))
    wid = questetra.add_task(
        APP, to="alice@example.com", state="ALLOCATED", title="Expense #1042", **task
    )
    await cycle(app, clock)
    (message,) = [m for m in slack.messages("DU_EN") if str(wid) in str(m.get("metadata"))]
    return wid, message


async def press(bot, signer, slack, message, index=0, prefix="form_choose_"):
    """Click the index-th matching button of an alert, as Slack sends it from the message."""
    element = buttons(message["blocks"], prefix)[index]
    url = slack.new_response_url(channel="DU_EN", message_ts=message["ts"], user_id="U_EN")
    await click_button(bot, signer, element, response_url=url, message=message, channel_id="DU_EN")
    return url


def saves(questetra) -> list:
    return [s for s in questetra.form_saves]


async def test_one_click_approve_with_confirm_updates_the_alert_in_place(
    bot, signer, slack, questetra, app, clock, alice
) -> None:
    wid, message = await alert_for(app, clock, slack, questetra)
    choices = buttons(message["blocks"], "form_choose_")
    assert [b["text"]["text"] for b in choices] == ["Approve", "Reject"]
    assert choices[0]["confirm"]["text"]["text"] == "Approve *Expense #1042*?"
    assert [b["action_id"] for b in buttons(message["blocks"], "form_process")] == ["form_process"]
    url = await press(bot, signer, slack, message, 0)
    (replaced,) = await slack.wait_for_response(url)
    assert replaced["replace_original"] is True
    shown = texts(replaced["blocks"])
    assert "*Approve* by you · <!date^" in shown and "{time}" in shown
    assert buttons(replaced["blocks"]) == []  # the buttons are gone
    (saved,) = saves(questetra)
    assert saved.values("flow") == [str(questetra.workitems[wid].flow_ids[0])]
    assert questetra.workitems[wid].chosen_flow == "Approve"
    # A second click (an old copy of the message) sends nothing and says so.
    await press(bot, signer, slack, message, 1)
    await asyncio.sleep(0.3)
    assert len(saves(questetra)) == 1
    # Later polls leave the "Approve by you" card alone (the task is gone from the lists).
    await cycle(app, clock)
    (dm,) = [m for m in slack.messages("DU_EN") if str(wid) in str(m.get("metadata"))]
    assert "Approve* by you" in texts(dm["blocks"])


async def test_a_required_comment_opens_the_form_preselected_and_saves_once(
    bot, signer, slack, questetra, app, clock, alice
) -> None:
    # The check of issue #14: a required comment, two opaque flow ids.
    wid, message = await alert_for(app, clock, slack, questetra, required_fields=["talk"])
    (approve, _reject) = buttons(message["blocks"], "form_choose_")
    assert "confirm" not in approve  # not a one-click task: the form opens instead
    url = await press(bot, signer, slack, message, 0)
    view = await form_view(slack)
    flow = next(b for b in view["blocks"] if b.get("block_id") == "flow")["element"]
    approve_id = str(questetra.workitems[wid].flow_ids[0])
    assert flow["initial_option"]["value"] == approve_id
    missing = await submit(bot, signer, view, {"flow": option(approve_id)})
    assert missing.json()["errors"] == {"q_talk": "Please fill this in."}
    assert saves(questetra) == []
    await submit(bot, signer, view, {"flow": option(approve_id), "q_talk": "Fine by me"})
    (saved,) = saves(questetra)
    assert saved.values("flow") == [approve_id] and saved.values("q_talk") == ["Fine by me"]
    (replaced,) = await slack.wait_for_response(url)
    assert "*Approve* by you" in texts(replaced["blocks"])
    # A second submit of the same form, and a click on the alert: nothing more is sent.
    await submit(bot, signer, view, {"flow": option(approve_id), "q_talk": "again"})
    assert len(saves(questetra)) == 1


async def test_double_click_sends_one_save(
    bot, signer, slack, questetra, app, clock, alice
) -> None:
    questetra.faults.set_latency(0.3, SAVE_PATH)
    _, message = await alert_for(app, clock, slack, questetra)
    await asyncio.gather(
        press(bot, signer, slack, message, 0), press(bot, signer, slack, message, 0)
    )
    await settle()
    assert len(saves(questetra)) == 1
    notes = [e["text"] for e in slack.ephemerals()]
    assert any("already being sent" in n or "already completed" in n for n in notes), notes


async def test_double_submit_sends_one_save(
    bot, signer, slack, questetra, app, clock, alice
) -> None:
    questetra.faults.set_latency(0.3, SAVE_PATH)
    _, message = await alert_for(app, clock, slack, questetra, flows=())
    await press(bot, signer, slack, message, 0, prefix="form_process")
    view = await form_view(slack)
    await asyncio.gather(
        submit(bot, signer, view, {"q_subject": "one"}),
        submit(bot, signer, view, {"q_subject": "two"}),
    )
    await settle()
    assert len(saves(questetra)) == 1


async def test_two_replicas_handle_two_clicks_once(
    bot, signer, slack, questetra, app, clock, alice, settings, engine, env
) -> None:
    questetra.faults.set_latency(0.3, SAVE_PATH)
    _, message = await alert_for(app, clock, slack, questetra)
    other_engine = create_engine(str(engine.url.render_as_string(hide_password=False)))
    other = bot_app(settings, other_engine, clock, environ=env)
    try:
        async with other.router.lifespan_context(other):
            transport = httpx2.ASGITransport(app=other)
            async with httpx2.AsyncClient(transport=transport, base_url="http://bot.test") as two:
                await asyncio.gather(
                    press(bot, signer, slack, message, 0), press(two, signer, slack, message, 1)
                )
                await settle()
    finally:
        await other_engine.dispose()
    assert len(saves(questetra)) == 1


async def test_a_save_that_times_out_is_resolved_by_the_lists(
    bot, signer, slack, questetra, app, clock, alice
) -> None:
    questetra.faults.set_latency(SAVE_TIMEOUT * 3, SAVE_PATH)  # Questetra saves, too late
    wid, message = await alert_for(app, clock, slack, questetra)
    await press(bot, signer, slack, message, 0)
    await _until(lambda: any("did not answer in time" in e["text"] for e in slack.ephemerals()))
    await _until(lambda: questetra.workitems[wid].state == "ENDED")  # it did go through
    questetra.faults.clear()
    await press(bot, signer, slack, message, 0)  # try again: the lists are read first
    await _until(lambda: any("most likely processed" in e["text"] for e in slack.ephemerals()))
    assert len(saves(questetra)) == 1  # nothing sent again


async def test_an_unanswered_save_that_did_not_land_is_sent_again_after_the_check(
    bot, signer, slack, questetra, app, clock, alice
) -> None:
    questetra.faults.reset_next(1, SAVE_PATH)  # the connection drops, nothing processed
    wid, message = await alert_for(app, clock, slack, questetra)
    await press(bot, signer, slack, message, 0)
    await _until(lambda: any("did not answer in time" in e["text"] for e in slack.ephemerals()))
    assert questetra.workitems[wid].state == "ALLOCATED"
    requests_before = len(questetra.requests)
    url = await press(bot, signer, slack, message, 0)
    await slack.wait_for_response(url)
    paths = [r.path for r in questetra.requests[requests_before:]]
    assert paths.index("/API/PE/Workitem/listAllocated") < paths.index(SAVE_PATH)
    assert questetra.workitems[wid].state == "ENDED"


async def test_task_gone_meanwhile(bot, signer, slack, questetra, app, clock, alice) -> None:
    wid, message = await alert_for(app, clock, slack, questetra)
    questetra.complete_task(wid)  # done in the browser
    await press(bot, signer, slack, message, 0)
    await _until(lambda: any("no longer in your tasks" in e["text"] for e in slack.ephemerals()))
    assert saves(questetra) == []


async def test_processed_from_the_list_updates_the_alert(
    bot, signer, slack, questetra, app, clock, alice, engine
) -> None:
    _, message = await alert_for(app, clock, slack, questetra, flows=())
    from tests.forms_support import open_from_list

    view, _ = await open_from_list(bot, signer, slack)
    assert "flow" not in input_ids(view)
    await submit(bot, signer, view, {"q_subject": "done"})
    await settle()
    while await app.state.sender.run_once():
        pass
    (update,) = await slack.wait_for("chat.update")
    assert update.params["ts"] == message["ts"]
    assert "Completed by you" in texts(update.params["blocks"])
    async with engine.connect() as connection:
        outcome = await connection.scalar(select(OutboxMessage.outcome))
    assert outcome == "processed"


async def _until(check, within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("status", [403, 401, 400])
async def test_an_edition_without_writes_is_explained(
    bot, signer, slack, questetra, app, clock, alice, status
) -> None:
    questetra.edition = "standard"  # POSTs are Professional only ([RESTBLOG])
    questetra.form.write_refusal_status = status
    wid, message = await alert_for(app, clock, slack, questetra)
    await press(bot, signer, slack, message, 0)
    expected = {
        403: "can only read from Questetra",
        401: "does not let you process",
        400: "Questetra refused this",
    }[status]
    await _until(lambda: any(expected in e["text"] for e in slack.ephemerals()))
    assert questetra.workitems[wid].state == "ALLOCATED" and questetra.form_saves == []
    assert await link_status(app) == "active"  # never "re-link" for a refused operation
    async with app.state.deps.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == "process_task")
        (row,) = (await session.scalars(query)).all()
    assert (row.action, row.target) == ("process_task", str(wid))
    assert row.outcome == {403: "denied", 401: "error", 400: "error"}[status]
    if status == 403:  # remembered: cards explain instead of offering buttons that fail
        from tests.forms_support import tasks_reply

        reply = await tasks_reply(bot, signer, slack)
        assert buttons(reply["blocks"], "form_") == []
        assert "Read-only connection" in texts(reply["blocks"])


async def link_status(app) -> str:
    from bot.db.models import UserLink

    async with app.state.deps.sessions() as session:
        return str(await session.scalar(select(UserLink.status)))


async def test_a_form_that_changed_since_the_alert_opens_instead_of_saving(
    bot, signer, slack, questetra, app, clock, alice
) -> None:
    wid, message = await alert_for(app, clock, slack, questetra)
    assert "confirm" in buttons(message["blocks"], "form_choose_")[0]  # one click, then
    with questetra.lock:  # the app was changed: the comment is required now
        questetra.db.workitems[wid].required_fields = frozenset({"talk"})
    await press(bot, signer, slack, message, 1)
    view = await form_view(slack)
    flow = next(b for b in view["blocks"] if b.get("block_id") == "flow")["element"]
    assert flow["initial_option"]["text"]["text"] == "Reject"
    assert saves(questetra) == []
    # When Slack no longer honours the click's trigger, the person is told how to go on.
    slack.fail("views.open", error="expired_trigger_id")
    await press(bot, signer, slack, message, 0)
    await _until(lambda: any("click *Process…* again" in e["text"] for e in slack.ephemerals()))
    assert saves(questetra) == []
