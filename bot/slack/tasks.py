"""Task surfaces: `/questetra tasks [words]`, paging, Accept, Details, Open buttons."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.domain.alerts import task_from_json
from bot.domain.tasks import filter_tasks
from bot.errors import UserFacingError
from bot.i18n import t
from bot.services.tasks import AcceptOutcome
from bot.slack.alert_blocks import alert_message
from bot.slack.guard import opens_modal
from bot.slack.home import publish_home
from bot.slack.ids import SubCommand, TaskAction
from bot.slack.invocation import Handler, Invocation
from bot.slack.task_blocks import (
    ListView,
    details_failed_modal,
    details_loading_modal,
    details_modal,
    parse_accept_value,
    parse_details_value,
    parse_page_value,
    tasks_message,
)

log = structlog.stdlib.get_logger(__name__)

ACTIONS = TaskAction

NOTICE_KEYS = {
    AcceptOutcome.ACCEPTED: "tasks.accepted",
    AcceptOutcome.ALREADY_MINE: "tasks.already_mine",
    AcceptOutcome.STILL_OFFERED: "tasks.still_offered",
    AcceptOutcome.GONE: "tasks.gone",
    AcceptOutcome.IN_PROGRESS: "tasks.in_progress",
}


async def render_list(
    deps: Deps,
    *,
    team_id: str,
    user_id: str,
    locale: str | None,
    page: int,
    words: list[str],
    banner: str | None = None,
) -> ListView:
    lists = await deps.tasks.lists(team_id=team_id, slack_user_id=user_id)
    can_process = await deps.forms.can_write(team_id=team_id, slack_user_id=user_id)
    return tasks_message(
        locale,
        deps.settings.questetra_links,
        filter_tasks(lists.allocated, words),
        filter_tasks(lists.offered, words),
        now=deps.clock.now(),
        page=page,
        words=words,
        banner=banner,
        can_process=can_process,
    )


async def list_tasks(call: Invocation) -> None:
    view = await render_list(
        call.deps,
        team_id=call.team_id,
        user_id=call.user_id,
        locale=call.locale,
        page=0,
        words=call.args,
    )
    await call.reply(view.text, view.blocks)


SUBCOMMANDS: dict[str, Handler] = {SubCommand.TASKS: list_tasks}


async def update_alert(
    deps: Deps,
    respond: AsyncRespond,
    team_id: str,
    user_id: str,
    locale: str | None,
    workitem_id: int,
    outcome: AcceptOutcome,
    task_name: str = "",
) -> None:
    """Accept clicked in a DM alert: that alert message changes in place."""
    if outcome is AcceptOutcome.IN_PROGRESS:
        return  # the first click updates the message
    if outcome is AcceptOutcome.STILL_OFFERED:
        # The alert stays as it is (the task still waits); say why nothing changed.
        notice = t(locale, NOTICE_KEYS[outcome], task=task_name)
        await respond(text=notice, response_type="ephemeral", replace_original=False)
        return
    accepted = outcome in (AcceptOutcome.ACCEPTED, AcceptOutcome.ALREADY_MINE)
    payload = await deps.alerts.settle_from_slack(
        team_id, user_id, workitem_id, "accepted" if accepted else "gone"
    )
    if payload is None:
        return
    text, blocks = alert_message(
        locale,
        deps.settings.questetra_links,
        task_from_json(payload),
        deps.clock.now(),
        "accepted" if accepted else "gone",
        payload,
    )
    await respond(text=text, blocks=blocks, replace_original=True)


def _action_value(body: dict[str, Any]) -> str | None:
    actions = body.get("actions") or [{}]
    value = actions[0].get("value")
    return value if isinstance(value, str) else None


def register(app: AsyncApp, deps: Deps) -> None:
    async def locale_of(context: AsyncBoltContext, client: AsyncWebClient) -> str | None:
        return (await deps.profiles.get(client, context.team_id, context.user_id or "")).locale

    @app.action(TaskAction.OPEN)
    @app.action(TaskAction.OPEN_PROCESS)
    async def on_open(ack: AsyncAck) -> None:
        await ack()  # URL buttons: the browser opens Questetra; Slack only needs the ack

    @app.action(TaskAction.PAGE)
    async def on_page(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:
        await ack()
        page, words = parse_page_value(_action_value(body))
        view = await render_list(
            deps,
            team_id=context.team_id or "",
            user_id=context.user_id or "",
            locale=await locale_of(context, client),
            page=page,
            words=words,
        )
        await respond(text=view.text, blocks=view.blocks, replace_original=True)

    @app.action(TaskAction.ACCEPT)
    async def on_accept(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:
        await ack()
        click = parse_accept_value(_action_value(body))
        if click is None:
            return
        team_id, user_id = context.team_id or "", context.user_id or ""
        locale = await locale_of(context, client)
        outcome = await deps.tasks.accept(
            team_id=team_id, slack_user_id=user_id, workitem_id=click.workitem_id
        )
        notice = t(locale, NOTICE_KEYS[outcome], task=click.task_name)
        if click.origin == "alert":
            await update_alert(
                deps,
                respond,
                team_id,
                user_id,
                locale,
                click.workitem_id,
                outcome,
                click.task_name,
            )
            return
        if (body.get("container") or {}).get("type") == "view":
            await publish_home(deps, client, team_id=team_id, user_id=user_id, notice=notice)
            return
        view = await render_list(
            deps,
            team_id=team_id,
            user_id=user_id,
            locale=locale,
            page=click.page,
            words=click.words,
            banner=notice,
        )
        await respond(text=notice, blocks=view.blocks, replace_original=True)

    @app.action(TaskAction.DETAILS)
    @opens_modal()
    async def on_details(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        ids = parse_details_value(_action_value(body))
        if ids is None:
            return
        workitem_id, process_id = ids
        locale = await locale_of(context, client)
        # Open at once (the trigger id lives 3 seconds), then fill in from Questetra.
        opened = await client.views_open(
            trigger_id=body["trigger_id"], view=details_loading_modal(locale)
        )
        view_id = opened["view"]["id"]
        try:
            process = await deps.tasks.process(
                team_id=context.team_id or "",
                slack_user_id=context.user_id or "",
                process_id=process_id,
            )
        except UserFacingError as exc:
            reason = t(locale, exc.key, **exc.params)
            await client.views_update(view_id=view_id, view=details_failed_modal(locale, reason))
            return
        view = details_modal(locale, deps.settings.questetra_links, process, workitem_id)
        await client.views_update(view_id=view_id, view=view)
