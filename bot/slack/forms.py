"""Processing tasks from Slack: a task's own buttons on its alert, **Process…** and **Accept and
process** on task cards, the form modal and its submission, and the card updated afterwards.

Slack's clocks: a ``trigger_id`` lives 3 s, so a modal opens with a loading view first and is
filled in by ``views.update`` once Questetra answered; a view submission is closed after 3 s, so
the save gets what is left of ~2.5 s, after which the modal says "slow" and the outcome arrives
as a message (the save itself is never abandoned nor re-sent: bot/services/forms.py).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.domain.alerts import task_from_json
from bot.domain.form_values import GENERAL, RawInput, Submission
from bot.errors import UserFacingError
from bot.i18n import t
from bot.services.forms import SaveOutcome, SaveReport
from bot.services.tasks import AcceptOutcome
from bot.slack.alert_blocks import alert_message
from bot.slack.clients import slack_error
from bot.slack.form_blocks import Click, parse_click
from bot.slack.form_modal import (
    FLOW_BLOCK,
    ROLE_BLOCK,
    SAVE_ONLY,
    TITLE_BLOCK,
    ModalMeta,
    chosen_option,
    entry,
    errors_for,
    form_modal,
    loading_modal,
    notice_modal,
    state_of,
)
from bot.slack.home import publish_home
from bot.slack.ids import CHOOSE_PREFIX, FormAction, FormCallback
from bot.slack.invocation import Handler
from bot.slack.render import fmt
from bot.slack.respond import SharedRespond
from bot.slack.start import zone_of
from bot.slack.tasks import NOTICE_KEYS, render_list, update_alert
from bot.slack.views import input_value

log = structlog.stdlib.get_logger(__name__)

ACTIONS = FormAction
SUBCOMMANDS: dict[str, Handler] = {}
ACK_BUDGET_SECONDS = 2.5  # of Slack's 3 s for a view submission


def _action(body: dict[str, Any]) -> dict[str, Any]:
    actions = body.get("actions") or [{}]
    return actions[0] if isinstance(actions[0], dict) else {}


def _click(body: dict[str, Any]) -> Click | None:
    value = _action(body).get("value")
    return parse_click(value if isinstance(value, str) else None)


def outcome_text(locale: str | None, report: SaveReport, task: str) -> str:
    """One line for the person about how their save ended."""
    outcome = report.outcome
    if outcome is SaveOutcome.COMPLETED:
        if report.choice:
            return t(locale, "forms.outcome.completed", task=task, choice=report.choice)
        return t(locale, "forms.outcome.completed_plain", task=task)
    if outcome is SaveOutcome.INVALID:
        reasons: list[str] = [t(locale, p.message.key, **p.message.params) for p in report.problems]
        if report.result is not None:
            reasons += [d or k for k, ds in report.result.field_errors.items() for d in ds]
            reasons += [d or k for k, d in report.result.errors]
        return t(locale, "forms.outcome.invalid", task=task, reasons="; ".join(reasons)[:1500])
    return t(locale, f"forms.outcome.{outcome.value}", task=task)


class FormFlow:
    """The listeners' shared steps, bound to the app's collaborators."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def person(
        self, client: AsyncWebClient, team_id: str, user_id: str
    ) -> tuple[str | None, Any]:
        profile = await self.deps.profiles.get(client, team_id, user_id)
        return profile.locale, zone_of(profile.tz)

    async def open_form(
        self,
        client: AsyncWebClient,
        *,
        trigger_id: str,
        team_id: str,
        user_id: str,
        meta: ModalMeta,
        preselect: str | None = None,
        banner: list[str] | None = None,
        view_id: str | None = None,
    ) -> None:
        """Open (or reuse) a modal at once, then fill it with the task's form."""
        locale, tz = await self.person(client, team_id, user_id)
        if view_id is None:
            try:
                opened = await client.views_open(trigger_id=trigger_id, view=loading_modal(locale))
            except SlackApiError as exc:
                if slack_error(exc) not in ("expired_trigger_id", "invalid_trigger_id"):
                    raise
                # Slack honours a trigger for 3 s: say how to go on instead of failing.
                await self.tell(client, user_id, meta, t(locale, "forms.trigger_expired"))
                return
            view_id = str(opened["view"]["id"])
        try:
            form = await self.deps.forms.form(
                team_id=team_id, slack_user_id=user_id, workitem_id=meta.workitem_id
            )
        except UserFacingError as exc:
            text = t(locale, exc.key, **exc.params)
            await client.views_update(
                view_id=view_id, view=notice_modal(locale, fmt(":warning: {}", text))
            )
            return
        view = form_modal(
            locale,
            self.deps.settings.questetra_links,
            form,
            meta,
            tz=tz,
            today=self.deps.clock.now().astimezone(tz).date(),
            process_line=form.title or "",
            preselect=preselect,
            banner=banner or [],
        )
        await client.views_update(view_id=view_id, view=view)

    def responder(self, response_url: str | None) -> AsyncRespond | None:
        if not response_url:
            return None
        clients = self.deps.slack_clients
        return SharedRespond(
            response_url=response_url, session=clients.session, proxies=clients.proxies
        )

    async def after_save(
        self,
        client: AsyncWebClient,
        *,
        team_id: str,
        user_id: str,
        locale: str | None,
        meta: ModalMeta,
        report: SaveReport,
        save_only: bool,
    ) -> None:
        """A processed task: the alert says who did what and when (in place when the click came
        from it, through the sender otherwise), the list and the App Home are refreshed."""
        deps = self.deps
        notice = outcome_text(locale, report, meta.task_name)
        processed = {
            "choice": report.choice,
            "at": (report.at or deps.clock.now()).isoformat(),
            "save_only": save_only,
        }
        respond = self.responder(meta.response_url)
        in_place = meta.origin == "alert" and respond is not None
        payload = None
        if not save_only:
            payload = await deps.alerts.record_processed(
                team_id, user_id, meta.workitem_id, processed, update_message=not in_place
            )
            if not in_place:
                deps.wake_sender()
        if in_place and respond is not None and payload is not None:
            text, blocks = alert_message(
                locale,
                deps.settings.questetra_links,
                task_from_json(payload),
                deps.clock.now(),
                "processed",
                payload,
            )
            await respond(text=text, blocks=blocks, replace_original=True)
        elif meta.origin == "list" and respond is not None:
            view = await render_list(
                deps,
                team_id=team_id,
                user_id=user_id,
                locale=locale,
                page=meta.page,
                words=list(meta.words),
                banner=notice,
            )
            await respond(text=notice, blocks=view.blocks, replace_original=True)
        elif meta.origin == "alert" and respond is not None:
            await respond(text=notice, response_type="ephemeral", replace_original=False)
        await publish_home(
            deps,
            client,
            team_id=team_id,
            user_id=user_id,
            notice=notice if meta.origin == "home" else None,
        )

    async def tell(self, client: AsyncWebClient, user_id: str, meta: ModalMeta, text: str) -> None:
        """A message the person sees where they clicked: ephemeral under the list or alert,
        else in the app's DM."""
        respond = self.responder(meta.response_url)
        if respond is not None:
            await respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            await client.chat_postMessage(channel=user_id, text=text)


def read_submission(view: dict[str, Any]) -> tuple[Submission, dict[str, str]]:
    """The modal's entries: a Submission (inputs by var-name) and the people picked per item."""
    values = state_of(view)
    title = input_value(entry(values, TITLE_BLOCK)) if TITLE_BLOCK in values else None
    inputs: dict[str, RawInput] = {}
    picks: dict[str, str] = {}
    for block_id in values:
        if block_id in (TITLE_BLOCK, FLOW_BLOCK, ROLE_BLOCK, SAVE_ONLY):
            continue
        raw = entry(values, block_id)
        if "selected_user" in raw:
            picked = raw.get("selected_user")
            if isinstance(picked, str) and picked:
                picks[block_id] = picked  # nobody picked: the person stays as it is
            continue
        inputs[block_id] = input_value(raw)
    submission = Submission(
        flow_id=chosen_option(values, FLOW_BLOCK),
        save_only=bool(entry(values, SAVE_ONLY).get("selected_options")),
        role=chosen_option(values, ROLE_BLOCK),
        title=title if isinstance(title, str) else ("" if TITLE_BLOCK in values else None),
        inputs=inputs,
    )
    return submission, picks


def input_blocks(view: dict[str, Any]) -> list[str]:
    blocks = view.get("blocks")
    return [
        str(b.get("block_id"))
        for b in (blocks if isinstance(blocks, list) else [])
        if isinstance(b, dict) and b.get("type") == "input"
    ]


def register(app: AsyncApp, deps: Deps) -> None:
    flow = FormFlow(deps)

    @app.action(FormAction.OPEN_TASK)
    async def on_open_task(ack: AsyncAck) -> None:
        await ack()  # a URL button: the browser opens Questetra

    @app.action(re.compile(rf"^{CHOOSE_PREFIX}\d+$"))
    async def on_choose(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        click = _click(body)
        if click is None or click.flow_id is None:
            return
        team_id, user_id = context.team_id or "", context.user_id or ""
        meta = ModalMeta(click.workitem_id, click.task_name, click.origin, body.get("response_url"))
        trigger = str(body.get("trigger_id") or "")
        if not click.one_click:
            await flow.open_form(
                client, trigger_id=trigger, team_id=team_id, user_id=user_id, meta=meta,
                preselect=click.flow_id,
            )  # fmt: skip
            return
        locale, tz = await flow.person(client, team_id, user_id)
        report = await deps.forms.save(
            team_id=team_id,
            slack_user_id=user_id,
            workitem_id=click.workitem_id,
            submission=Submission(flow_id=click.flow_id),
            tz=tz,
        )
        if report.outcome is SaveOutcome.INVALID:
            # Something is missing after all (changed since the alert): the form, pre-chosen.
            banner = [] if not report.result else [outcome_text(locale, report, click.task_name)]
            await flow.open_form(
                client, trigger_id=trigger, team_id=team_id, user_id=user_id, meta=meta,
                preselect=click.flow_id, banner=banner,
            )  # fmt: skip
        elif report.outcome in (SaveOutcome.COMPLETED, SaveOutcome.SAVED):
            await flow.after_save(
                client, team_id=team_id, user_id=user_id, locale=locale, meta=meta,
                report=report, save_only=False,
            )  # fmt: skip
        else:
            await flow.tell(client, user_id, meta, outcome_text(locale, report, click.task_name))

    @app.action(FormAction.PROCESS)
    async def on_process(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        click = _click(body)
        if click is None:
            return
        origin = "home" if (body.get("container") or {}).get("type") == "view" else click.origin
        meta = ModalMeta(
            click.workitem_id, click.task_name, origin, body.get("response_url"),
            click.page, click.words,
        )  # fmt: skip
        await flow.open_form(
            client,
            trigger_id=str(body.get("trigger_id") or ""),
            team_id=context.team_id or "",
            user_id=context.user_id or "",
            meta=meta,
        )

    @app.action(FormAction.ACCEPT_PROCESS)
    async def on_accept_process(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:
        await ack()
        click = _click(body)
        if click is None:
            return
        team_id, user_id = context.team_id or "", context.user_id or ""
        locale, _ = await flow.person(client, team_id, user_id)
        opened = await client.views_open(
            trigger_id=str(body.get("trigger_id") or ""), view=loading_modal(locale)
        )
        view_id = str(opened["view"]["id"])
        outcome = await deps.tasks.accept(
            team_id=team_id, slack_user_id=user_id, workitem_id=click.workitem_id
        )
        accepted = outcome in (AcceptOutcome.ACCEPTED, AcceptOutcome.ALREADY_MINE)
        if click.origin == "alert" and body.get("response_url"):
            await update_alert(deps, respond, team_id, user_id, locale, click.workitem_id, outcome)
        if not accepted:
            text = t(locale, NOTICE_KEYS[outcome], task=click.task_name)
            await client.views_update(view_id=view_id, view=notice_modal(locale, text))
            return
        origin = "home" if (body.get("container") or {}).get("type") == "view" else click.origin
        meta = ModalMeta(
            click.workitem_id, click.task_name, origin, body.get("response_url"),
            click.page, click.words,
        )  # fmt: skip
        await flow.open_form(
            client, trigger_id="", team_id=team_id, user_id=user_id, meta=meta, view_id=view_id
        )

    @app.view(FormCallback.SUBMIT)
    async def on_submit(
        ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        deadline = asyncio.get_running_loop().time() + ACK_BUDGET_SECONDS
        team_id, user_id = context.team_id or "", context.user_id or ""
        locale, tz = await flow.person(client, team_id, user_id)
        meta = ModalMeta.load(view.get("private_metadata"))
        if meta is None:
            await ack()
            return
        submission, picks = read_submission(view)
        blocks = input_blocks(view)
        people, missing = await _emails(deps, client, team_id, picks)
        if missing:
            text = t(locale, "forms.field.no_email")
            await ack(
                response_action="errors", errors=errors_for([(m, text) for m in missing], blocks)
            )
            return
        inputs = {**(submission.inputs or {}), **people}
        submission = Submission(
            submission.flow_id, submission.save_only, submission.role, submission.title, inputs
        )
        claim = str(view.get("root_view_id") or view.get("id") or "")
        task = asyncio.create_task(
            deps.forms.save(
                team_id=team_id,
                slack_user_id=user_id,
                workitem_id=meta.workitem_id,
                submission=submission,
                tz=tz,
                claim_key=claim,
            )
        )
        remaining = max(0.1, deadline - asyncio.get_running_loop().time())
        done, _ = await asyncio.wait({task}, timeout=remaining)
        if not done:
            await ack(
                response_action="update",
                view=notice_modal(locale, t(locale, "forms.outcome.slow")),
            )
            try:
                report = await task
            except UserFacingError as exc:
                await flow.tell(client, user_id, meta, t(locale, exc.key, **exc.params))
                return
            await _finish(flow, client, team_id, user_id, locale, meta, report, submission)
            if report.outcome not in (SaveOutcome.COMPLETED, SaveOutcome.SAVED):
                await flow.tell(client, user_id, meta, outcome_text(locale, report, meta.task_name))
            return
        try:
            report = task.result()
        except UserFacingError as exc:
            warning = fmt(":warning: {}", t(locale, exc.key, **exc.params))
            await ack(response_action="update", view=notice_modal(locale, warning))
            return
        except Exception:
            await ack()  # close the form; the guard's error report tells the person
            raise
        if report.outcome is SaveOutcome.INVALID:
            await ack(response_action="errors", errors=_errors(locale, report, blocks))
            return
        if report.outcome in (SaveOutcome.COMPLETED, SaveOutcome.SAVED):
            await ack()
            await _finish(flow, client, team_id, user_id, locale, meta, report, submission)
            return
        said = outcome_text(locale, report, meta.task_name)
        await ack(response_action="update", view=notice_modal(locale, said))


async def _finish(
    flow: FormFlow,
    client: AsyncWebClient,
    team_id: str,
    user_id: str,
    locale: str | None,
    meta: ModalMeta,
    report: SaveReport,
    submission: Submission,
) -> None:
    if report.outcome in (SaveOutcome.COMPLETED, SaveOutcome.SAVED):
        await flow.after_save(
            client, team_id=team_id, user_id=user_id, locale=locale, meta=meta, report=report,
            save_only=submission.save_only,
        )  # fmt: skip


def _errors(locale: str | None, report: SaveReport, blocks: list[str]) -> dict[str, str]:
    """Local problems and Questetra's field errors under their inputs, the rest on top."""
    problems = [(p.target, t(locale, p.message.key, **p.message.params)) for p in report.problems]
    if report.result is not None:
        for key, details in report.result.field_errors.items():
            for detail in details:
                problems.append((key, t(locale, "forms.field.questetra", detail=detail or key)))
        for key, detail in report.result.errors:
            target = key if key in ("flow", "qgroupId", "title") else GENERAL
            problems.append((target, t(locale, "forms.field.questetra", detail=detail or key)))
    return errors_for(problems, blocks)


async def _emails(
    deps: Deps, client: AsyncWebClient, team_id: str, picks: dict[str, str]
) -> tuple[dict[str, RawInput], list[str]]:
    """People picked in the modal → their linked Questetra e-mail, else their Slack e-mail."""
    linked = await deps.forms.linked_emails(team_id=team_id, slack_user_ids=list(picks.values()))
    found: dict[str, RawInput] = {}
    missing: list[str] = []
    for var_name, slack_user in picks.items():
        email = (
            linked.get(slack_user) or (await deps.profiles.get(client, team_id, slack_user)).email
        )
        if email:
            found[var_name] = email
        else:
            missing.append(var_name)
    return found, missing
