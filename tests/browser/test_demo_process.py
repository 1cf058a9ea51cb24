"""Processing a task in the demo, in a real browser: a task made in the Questetra panel arrives as
a DM alert with the task's own choices (承認 / 差し戻し); *Process…* opens the task's form as a
modal, the person edits it and chooses, and the alert then says what they chose, the task is
gone from the tenant, and the emulator got exactly that ``Form/save``. A choice button asks
first (Slack's confirm dialog), then saves. Screenshots go to build/demo-screenshots/
(21-process-form.png illustrates the README as docs/images/demo-process-task.png)."""

from __future__ import annotations

import re
from typing import Any

import httpx2
import pytest

from tests.browser.test_demo_page import _connect, _open_channel, _page, _shot
from tests.demo_support import DemoProcess

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _new_leave_task(page: Any, title: str) -> Any:
    """Make a 休暇申請 task for Alex in the Questetra panel; its alert, with its buttons."""
    from playwright.sync_api import expect

    page.select_option("#q-app", label="休暇申請")
    page.fill("#q-task-title", title)
    page.locator("#q-to label", has_text="Alex Morgan").locator("input").check()
    page.check("#q-new input[value=allocate]")
    page.click("#q-create")
    alert = page.locator("#main .msg", has_text=title).last
    expect(alert.locator("button", has_text="差し戻し")).to_be_visible()
    # The same message from now on, whatever it comes to say.
    return page.locator(f'#main .msg[data-ts="{alert.get_attribute("data-ts")}"]')


def _saves(demo: DemoProcess) -> list[dict[str, Any]]:
    """The Form/save calls the demo's Questetra emulator answered."""
    state = httpx2.get(f"{demo.url}/demo/api/state", params={"user": "U02ALEX"}).json()
    emulator = state["questetra"]["url"]
    saves: list[dict[str, Any]] = httpx2.get(f"{emulator}_emulator/requests").json()["form_saves"]
    return saves


def _alex_messages(browser: Any, demo: DemoProcess) -> Any:
    """A page of Alex's, open on the app's Messages tab (where alerts arrive)."""
    page = _page(browser, demo, "U02ALEX")
    _open_channel(page, "questetra")
    page.click("#tab-messages")
    return page


def _open_tasks(page: Any) -> Any:
    return page.locator("#q-tasks li")


@pytest.fixture(scope="module")
def linked(browser: Any, demo: DemoProcess) -> None:
    """Alex links once for the module (each test opens its own page)."""
    page = _page(browser, demo, "U02ALEX")
    _open_channel(page, "general")
    _connect(page, None, "Link in Questetra")
    page.context.close()


def test_process_a_task_in_its_form(browser, demo, shots, linked) -> None:
    from playwright.sync_api import expect

    page = _alex_messages(browser, demo)
    alert = _new_leave_task(page, "秋季休暇 10/5–10/9")
    expect(alert.locator("button", has_text=re.compile("^承認$"))).to_be_visible()
    expect(alert).to_contain_text("New task for you: 承認 (休暇申請)")
    _shot(page, shots, "20-alert-with-choices")

    alert.locator("button", has_text="Process…").click()
    modal = page.locator(".modal[data-view-id]")
    expect(modal.locator("h2")).to_have_text("Process task")

    def field(label: str) -> Any:
        return modal.locator(".bk-input-block", has=page.locator(".bk-label", has_text=label))

    # The applicant's entries are there to check; the approver adds a reason and decides.
    expect(field("種類").locator("label", has_text="年次有給休暇").locator("input")).to_be_checked()
    assert field("開始日").locator("input").input_value() != ""
    field("理由").locator("textarea").fill("帰省のため")
    field("連絡事項").locator("label", has_text="引き継ぎ済み").locator("input").check()
    field("Your decision").locator("label", has_text="承認").locator("input").check()
    modal.locator(".modal-body").evaluate("body => { body.scrollTop = body.scrollHeight }")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    _shot(page, shots, "21-process-form")

    saves_before = len(_saves(demo))
    modal.locator(".modal-submit").click()
    expect(modal).to_have_count(0)
    expect(alert).to_contain_text("承認 by you")
    expect(alert.locator("button", has_text="Process…")).to_have_count(0)
    expect(alert.locator("button", has_text="差し戻し")).to_have_count(0)
    expect(_open_tasks(page).filter(has_text="秋季休暇 10/5–10/9")).to_have_count(0)
    _shot(page, shots, "22-processed")

    saves = _saves(demo)[saves_before:]
    assert len(saves) == 1, saves
    save = saves[0]
    assert save["success"] and save["status"] == 200
    params = {name: [v for n, v in save["params"] if n == name] for name, _ in save["params"]}
    assert params["q_reason"] == ["帰省のため"]
    assert params["q_tags"] == ["handover"]
    assert params["q_kind"] == ["paid"]
    page.context.close()


def test_a_choice_button_asks_then_saves(browser, demo, shots, linked) -> None:
    from playwright.sync_api import expect

    page = _alex_messages(browser, demo)
    alert = _new_leave_task(page, "冬季休暇 12/28–1/4")
    saves_before = len(_saves(demo))

    alert.locator("button", has_text="差し戻し").click()
    dialog = page.locator("#dialog-root .dialog")
    expect(dialog).to_contain_text("差し戻し")
    _shot(page, shots, "23-choice-confirm")
    dialog.locator("[data-role=deny]").click()  # changed their mind: nothing is sent
    expect(dialog).to_have_count(0)
    assert len(_saves(demo)) == saves_before

    alert.locator("button", has_text="差し戻し").click()
    dialog.locator("[data-role=confirm]").click()
    expect(alert).to_contain_text("差し戻し by you")
    expect(alert.locator("button", has_text="承認")).to_have_count(0)
    expect(_open_tasks(page).filter(has_text="冬季休暇 12/28–1/4")).to_have_count(0)
    _shot(page, shots, "24-choice-saved")
    saves = _saves(demo)[saves_before:]
    assert len(saves) == 1 and saves[0]["success"], saves
    page.context.close()
