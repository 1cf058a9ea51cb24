"""Messages of starting processes (`start.*`) and of the admin surfaces (`admin.*`).

Definition problems (``admin.start_events.problem.*``) are read after a location such as
``start_events[0] "expense" › fields[1] "amount" › type:``, so they start in lower case.
"""

EN: dict[str, str] = {
    # /questetra start: the picker
    "start.picker.text": "Start a process",
    "start.picker.intro": (
        "*Start a process in Questetra.* Pick a form, or type `{command} start <name>`."
    ),
    "start.picker.none": "No start events are available in this channel.",
    "start.picker.admin_hint": "Admins register them with `{command} admin start-events`.",
    "start.picker.button": "Start",
    "start.picker.more": "…and {count} more. Type `{command} start <name>` to open one.",
    # The form
    "start.modal.submit": "Start",
    "start.modal.cancel": "Cancel",
    "start.modal.close": "Close",
    "start.modal.notice_title": "Start a process",
    "start.modal.title_label": "Process title",
    "start.modal.title_hint": "The title the process gets in Questetra.",
    "start.modal.target": "Submitting starts a new process in Questetra (app {app_id}).",
    "start.modal.requester": "You are recorded as the requester: {email} goes into `{field}`.",
    "start.modal.in_channel": "The result is posted to the channel.",
    "start.modal.banner": "Questetra did not start the process:",
    "start.modal.slow": (
        "Questetra is taking longer than usual. You can close this window: I will post the "
        "result in Slack as soon as Questetra answers."
    ),
    # Checks of the form, before anything is sent
    "start.field.required": "Please fill this in.",
    "start.field.too_long": "Use at most {max} characters.",
    "start.field.not_a_number": "Enter a number: digits and an optional “.”, no commas.",
    "start.field.not_an_integer": "Enter a whole number.",
    "start.field.below_min": "Enter {min} or more.",
    "start.field.above_max": "Enter {max} or less.",
    "start.field.not_a_choice": "Pick one of the options.",
    "start.field.not_an_email": "Enter an e-mail address.",
    "start.field.not_a_date": "Pick a date.",
    "start.field.not_a_datetime": "Pick a date and a time.",
    "start.field.one_value": "Only one value is allowed here.",
    "start.field.no_email": (
        "I cannot find a Questetra e-mail address for this person. Pick someone else, or ask "
        "them to link their Questetra account."
    ),
    # Questetra's refusals
    "start.questetra.field": "Questetra: {detail}",
    "start.questetra.not_editable": (
        "Questetra does not accept this item on this start event (it is not “Editable” there). "
        "Please tell your admin."
    ),
    "start.questetra.bad_parameter": (
        "Questetra does not accept the item {name} on this start event. Please tell your admin."
    ),
    "start.questetra.unknown_field": (
        "Questetra reports a problem with {name}, which this form does not ask for: {detail}. "
        "Please tell your admin."
    ),
    "start.questetra.requester": (
        "Questetra did not accept your linked account as the requester: {detail}"
    ),
    "start.questetra.invalid_key": (
        "Questetra refused the start event's API key. Please ask your admin to update it "
        "(`/questetra admin start-events`)."
    ),
    "start.questetra.app_inactive": (
        "The workflow app is not active in Questetra (not released yet, or stopped). Please "
        "tell your admin."
    ),
    "start.questetra.not_found": (
        "Questetra does not know this start event (wrong app ID or node number). Please ask "
        "your admin to check it."
    ),
    "start.questetra.process_limit": (
        "Questetra's limit of running processes is reached. Try again later, or tell your admin."
    ),
    "start.questetra.other": "Questetra refused: {key} {detail}",
    "start.questetra.unexplained": (
        "Questetra refused without saying why. Please ask your admin to check the start event."
    ),
    # Failures as a whole
    "start.error.rejected": "Questetra did not start the process.",
    "start.error.refused": (
        "Questetra refused the connection. Ask your admin to allow the bot's address in "
        "Questetra (System Settings > IP Address Filtering)."
    ),
    "start.error.timeout": (
        "Questetra did not answer in time, so I cannot tell whether the process started. "
        "Please check in Questetra before you try again."
    ),
    "start.error.file_invalid": (
        "The list of start events is broken at the moment. Please tell your admin."
    ),
    "start.error.unknown_event": (
        "There is no start event called `{name}`. Type `/questetra start` to see the ones you "
        "can use here."
    ),
    "start.error.unknown_event_did_you_mean": (
        "There is no start event called `{name}`. Did you mean `{close}`?"
    ),
    "start.error.channel": "`{name}` can only be started in {channels}.",
    "start.error.link_required": (
        "`{name}` records who started it, from your Questetra account: link your account first."
    ),
    # The outcome
    "start.result.started": "Started *{event}* {process}: {title}",
    "start.result.started_no_id": "Started *{event}*: {title}",
    "start.result.open": "Open in Questetra",
    "start.result.by": "Started by {user}",
    "start.result.failed": "*{event}* was not started:",
    "start.result.retry": "Fix it and try again with `{command} start {name}`.",
    # /questetra admin
    "admin.error.not_admin": (
        "Only Slack workspace admins (and the admins configured for this bridge) can do this. "
        "Please ask one of them."
    ),
    "admin.error.unverified": (
        "Slack did not confirm your admin rights just now, so nothing was changed. Please try "
        "again in a minute."
    ),
    "admin.help.title": "Admin commands",
    "admin.help.intro": "*Admin commands* of `{command}` (for admins only):",
    "admin.help.unknown": "`{command} admin {topic}` is not an admin command.",
    "admin.help.start_events": "list the start events people can use.",
    "admin.help.start_events_add": "register a start event (a form opens).",
    "admin.help.start_events_edit": "change a start event registered in Slack.",
    "admin.help.start_events_remove": "remove a start event registered in Slack.",
    # /questetra admin start-events
    "admin.start_events.title": "Start events",
    "admin.start_events.intro": (
        "People start these with `{command} start <name>`. Events from START_EVENTS_FILE are "
        "changed in that file."
    ),
    "admin.start_events.add": "Add a start event",
    "admin.start_events.none": "No start events yet.",
    "admin.start_events.summary": (
        "App {app_id}, node {node} · {fields} field(s) · usable in {channels} · result {visibility}"
    ),
    "admin.start_events.requester": "Requester filled in automatically: `{field}`",
    "admin.start_events.invalid": "This stored definition no longer passes the checks:",
    "admin.start_events.shadowed": "Hidden by the START_EVENTS_FILE event of the same name.",
    "admin.start_events.from_file": "From START_EVENTS_FILE (change it there)",
    "admin.start_events.everywhere": "every channel",
    "admin.start_events.visibility.ephemeral": "shown to the starter only",
    "admin.start_events.visibility.in_channel": "posted to the channel",
    "admin.start_events.edit": "Edit",
    "admin.start_events.remove": "Remove",
    "admin.start_events.cancel": "Cancel",
    "admin.start_events.confirm_title": "Remove this start event?",
    "admin.start_events.confirm_text": (
        "People can no longer start {name} from Slack. Nothing changes in Questetra."
    ),
    "admin.start_events.more": "…and {count} more.",
    "admin.start_events.removed": "Removed `{name}`.",
    "admin.start_events.saved": (
        "Saved the start event `{name}`. People start it with `{command} start {name}`."
    ),
    "admin.start_events.usage": (
        "Usage: `{command} admin start-events [list | add | edit <name> | remove <name>]`"
    ),
    "admin.start_events.error.file_readonly": (
        "`{name}` is defined in START_EVENTS_FILE: change it in that file."
    ),
    "admin.start_events.error.unknown": "No start event `{name}` is registered in Slack.",
    # The admin's form
    "admin.start_events.form.title_add": "Add a start event",
    "admin.start_events.form.title_edit": "Edit start event",
    "admin.start_events.form.save": "Save",
    "admin.start_events.form.name": "Name",
    "admin.start_events.form.name_hint": (
        "What people type: /questetra start <name>. 1–40 lower-case letters, digits, - or _. "
        "It cannot be changed later."
    ),
    "admin.start_events.form.name_fixed": "Name: `{name}` (fixed)",
    "admin.start_events.form.title_en": "Title (English)",
    "admin.start_events.form.title_ja": "Title (Japanese)",
    "admin.start_events.form.title_hint": (
        "Shown in the list and on the form. Fill in at least one language."
    ),
    "admin.start_events.form.description_en": "Description (English)",
    "admin.start_events.form.description_ja": "Description (Japanese)",
    "admin.start_events.form.app_id": "App ID (processModelInfoId)",
    "admin.start_events.form.node_number": "Node number (nodeNumber)",
    "admin.start_events.form.url_hint": (
        "Both are in the start event's URL in Questetra: "
        "…/System/Event/MessageStart/<app ID>/<node number>/start"
    ),
    "admin.start_events.form.key": "API key",
    "admin.start_events.form.key_hint": (
        "The API key set on the Message Start Event (HTTP). It is stored encrypted and never "
        "shown again."
    ),
    "admin.start_events.form.key_hint_edit": "Leave empty to keep the current key.",
    "admin.start_events.form.channels": "Only in these channels",
    "admin.start_events.form.channels_hint": "Leave empty to allow every channel.",
    "admin.start_events.form.visibility": "Who sees the result",
    "admin.start_events.form.requester": "Requester field",
    "admin.start_events.form.requester_hint": (
        "Optional: the field name of a User-type data item, filled with the starter's linked "
        "Questetra e-mail (starters must link their account)."
    ),
    "admin.start_events.form.fields": "Form fields (YAML)",
    "admin.start_events.form.fields_hint": (
        "The same format as the fields list of START_EVENTS_FILE (see the README). Leave empty "
        "for a form that asks only for the title."
    ),
    "admin.start_events.form.fields_example": (
        "Example (the field name as Questetra shows it):\n"
        "```- name: q_amount\n  label: Amount\n  type: number\n  required: true```"
    ),
    "admin.start_events.form.yaml_error": "The fields are not valid YAML (line {line}).",
    # Problems of a definition (file, form, stored row)
    "admin.start_events.problem.missing": "is required",
    "admin.start_events.problem.not_mapping": "must be a mapping (key: value)",
    "admin.start_events.problem.not_list": "must be a list",
    "admin.start_events.problem.not_text": "must be text, or a mapping with en and ja",
    "admin.start_events.problem.text_languages": "only en and ja are allowed here, not {keys}",
    "admin.start_events.problem.not_whole_number": "must be a whole number",
    "admin.start_events.problem.not_bool": "must be true or false",
    "admin.start_events.problem.not_number": "must be a number",
    "admin.start_events.problem.not_choices": (
        "must be a list of choices (id and label) or a mapping of id: label"
    ),
    "admin.start_events.problem.unknown_key": "unknown setting “{key}” (allowed: {allowed})",
    "admin.start_events.problem.unknown_key_did_you_mean": (
        "unknown setting “{key}” (did you mean “{suggestion}”?)"
    ),
    "admin.start_events.problem.bad_name": (
        "“{name}” is not a valid name: use 1–40 lower-case letters, digits, - or _"
    ),
    "admin.start_events.problem.duplicate_name": (
        "the name “{name}” is already used by another start event"
    ),
    "admin.start_events.problem.name_in_file": "“{name}” is already defined in START_EVENTS_FILE",
    "admin.start_events.problem.name_fixed": "the name cannot change (it stays “{name}”)",
    "admin.start_events.problem.bad_field_name": (
        "“{name}” is not a Questetra field name (letters, digits and _ only)"
    ),
    "admin.start_events.problem.duplicate_field": "the field “{name}” is listed twice",
    "admin.start_events.problem.bad_type": "must be one of: {types}",
    "admin.start_events.problem.one_of": "must be one of: {allowed}",
    "admin.start_events.problem.only_for": "only applies to fields of type {types}",
    "admin.start_events.problem.duplicate_choice": "the choice id “{id}” is listed twice",
    "admin.start_events.problem.too_many_choices": "Slack menus hold at most {max} choices",
    "admin.start_events.problem.too_many_fields": "a form holds at most {max} fields",
    "admin.start_events.problem.min_above_max": "must not be below min",
    "admin.start_events.problem.default_not_a_choice": "“{id}” is not one of the choices",
    "admin.start_events.problem.bad_default": "must be a single value",
    "admin.start_events.problem.bad_default_date": "must be a date as YYYY-MM-DD, or today",
    "admin.start_events.problem.bad_default_datetime": (
        "must be a date-time as YYYY-MM-DD HH:MM, or now"
    ),
    "admin.start_events.problem.bad_default_value": "is not a valid value: {reason}",
    "admin.start_events.problem.requester_not_user": (
        "the requester field “{name}” must be a field of type user"
    ),
    "admin.start_events.problem.key_missing": (
        "the API key is required (key, or key_env naming an environment variable)"
    ),
    "admin.start_events.problem.key_and_key_env": "give key or key_env, not both",
    "admin.start_events.problem.bad_key": (
        "the API key must be 1–100 characters without spaces (quote it in YAML)"
    ),
    "admin.start_events.problem.bad_env_name": "“{name}” is not an environment variable name",
    "admin.start_events.problem.env_unset": "the environment variable {name} is not set",
    "admin.start_events.problem.bad_channel": (
        "“{channel}” is not a Slack channel id (like C0123ABCD)"
    ),
    "admin.start_events.problem.bad_url": (
        "must be the start event's URL, ending in /System/Event/MessageStart/<app>/<node>/start"
    ),
    "admin.start_events.problem.url_other_tenant": "must be on this bridge's Questetra ({base})",
    "admin.start_events.problem.url_conflict": "does not match the url",
}

JA: dict[str, str] = {
    # /questetra start: the picker
    "start.picker.text": "プロセスの開始",
    "start.picker.intro": (
        "*Questetra でプロセスを開始します。* フォームを選ぶか、`{command} start <名前>` と"
        "入力してください。"
    ),
    "start.picker.none": "このチャンネルで使える開始イベントはありません。",
    "start.picker.admin_hint": "管理者は `{command} admin start-events` で登録できます。",
    "start.picker.button": "開始",
    "start.picker.more": (
        "ほかに {count} 件あります。`{command} start <名前>` と入力すると開けます。"
    ),
    # The form
    "start.modal.submit": "開始",
    "start.modal.cancel": "キャンセル",
    "start.modal.close": "閉じる",
    "start.modal.notice_title": "プロセスの開始",
    "start.modal.title_label": "件名",
    "start.modal.title_hint": "Questetra でのプロセスの件名になります。",
    "start.modal.target": "送信すると Questetra で新しいプロセスが開始されます（アプリ {app_id}）。",
    "start.modal.requester": "依頼者としてあなた（{email}）が `{field}` に記録されます。",
    "start.modal.in_channel": "結果はチャンネルに投稿されます。",
    "start.modal.banner": "Questetra はプロセスを開始しませんでした:",
    "start.modal.slow": (
        "Questetra の応答に時間がかかっています。この画面は閉じてかまいません。Questetra が"
        "応答したら結果を Slack でお知らせします。"
    ),
    # Checks of the form, before anything is sent
    "start.field.required": "入力してください。",
    "start.field.too_long": "{max} 文字以内で入力してください。",
    "start.field.not_a_number": "数値を入力してください（数字と小数点「.」のみ、カンマなし）。",
    "start.field.not_an_integer": "整数を入力してください。",
    "start.field.below_min": "{min} 以上を入力してください。",
    "start.field.above_max": "{max} 以下を入力してください。",
    "start.field.not_a_choice": "選択肢から選んでください。",
    "start.field.not_an_email": "メールアドレスを入力してください。",
    "start.field.not_a_date": "日付を選んでください。",
    "start.field.not_a_datetime": "日付と時刻を選んでください。",
    "start.field.one_value": "ここには値を 1 つだけ指定できます。",
    "start.field.no_email": (
        "この人の Questetra のメールアドレスが見つかりません。別の人を選ぶか、その人に "
        "Questetra アカウントの連携を依頼してください。"
    ),
    # Questetra's refusals
    "start.questetra.field": "Questetra: {detail}",
    "start.questetra.not_editable": (
        "この開始イベントではこの項目を受け付けません（Questetra で「編集可能」になっていません）。"
        "管理者に連絡してください。"
    ),
    "start.questetra.bad_parameter": (
        "この開始イベントでは項目 {name} を受け付けません。管理者に連絡してください。"
    ),
    "start.questetra.unknown_field": (
        "このフォームにない項目 {name} について Questetra がエラーを返しました: {detail}。"
        "管理者に連絡してください。"
    ),
    "start.questetra.requester": (
        "連携中のアカウントが依頼者として受け付けられませんでした: {detail}"
    ),
    "start.questetra.invalid_key": (
        "Questetra が開始イベントの API キーを受け付けませんでした。管理者にキーの更新を"
        "依頼してください（`/questetra admin start-events`）。"
    ),
    "start.questetra.app_inactive": (
        "Questetra のワークフローアプリが稼働していません（未リリースまたは停止中）。"
        "管理者に連絡してください。"
    ),
    "start.questetra.not_found": (
        "Questetra にこの開始イベントがありません（アプリ ID またはノード番号の誤り）。"
        "管理者に確認を依頼してください。"
    ),
    "start.questetra.process_limit": (
        "Questetra の稼働中プロセス数の上限に達しています。時間をおいて再試行するか、"
        "管理者に連絡してください。"
    ),
    "start.questetra.other": "Questetra が受け付けませんでした: {key} {detail}",
    "start.questetra.unexplained": (
        "Questetra が理由を示さずに受け付けませんでした。管理者に開始イベントの確認を"
        "依頼してください。"
    ),
    # Failures as a whole
    "start.error.rejected": "Questetra はプロセスを開始しませんでした。",
    "start.error.refused": (
        "Questetra が接続を拒否しました。管理者に、Questetra でボットのアドレスを許可するよう"
        "依頼してください（システム設定 > IP アドレス制限）。"
    ),
    "start.error.timeout": (
        "Questetra から時間内に応答がなく、プロセスが開始されたか分かりません。再試行する前に"
        " Questetra で確認してください。"
    ),
    "start.error.file_invalid": "開始イベントの一覧が壊れています。管理者に連絡してください。",
    "start.error.unknown_event": (
        "`{name}` という開始イベントはありません。`/questetra start` でここで使えるものを"
        "確認できます。"
    ),
    "start.error.unknown_event_did_you_mean": (
        "`{name}` という開始イベントはありません。`{close}` のことですか？"
    ),
    "start.error.channel": "`{name}` は {channels} でのみ開始できます。",
    "start.error.link_required": (
        "`{name}` は開始した人を Questetra アカウントから記録します。先にアカウントを連携して"
        "ください。"
    ),
    # The outcome
    "start.result.started": "*{event}* を開始しました {process}: {title}",
    "start.result.started_no_id": "*{event}* を開始しました: {title}",
    "start.result.open": "Questetra で開く",
    "start.result.by": "開始した人: {user}",
    "start.result.failed": "*{event}* は開始されませんでした:",
    "start.result.retry": "修正して `{command} start {name}` でもう一度お試しください。",
    # /questetra admin
    "admin.error.not_admin": (
        "この操作は Slack ワークスペースの管理者（とこのブリッジに設定された管理者）だけが"
        "行えます。管理者に依頼してください。"
    ),
    "admin.error.unverified": (
        "Slack で管理者権限を確認できなかったため、何も変更していません。1 分ほどしてからもう一度"
        "お試しください。"
    ),
    "admin.help.title": "管理者コマンド",
    "admin.help.intro": "`{command}` の *管理者コマンド*（管理者専用）:",
    "admin.help.unknown": "`{command} admin {topic}` という管理者コマンドはありません。",
    "admin.help.start_events": "利用できる開始イベントを一覧します。",
    "admin.help.start_events_add": "開始イベントを登録します（フォームが開きます）。",
    "admin.help.start_events_edit": "Slack で登録した開始イベントを変更します。",
    "admin.help.start_events_remove": "Slack で登録した開始イベントを削除します。",
    # /questetra admin start-events
    "admin.start_events.title": "開始イベント",
    "admin.start_events.intro": (
        "利用者は `{command} start <名前>` で開始します。START_EVENTS_FILE の開始イベントは"
        "そのファイルで変更します。"
    ),
    "admin.start_events.add": "開始イベントを追加",
    "admin.start_events.none": "開始イベントはまだありません。",
    "admin.start_events.summary": (
        "アプリ {app_id}・ノード {node} · 項目 {fields} 件 · 利用できる場所: {channels} · "
        "結果: {visibility}"
    ),
    "admin.start_events.requester": "依頼者を自動入力: `{field}`",
    "admin.start_events.invalid": "保存された定義がチェックを通らなくなっています:",
    "admin.start_events.shadowed": "START_EVENTS_FILE の同名の開始イベントが優先されています。",
    "admin.start_events.from_file": "START_EVENTS_FILE で定義（変更はファイルで）",
    "admin.start_events.everywhere": "すべてのチャンネル",
    "admin.start_events.visibility.ephemeral": "開始した人だけに表示",
    "admin.start_events.visibility.in_channel": "チャンネルに投稿",
    "admin.start_events.edit": "編集",
    "admin.start_events.remove": "削除",
    "admin.start_events.cancel": "キャンセル",
    "admin.start_events.confirm_title": "この開始イベントを削除しますか？",
    "admin.start_events.confirm_text": (
        "Slack から {name} を開始できなくなります。Questetra 側は変わりません。"
    ),
    "admin.start_events.more": "ほかに {count} 件あります。",
    "admin.start_events.removed": "`{name}` を削除しました。",
    "admin.start_events.saved": (
        "開始イベント `{name}` を保存しました。利用者は `{command} start {name}` で開始できます。"
    ),
    "admin.start_events.usage": (
        "使い方: `{command} admin start-events [list | add | edit <名前> | remove <名前>]`"
    ),
    "admin.start_events.error.file_readonly": (
        "`{name}` は START_EVENTS_FILE で定義されています。そのファイルで変更してください。"
    ),
    "admin.start_events.error.unknown": "`{name}` という開始イベントは Slack で登録されていません。",
    # The admin's form
    "admin.start_events.form.title_add": "開始イベントの追加",
    "admin.start_events.form.title_edit": "開始イベントの編集",
    "admin.start_events.form.save": "保存",
    "admin.start_events.form.name": "名前",
    "admin.start_events.form.name_hint": (
        "利用者が入力する名前です: /questetra start <名前>。英小文字・数字・-・_ で 1〜40 文字。"
        "あとから変更できません。"
    ),
    "admin.start_events.form.name_fixed": "名前: `{name}`（変更不可）",
    "admin.start_events.form.title_en": "表示名（英語）",
    "admin.start_events.form.title_ja": "表示名（日本語）",
    "admin.start_events.form.title_hint": (
        "一覧とフォームに表示されます。少なくとも一方の言語を入力してください。"
    ),
    "admin.start_events.form.description_en": "説明（英語）",
    "admin.start_events.form.description_ja": "説明（日本語）",
    "admin.start_events.form.app_id": "アプリ ID（processModelInfoId）",
    "admin.start_events.form.node_number": "ノード番号（nodeNumber）",
    "admin.start_events.form.url_hint": (
        "どちらも Questetra の開始イベントの URL にあります: "
        "…/System/Event/MessageStart/<アプリ ID>/<ノード番号>/start"
    ),
    "admin.start_events.form.key": "API キー",
    "admin.start_events.form.key_hint": (
        "メッセージ開始イベント（HTTP）に設定した API キーです。暗号化して保存し、"
        "二度と表示しません。"
    ),
    "admin.start_events.form.key_hint_edit": "空欄のままなら現在のキーを使い続けます。",
    "admin.start_events.form.channels": "利用できるチャンネル",
    "admin.start_events.form.channels_hint": "空欄ならすべてのチャンネルで使えます。",
    "admin.start_events.form.visibility": "結果の表示先",
    "admin.start_events.form.requester": "依頼者の項目",
    "admin.start_events.form.requester_hint": (
        "任意: ユーザ型データ項目のフィールド名。開始した人の連携済み Questetra メールアドレスが"
        "入ります（開始する人はアカウント連携が必要です）。"
    ),
    "admin.start_events.form.fields": "フォームの項目（YAML）",
    "admin.start_events.form.fields_hint": (
        "START_EVENTS_FILE の fields と同じ書式です（README 参照）。空欄なら件名だけを"
        "尋ねるフォームになります。"
    ),
    "admin.start_events.form.fields_example": (
        "例 (フィールド名は Questetra の表示どおり):\n"
        "```- name: q_amount\n  label: 金額\n  type: number\n  required: true```"
    ),
    "admin.start_events.form.yaml_error": "項目が正しい YAML ではありません（{line} 行目）。",
    # Problems of a definition (file, form, stored row)
    "admin.start_events.problem.missing": "必須です",
    "admin.start_events.problem.not_mapping": "マッピング（キー: 値）で書いてください",
    "admin.start_events.problem.not_list": "リストで書いてください",
    "admin.start_events.problem.not_text": "文字列、または en と ja のマッピングで書いてください",
    "admin.start_events.problem.text_languages": (
        "ここで使えるのは en と ja だけです（{keys} は使えません）"
    ),
    "admin.start_events.problem.not_whole_number": "0 以上の整数で書いてください",
    "admin.start_events.problem.not_bool": "true か false で書いてください",
    "admin.start_events.problem.not_number": "数値で書いてください",
    "admin.start_events.problem.not_choices": (
        "選択肢のリスト（id と label）か、id: label のマッピングで書いてください"
    ),
    "admin.start_events.problem.unknown_key": "不明な設定「{key}」です（使える設定: {allowed}）",
    "admin.start_events.problem.unknown_key_did_you_mean": (
        "不明な設定「{key}」です（「{suggestion}」のことですか？）"
    ),
    "admin.start_events.problem.bad_name": (
        "「{name}」は名前に使えません。英小文字・数字・-・_ で 1〜40 文字にしてください"
    ),
    "admin.start_events.problem.duplicate_name": "名前「{name}」はほかの開始イベントで使われています",
    "admin.start_events.problem.name_in_file": "「{name}」は START_EVENTS_FILE で定義済みです",
    "admin.start_events.problem.name_fixed": "名前は変更できません（「{name}」のままです）",
    "admin.start_events.problem.bad_field_name": (
        "「{name}」は Questetra のフィールド名ではありません（英数字と _ のみ）"
    ),
    "admin.start_events.problem.duplicate_field": "項目「{name}」が 2 回書かれています",
    "admin.start_events.problem.bad_type": "次のいずれかにしてください: {types}",
    "admin.start_events.problem.one_of": "次のいずれかにしてください: {allowed}",
    "admin.start_events.problem.only_for": "{types} 型の項目でだけ使えます",
    "admin.start_events.problem.duplicate_choice": "選択肢 ID「{id}」が 2 回書かれています",
    "admin.start_events.problem.too_many_choices": "Slack のメニューの選択肢は最大 {max} 個です",
    "admin.start_events.problem.too_many_fields": "フォームの項目は最大 {max} 個です",
    "admin.start_events.problem.min_above_max": "min より小さくできません",
    "admin.start_events.problem.default_not_a_choice": "「{id}」は選択肢にありません",
    "admin.start_events.problem.bad_default": "値を 1 つだけ書いてください",
    "admin.start_events.problem.bad_default_date": "YYYY-MM-DD 形式の日付か today にしてください",
    "admin.start_events.problem.bad_default_datetime": (
        "YYYY-MM-DD HH:MM 形式の日時か now にしてください"
    ),
    "admin.start_events.problem.bad_default_value": "正しい値ではありません: {reason}",
    "admin.start_events.problem.requester_not_user": (
        "依頼者の項目「{name}」はユーザ型（user）の項目にしてください"
    ),
    "admin.start_events.problem.key_missing": (
        "API キーが必要です（key、または環境変数名を書いた key_env）"
    ),
    "admin.start_events.problem.key_and_key_env": "key と key_env はどちらか一方だけにしてください",
    "admin.start_events.problem.bad_key": (
        "API キーは空白を含まない 1〜100 文字にしてください（YAML では引用符で囲んでください）"
    ),
    "admin.start_events.problem.bad_env_name": "「{name}」は環境変数名ではありません",
    "admin.start_events.problem.env_unset": "環境変数 {name} が設定されていません",
    "admin.start_events.problem.bad_channel": (
        "「{channel}」は Slack のチャンネル ID ではありません（C0123ABCD のような形式）"
    ),
    "admin.start_events.problem.bad_url": (
        "開始イベントの URL（/System/Event/MessageStart/<アプリ>/<ノード>/start で終わるもの）に"
        "してください"
    ),
    "admin.start_events.problem.url_other_tenant": (
        "このブリッジの Questetra（{base}）の URL にしてください"
    ),
    "admin.start_events.problem.url_conflict": "url と一致しません",
}
