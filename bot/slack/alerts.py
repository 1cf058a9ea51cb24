"""Alert and notification surfaces: `alerts`, `subscribe`, `unsubscribe`, `subscriptions`,
`webhook`, and the alert settings buttons of the App Home."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.db.alert_models import OutboxMessage, Subscription
from bot.deps import Deps
from bot.domain.alerts import parse_quiet_hours
from bot.domain.typed import looks_like_a_number, whole_number
from bot.errors import BadInput
from bot.i18n import t
from bot.services.notifications import SubscribeOutcome
from bot.slack.alert_blocks import prefs_text
from bot.slack.home import publish_home
from bot.slack.ids import AlertAction, SubCommand
from bot.slack.invocation import Handler, Invocation
from bot.slack.render import channel, context, date, fmt, join, mention, section

log = structlog.stdlib.get_logger(__name__)


ACTIONS = AlertAction


async def alerts_command(call: Invocation) -> None:
    deps, args = call.deps, [a.lower() for a in call.args]
    prefs_service = deps.alert_prefs
    changes: dict[str, object] = {}
    if args[:1] == ["on"]:
        changes["enabled"] = True
    elif args[:1] == ["off"]:
        changes["enabled"] = False
    elif args[:1] == ["offered"] and args[1:2] in (["on"], ["off"]):
        changes["offered"] = args[1] == "on"
    elif args[:1] == ["quiet"] and args[1:2] == ["off"]:
        changes.update(quiet_start=None, quiet_end=None)
    elif args[:1] == ["quiet"]:
        parsed = parse_quiet_hours(" ".join(args[1:]))
        if parsed is None:
            raise BadInput(hint=t(call.locale, "alerts.bad_quiet"))
        changes.update(quiet_start=parsed[0], quiet_end=parsed[1])
    elif args:
        raise BadInput(hint=t(call.locale, "alerts.usage", command=call.command))
    if changes:
        prefs = await prefs_service.update(
            team_id=call.team_id, slack_user_id=call.user_id, **changes
        )
    else:
        prefs = await prefs_service.get(team_id=call.team_id, slack_user_id=call.user_id)
    profile = await deps.profiles.get(call.client, call.team_id, call.user_id)
    text: str = prefs_text(call.locale, prefs, profile.tz)
    if changes:
        text = join(" ", [t(call.locale, "alerts.saved"), text])
    await call.reply(
        text, [section(text), context(t(call.locale, "alerts.usage", command=call.command))]
    )
    if changes:
        await publish_home(deps, call.client, team_id=call.team_id, user_id=call.user_id)


def app_ref(args: list[str]) -> str:
    """An app named by its id (ASCII digits, full-width ones folded) or by its name; a "number"
    in other digits (``²``, ``١٢``, ``①``) is answered "not a number" (bot/domain/typed.py)."""
    ref = " ".join(args)
    return str(whole_number(ref)) if looks_like_a_number(ref) else ref


def _in_channel(call: Invocation) -> None:
    if not call.channel_id or call.channel_id.startswith("D"):
        raise BadInput(hint=t(call.locale, "subscription.need_channel"))


async def subscribe(call: Invocation) -> None:
    _in_channel(call)
    if not call.args:
        raise BadInput(hint=t(call.locale, "subscription.usage", command=call.command))
    outcome, app_id, app_name = await call.deps.subscriptions.subscribe(
        team_id=call.team_id,
        channel_id=call.channel_id,
        user_id=call.user_id,
        app_ref=app_ref(call.args),
    )
    key = "subscription.created" if outcome is SubscribeOutcome.CREATED else "subscription.exists"
    text = t(call.locale, key, app=app_name, app_id=app_id, command=call.command)
    await call.reply(text, [section(text)])


async def unsubscribe(call: Invocation) -> None:
    _in_channel(call)
    if not call.args:
        raise BadInput(hint=t(call.locale, "subscription.usage", command=call.command))
    ref = app_ref(call.args)
    name = await call.deps.subscriptions.unsubscribe(
        team_id=call.team_id, channel_id=call.channel_id, user_id=call.user_id, app_ref=ref
    )
    text = t(
        call.locale, "subscription.removed" if name else "subscription.not_found", app=name or ref
    )
    await call.reply(text, [section(text)])


async def list_subscriptions(call: Invocation) -> None:
    found = await call.deps.subscriptions.of_channel(
        team_id=call.team_id, channel_id=call.channel_id
    )
    text: str
    if not found:
        text = t(call.locale, "subscription.list_empty")
    else:
        lines = []
        for sub in found:
            state = (
                ""
                if sub.enabled
                else t(
                    call.locale,
                    "subscription.disabled_suffix",
                    reason=t(
                        call.locale, f"subscription.reason_{sub.disabled_reason or 'channel'}"
                    ),
                )
            )
            lines.append(
                t(
                    call.locale,
                    "subscription.list_item",
                    app=sub.app_name,
                    app_id=sub.app_id,
                    user=mention(sub.subscriber_id),
                    state=state,
                )
            )
        text = join("\n", lines)
    await call.reply(text, [section(text)])


async def webhook(call: Invocation) -> None:
    _in_channel(call)
    webhooks = call.deps.webhooks
    if call.args[:1] == ["revoke"]:
        count = await webhooks.revoke(
            team_id=call.team_id, channel_id=call.channel_id, user_id=call.user_id
        )
        text = t(call.locale, "webhook.revoked", count=count)
    elif call.args[:1] == ["list"]:
        count, last = await webhooks.info(team_id=call.team_id, channel_id=call.channel_id)
        when = date(last) if last else t(call.locale, "webhook.never")
        text = t(call.locale, "webhook.list", count=count, when=when)
    else:
        url = await webhooks.create(
            team_id=call.team_id, channel_id=call.channel_id, user_id=call.user_id
        )
        text = t(call.locale, "webhook.created", url=url, command=call.command)
    await call.reply(text, [section(text)])


SUBCOMMANDS: dict[str, Handler] = {
    SubCommand.ALERTS: alerts_command,
    SubCommand.SUBSCRIBE: subscribe,
    SubCommand.UNSUBSCRIBE: unsubscribe,
    SubCommand.SUBSCRIPTIONS: list_subscriptions,
    SubCommand.WEBHOOK: webhook,
}


async def subscription_stopped(deps: Deps, subscription: Subscription, reason: str) -> None:
    """Tell the subscriber once that their subscription was disabled (never deleted silently)."""
    locale = await deps.slack_ports.locale_of(subscription.team_id, subscription.subscriber_id)
    text = t(
        locale,
        "subscription.disabled_dm",
        app=subscription.app_name,
        channel=channel(subscription.channel_id),
        reason=t(locale, f"subscription.reason_{reason}"),
    )
    await deps.slack_ports.dm(
        subscription.team_id, subscription.subscriber_id, text, [section(fmt(":warning: {}", text))]
    )


async def channel_gone(deps: Deps, row: OutboxMessage, error: str) -> None:
    """The outbox could not post to a channel: stop the subscription that feeds it."""
    if row.subscription_id is None:
        return
    disabled = await deps.subscriptions.disable(row.subscription_id, "channel")
    if disabled is not None:
        log.warning("subscription.disabled", subscription_id=row.subscription_id, error=error)
        await subscription_stopped(deps, disabled, "channel")


def register(app: AsyncApp, deps: Deps) -> None:
    changes = {
        AlertAction.ENABLE: {"enabled": True},
        AlertAction.DISABLE: {"enabled": False},
        AlertAction.OFFERED_ON: {"offered": True},
        AlertAction.OFFERED_OFF: {"offered": False},
    }

    def toggle(values: dict[str, bool]) -> Callable[..., Awaitable[None]]:
        async def on_toggle(
            ack: AsyncAck, context: AsyncBoltContext, client: AsyncWebClient
        ) -> None:
            await ack()
            team_id, user_id = context.team_id or "", context.user_id or ""
            await deps.alert_prefs.update(team_id=team_id, slack_user_id=user_id, **values)
            await publish_home(deps, client, team_id=team_id, user_id=user_id)

        return on_toggle

    for action_id, values in changes.items():
        app.action(action_id)(toggle(values))
