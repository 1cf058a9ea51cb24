"""Texts of alerts and channel notifications."""

EN: dict[str, str] = {
    "alert.new_offered": "New task offered to you: {task} ({app})",
    "alert.new_allocated": "New task for you: {task} ({app})",
    "alert.accepted": ":white_check_mark: Accepted — now in your My Tasks.",
    "alert.gone": "“{task}” is no longer waiting for you (done, or taken by someone else).",
    "alert.digest": "While your quiet hours were on, {count} task(s) arrived:",
    "alert.digest_more": "… and {count} more: `/questetra tasks`",
    "alerts.status": "New-task alerts: *{state}*. Offered tasks: *{offered}*. Quiet hours: *{quiet}*.",
    "alerts.on": "on",
    "alerts.off": "off",
    "alerts.none": "none",
    "alerts.quiet_range": "{start}–{end} ({tz})",
    "alerts.usage": (
        "Use `{command} alerts on`, `{command} alerts off`, `{command} alerts offered on|off`, "
        "`{command} alerts quiet 19:00-08:00` or `{command} alerts quiet off`."
    ),
    "alerts.bad_quiet": "Give quiet hours as HH:MM-HH:MM, e.g. `19:00-08:00`.",
    "alerts.saved": "Saved.",
    "alerts.button_on": "Turn alerts on",
    "alerts.button_off": "Turn alerts off",
    "alerts.button_offered_on": "Alert offered tasks too",
    "alerts.button_offered_off": "Only my own tasks",
    "subscription.new_process": "New process in {app}: #{seq} {title}",
    "subscription.created": (
        "This channel now gets new processes of *{app}* (as seen by you). "
        "`{command} unsubscribe {app_id}` stops it."
    ),
    "subscription.exists": "This channel already follows *{app}*.",
    "subscription.removed": "This channel no longer follows *{app}*.",
    "subscription.not_found": "This channel does not follow an app called “{app}”.",
    "subscription.unknown_app": "No app “{app}” that you can see in Questetra. Use the app id or its exact name.",
    "subscription.usage": "Use `{command} subscribe <app id or name>` in the channel that should get the posts.",
    "subscription.list_empty": "This channel follows no Questetra app.",
    "subscription.list_item": "• *{app}* (id {app_id}) — by {user}{state}",
    "subscription.disabled_suffix": " — :warning: stopped: {reason}",
    "subscription.disabled_dm": (
        "I stopped posting *{app}* processes to {channel}: {reason}. "
        "Subscribe again once that is fixed."
    ),
    "subscription.reason_channel": "the channel is archived or I am no longer in it",
    "subscription.reason_link": "your Questetra link no longer works",
    "subscription.need_channel": "Run this in the channel that should get the posts (not in a DM).",
    "webhook.created": (
        "Workflows can post to this channel through this secret URL (shown only now, copy it):\n"
        "`{url}`\nIn Questetra, use it in a *Throwing Message Intermediate Event (HTTP)*: POST "
        "`title`, `text`, `processInstanceId` and optionally `email` (form or JSON). "
        "`{command} webhook revoke` disables every URL of this channel."
    ),
    "webhook.revoked": "Disabled {count} webhook URL(s) of this channel.",
    "webhook.list": "This channel has {count} active webhook URL(s); last used {when}.",
    "webhook.never": "never",
}

JA: dict[str, str] = {
    "alert.new_offered": "新しい引受待ちタスク: {task} ({app})",
    "alert.new_allocated": "新しいタスク: {task} ({app})",
    "alert.accepted": ":white_check_mark: 引き受けました。マイタスクに入っています。",
    "alert.gone": "「{task}」はもうあなたを待っていません (完了、または他の人が引き受けました)。",
    "alert.digest": "通知停止時間帯に {count} 件のタスクが届きました:",
    "alert.digest_more": "… ほか {count} 件: `/questetra tasks`",
    "alerts.status": "新着タスク通知: *{state}*。引受待ちタスク: *{offered}*。通知停止時間帯: *{quiet}*。",
    "alerts.on": "オン",
    "alerts.off": "オフ",
    "alerts.none": "なし",
    "alerts.quiet_range": "{start}–{end} ({tz})",
    "alerts.usage": (
        "`{command} alerts on`、`{command} alerts off`、`{command} alerts offered on|off`、"
        "`{command} alerts quiet 19:00-08:00`、`{command} alerts quiet off` を使ってください。"
    ),
    "alerts.bad_quiet": "通知停止時間帯は HH:MM-HH:MM の形式で指定してください (例: `19:00-08:00`)。",
    "alerts.saved": "保存しました。",
    "alerts.button_on": "通知をオンにする",
    "alerts.button_off": "通知をオフにする",
    "alerts.button_offered_on": "引受待ちタスクも通知する",
    "alerts.button_offered_off": "自分のタスクだけ通知する",
    "subscription.new_process": "{app} の新しいプロセス: #{seq} {title}",
    "subscription.created": (
        "このチャンネルに *{app}* の新しいプロセスを投稿します (あなたの権限で取得します)。"
        "`{command} unsubscribe {app_id}` で停止できます。"
    ),
    "subscription.exists": "このチャンネルはすでに *{app}* を購読しています。",
    "subscription.removed": "このチャンネルでの *{app}* の購読を停止しました。",
    "subscription.not_found": "このチャンネルは「{app}」というアプリを購読していません。",
    "subscription.unknown_app": "Questetra であなたが閲覧できる「{app}」というアプリはありません。アプリ ID か正確な名前を指定してください。",
    "subscription.usage": "投稿先のチャンネルで `{command} subscribe <アプリ ID または名前>` を実行してください。",
    "subscription.list_empty": "このチャンネルは Questetra のアプリを購読していません。",
    "subscription.list_item": "• *{app}* (ID {app_id}) — {user}{state}",
    "subscription.disabled_suffix": " — :warning: 停止中: {reason}",
    "subscription.disabled_dm": (
        "{channel} への *{app}* のプロセスの投稿を停止しました: {reason}。"
        "問題が解消したら、もう一度購読してください。"
    ),
    "subscription.reason_channel": "チャンネルがアーカイブされたか、ボットがチャンネルから外されました",
    "subscription.reason_link": "Questetra との連携が使えなくなりました",
    "subscription.need_channel": "投稿先のチャンネルで実行してください (DM では使えません)。",
    "webhook.created": (
        "ワークフローはこの秘密の URL からこのチャンネルに投稿できます (表示は今回だけです。コピーしてください):\n"
        "`{url}`\nQuestetra の *メッセージ送信中間イベント (HTTP)* で使い、`title`、`text`、"
        "`processInstanceId`、必要なら `email` を POST してください (フォームまたは JSON)。"
        "`{command} webhook revoke` でこのチャンネルの URL をすべて無効にします。"
    ),
    "webhook.revoked": "このチャンネルの Webhook URL を {count} 件無効にしました。",
    "webhook.list": "このチャンネルの有効な Webhook URL: {count} 件。最終利用: {when}。",
    "webhook.never": "なし",
}
