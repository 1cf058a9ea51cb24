"""A task right after linking (issue #15 item 9): the baseline poll after linking announces the
tasks that reached the lists after the link (less two minutes of clock skew between Questetra and
the bridge); the tasks that were there before stay absorbed. Questetra emulator, real poller and
sender, the injected clock."""

from __future__ import annotations

import pytest

from tests.integration.test_alerts import APP, cycle, dms, rows
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture(autouse=True)
def tenant(questetra):
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_app(APP, "Expense claim")
    return questetra


async def test_a_task_between_linking_and_the_first_poll_is_announced(
    bot, signer, slack, questetra, app, clock, engine
) -> None:
    questetra.add_task(APP, to="alice@example.com", title="old offer", node_name="Old")
    questetra.add_task(APP, to="alice@example.com", title="old mine", state="ALLOCATED")
    clock.advance(30 * 60)
    questetra.add_task(APP, to="alice@example.com", title="skew", node_name="Skewed")
    clock.advance(60)  # 1 minute before the link: within the clock skew allowed
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    clock.advance(5)
    questetra.add_task(
        APP, to="alice@example.com", title="new", node_name="Fresh", state="ALLOCATED"
    )
    await cycle(app)  # the baseline poll
    texts = sorted(m["text"] for m in dms(slack))
    assert texts == [
        "New task for you: Fresh (Expense claim)",
        "New task offered to you: Skewed (Expense claim)",
    ]
    await cycle(app, clock)  # and never twice
    assert len(dms(slack)) == 2
    assert len(await rows(engine)) == 2


async def test_tasks_older_than_the_link_stay_absorbed(
    bot, signer, slack, questetra, app, clock, engine
) -> None:
    questetra.add_task(APP, to="alice@example.com", title="old", node_name="Old")
    clock.advance(3 * 60)  # past the two minutes of clock skew
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    clock.advance(30)
    await cycle(app)
    assert dms(slack) == []
    assert await rows(engine) == []
