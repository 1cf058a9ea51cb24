"""Texts of ``python -m bot probe``'s report (the operator's language: ``--lang`` or LANG)."""

EN: dict[str, str] = {
    "probe.title": "Questetra conformance probe",
    "probe.intro": (
        "What this tenant answers, compared with what the bridge expects. Shapes only: field "
        "names, JSON types, date formats and status codes; no names, e-mails, ids, titles or "
        "tokens. You can attach this report to a support request as it is."
    ),
    "probe.checks_not_run": (
        "The one-off checks (token refusal, accept refusal, start-event refusal) were not run: "
        "add --checks. They change nothing on the tenant."
    ),
    "probe.summary": (
        "Summary: {ok} as expected, {mismatches} different, {failed} failed, {skipped} skipped."
    ),
    "probe.status.ok": "OK",
    "probe.status.mismatch": "DIFFERENT",
    "probe.status.info": "INFO",
    "probe.status.skipped": "SKIPPED",
    "probe.status.failed": "FAILED",
    "probe.section.connection": "Connection without credentials",
    "probe.section.credential": "The linked user",
    "probe.section.lists": "My Tasks and Offered tasks",
    "probe.section.values": "Process details and data item values",
    "probe.section.search": "Process search (app subscriptions)",
    "probe.section.form": "Task form XML",
    "probe.section.links": "Links to Questetra pages",
    "probe.section.checks": "One-off checks",
    "probe.check.unauthenticated": "API/User/Quser/self without credentials",
    "probe.check.quser": "API/User/Quser/self with the credential",
    "probe.check.list_allocated": "API/PE/Workitem/listAllocated",
    "probe.check.list_offered": "API/PE/Workitem/listOffered",
    "probe.check.list_capped": "A list returned fewer tasks than its count",
    "probe.check.list_limit": "Does `limit` change what listAllocated returns?",
    "probe.check.process_view": "API/OR/ProcessInstance/view",
    "probe.check.value_shapes": "Values of {type} items",
    "probe.check.search": "API/OR/ProcessInstance/list",
    "probe.check.search_order": "Order of the process search",
    "probe.check.form": "API/PE/Workitem/Form/viewXml structure",
    "probe.check.form_parser": "The bridge's task form parser",
    "probe.check.task_link": "Where task links point",
    "probe.check.token_error": "Token endpoint: refresh with a token that never existed",
    "probe.check.accept_refusal": "batchAccept of a task that cannot exist",
    "probe.check.start_refusal": "Message Start Event of an app that cannot exist",
    # What the bridge does about it
    "probe.effect.ignored": "The bridge does not use this.",
    "probe.effect.c3_401": "As expected: `python -m bot check` reports the API as reachable.",
    "probe.effect.c3_sign_in": (
        "Fine: the tenant shows its sign-in page to calls without credentials; the bridge "
        "treats this as a healthy tenant."
    ),
    "probe.effect.base_url_redirect": (
        "The base URL redirects elsewhere: every call of the bridge would fail. Set "
        "QUESTETRA_BASE_URL to the address it redirects to."
    ),
    "probe.effect.sign_in_in_front": (
        "A sign-in page (single sign-on or a proxy) answers instead of Questetra: the bridge "
        "reports such answers as failures. Let the bridge reach Questetra directly."
    ),
    "probe.effect.unreachable": "The bridge cannot reach Questetra from here: check the network.",
    "probe.effect.credential_refused": (
        "Questetra refused this credential: re-link the user, or check the API password "
        "(and that Basic authentication is enabled)."
    ),
    "probe.effect.forbidden": "Questetra refused the call (403): check the user's rights.",
    "probe.effect.unreadable": (
        "The answer could not be read: the bridge reports 'Questetra unavailable' for it."
    ),
    "probe.effect.no_link": "Linking fails: the bridge cannot tell who the user is.",
    "probe.effect.list_unreadable": (
        "The task list cannot be read: /questetra tasks and alerts fail for everyone."
    ),
    "probe.effect.paging": (
        "The bridge asks for further pages and stops as soon as a page adds no new task."
    ),
    "probe.effect.limit_honoured": "The bridge always asks for 1000 at a time: nothing to do.",
    "probe.effect.limit_ignored": (
        "As the sources say: the whole list comes back. The bridge expects that."
    ),
    "probe.effect.needs_two_tasks": "Needs a user with at least two tasks in My Tasks.",
    "probe.effect.needs_a_task": "Needs a user with at least one task.",
    "probe.effect.needs_an_allocated_task": "Needs a user with a task in My Tasks.",
    "probe.effect.needs_data": "None of the user's processes shows data items to this user.",
    "probe.effect.needs_two_processes": "Needs at least two processes visible to the user.",
    "probe.effect.needs_oauth": "Needs QUESTETRA_CLIENT_ID and QUESTETRA_CLIENT_SECRET.",
    "probe.effect.task_name": 'Tasks are shown without their name ("?").',
    "probe.effect.process_number": "Processes are shown by id instead of their number.",
    "probe.effect.title": "Process titles are shown empty.",
    "probe.effect.app_name": "App names are shown empty.",
    "probe.effect.starter": "Who started a process is not shown.",
    "probe.effect.dates": ("Dates are not shown, and new tasks are ordered as if they were old."),
    "probe.effect.deadline": "Deadlines and overdue marks are not shown.",
    "probe.effect.details_unreadable": "The Details button shows an error.",
    "probe.effect.value_type": "Values are shown as plain text.",
    "probe.effect.data_label": "Data items are shown without their label.",
    "probe.effect.data_order": "Data items are shown in definition order.",
    "probe.effect.active_nodes": "Where the process stands is not shown.",
    "probe.effect.no_data": "The Details modal shows no data items.",
    "probe.effect.values_flattened": (
        'The bridge does not know this encoding: it shows the value as "name: value" text. '
        "Please send this report to the bridge's maintainers."
    ),
    "probe.effect.subscriptions": (
        "App subscriptions cannot read the process search: channels get no new-process posts."
    ),
    "probe.effect.subscribe_by_name": "Subscribing by app name does not work (use the app id).",
    "probe.effect.sort_ok": "The bridge asks for the newest first: subscriptions see new processes.",
    "probe.effect.sort_ignored": (
        "The tenant ignores the sort the bridge asks for: app subscriptions may miss new "
        "processes when an app has many. Please send this report to the bridge's maintainers."
    ),
    "probe.effect.form_read": (
        "The bridge reads this form: Process… and the task's own buttons work for tasks like it."
    ),
    "probe.effect.form_unreadable": (
        "The bridge cannot read this answer as a task form: Process… and the task's buttons "
        "report 'Questetra unavailable', and people process such tasks in Questetra. "
        "Please send this report to the bridge's maintainers."
    ),
    "probe.effect.form_values_unread": (
        "The bridge does not read these values: the modal shows them empty, and a save would "
        "send them empty. Please send this report to the bridge's maintainers."
    ),
    "probe.effect.form_no_var_name": (
        "These items have no field name, so the bridge cannot save them: they are shown "
        "read-only. Please send this report to the bridge's maintainers."
    ),
    "probe.effect.form_buttons": (
        "Some of the task's buttons carry no flow id: the bridge leaves them out, so those "
        "choices are made in Questetra. Please send this report to the bridge's maintainers."
    ),
    "probe.effect.form_unknown_type": (
        "The bridge does not know this data type: such items are shown read-only."
    ),
    "probe.effect.task_link_default": (
        "Task links open the task's process page (a page the sources document). To link to "
        "the task itself, open <base URL>PE/Workitem/Form/viewIframe?workitemId=<a task id> "
        "in a browser; if it shows the task, set QUESTETRA_TASK_URL={example}"
    ),
    "probe.effect.task_link_custom": (
        "Task links follow QUESTETRA_TASK_URL: open one from Slack once to make sure it works."
    ),
    "probe.effect.error_text": "Questetra's refusals are shown without their reason.",
    "probe.effect.accept": "Accept buttons report a failure even when Questetra accepted.",
    "probe.effect.accept_facts": (
        "Fine either way: after a refusal the bridge decides from the user's lists, never from "
        "error codes."
    ),
    "probe.effect.read_only": (
        "Writes are refused (403): a read-only client, or not the Professional edition. "
        "Accept buttons will not work."
    ),
    "probe.effect.start_errors": (
        "For information: the bridge reads <…errors><error><key/><detail/></error> answers."
    ),
    "probe.effect.expiry": "The bridge assumes 12-hour access tokens.",
    "probe.effect.refresh": "Without a refresh token, users re-link every 12 hours.",
    "probe.effect.token_error": (
        "The bridge would read this refusal wrongly (a dead grant must mean 're-link'). Please "
        "send this report to the bridge's maintainers."
    ),
    "probe.effect.token_error_ok": "As expected: users are asked to re-link once.",
}

JA: dict[str, str] = {
    "probe.title": "Questetra 適合性プローブ",
    "probe.intro": (
        "このテナントの応答を、ブリッジが想定する形と比べた結果です。形だけを示します: フィールド名、"
        "JSON の型、日付の書式、ステータスコード。名前・メールアドレス・ID・件名・トークンは"
        "含みません。このままサポートへの問い合わせに添付できます。"
    ),
    "probe.checks_not_run": (
        "単発の確認 (トークンの拒否、引き受けの拒否、開始イベントの拒否) は実行していません: "
        "--checks を付けてください。テナント上の何も変更しません。"
    ),
    "probe.summary": (
        "まとめ: 想定どおり {ok} 件、相違 {mismatches} 件、失敗 {failed} 件、省略 {skipped} 件。"
    ),
    "probe.status.ok": "OK",
    "probe.status.mismatch": "相違",
    "probe.status.info": "情報",
    "probe.status.skipped": "省略",
    "probe.status.failed": "失敗",
    "probe.section.connection": "認証なしの接続",
    "probe.section.credential": "連携済みユーザー",
    "probe.section.lists": "マイタスクとオファー中のタスク",
    "probe.section.values": "プロセス詳細とデータ項目の値",
    "probe.section.search": "プロセス検索 (アプリの購読)",
    "probe.section.form": "タスクフォーム XML",
    "probe.section.links": "Questetra の画面へのリンク",
    "probe.section.checks": "単発の確認",
    "probe.check.unauthenticated": "認証なしの API/User/Quser/self",
    "probe.check.quser": "認証情報付きの API/User/Quser/self",
    "probe.check.list_allocated": "API/PE/Workitem/listAllocated",
    "probe.check.list_offered": "API/PE/Workitem/listOffered",
    "probe.check.list_capped": "一覧が count より少ないタスクを返しました",
    "probe.check.list_limit": "`limit` で listAllocated の結果は変わるか",
    "probe.check.process_view": "API/OR/ProcessInstance/view",
    "probe.check.value_shapes": "{type} 型の項目の値",
    "probe.check.search": "API/OR/ProcessInstance/list",
    "probe.check.search_order": "プロセス検索の並び順",
    "probe.check.form": "API/PE/Workitem/Form/viewXml の構造",
    "probe.check.form_parser": "ブリッジのタスクフォーム読み取り",
    "probe.check.task_link": "タスクへのリンク先",
    "probe.check.token_error": "トークンエンドポイント: 存在しないトークンでの更新",
    "probe.check.accept_refusal": "存在しえないタスクの batchAccept",
    "probe.check.start_refusal": "存在しえないアプリのメッセージ開始イベント",
    "probe.effect.ignored": "ブリッジはこれを使いません。",
    "probe.effect.c3_401": "想定どおりです: `python -m bot check` は API に到達できると報告します。",
    "probe.effect.c3_sign_in": (
        "問題ありません: 認証なしの呼び出しにはサインイン画面が返ります。ブリッジはこれを"
        "正常なテナントとして扱います。"
    ),
    "probe.effect.base_url_redirect": (
        "ベース URL が別の場所へリダイレクトしています: ブリッジの呼び出しはすべて失敗します。"
        "QUESTETRA_BASE_URL をリダイレクト先のアドレスにしてください。"
    ),
    "probe.effect.sign_in_in_front": (
        "Questetra ではなくサインイン画面 (シングルサインオンまたはプロキシ) が応答しています: "
        "ブリッジはこれを失敗として報告します。ブリッジが Questetra に直接届くようにしてください。"
    ),
    "probe.effect.unreachable": (
        "ここからブリッジは Questetra に届きません: ネットワークを確認してください。"
    ),
    "probe.effect.credential_refused": (
        "Questetra がこの認証情報を拒否しました: ユーザーを連携し直すか、API パスワード"
        " (と Basic 認証が有効か) を確認してください。"
    ),
    "probe.effect.forbidden": "Questetra が呼び出しを拒否しました (403): ユーザーの権限を確認してください。",
    "probe.effect.unreadable": (
        "応答を読み取れません: ブリッジは「Questetra に接続できません」と報告します。"
    ),
    "probe.effect.no_link": "連携できません: ブリッジはユーザーが誰か分かりません。",
    "probe.effect.list_unreadable": (
        "タスク一覧を読み取れません: /questetra tasks と通知が全員で失敗します。"
    ),
    "probe.effect.paging": (
        "ブリッジは続きのページを要求し、新しいタスクが増えないページで止めます。"
    ),
    "probe.effect.limit_honoured": "ブリッジは常に 1000 件ずつ要求します: 対応は不要です。",
    "probe.effect.limit_ignored": "資料どおり一覧全体が返ります。ブリッジはそれを前提にしています。",
    "probe.effect.needs_two_tasks": "マイタスクに 2 件以上あるユーザーが必要です。",
    "probe.effect.needs_a_task": "タスクが 1 件以上あるユーザーが必要です。",
    "probe.effect.needs_an_allocated_task": "マイタスクにタスクがあるユーザーが必要です。",
    "probe.effect.needs_data": "このユーザーに見えるデータ項目のあるプロセスがありません。",
    "probe.effect.needs_two_processes": "このユーザーに見えるプロセスが 2 件以上必要です。",
    "probe.effect.needs_oauth": "QUESTETRA_CLIENT_ID と QUESTETRA_CLIENT_SECRET が必要です。",
    "probe.effect.task_name": 'タスクが名前なし ("?") で表示されます。',
    "probe.effect.process_number": "プロセスが番号ではなく ID で表示されます。",
    "probe.effect.title": "プロセスの件名が空で表示されます。",
    "probe.effect.app_name": "アプリ名が空で表示されます。",
    "probe.effect.starter": "プロセスの開始者が表示されません。",
    "probe.effect.dates": "日時が表示されず、新しいタスクが古いものとして並びます。",
    "probe.effect.deadline": "期限と期限切れの印が表示されません。",
    "probe.effect.details_unreadable": "詳細ボタンがエラーを表示します。",
    "probe.effect.value_type": "値はそのままのテキストで表示されます。",
    "probe.effect.data_label": "データ項目がラベルなしで表示されます。",
    "probe.effect.data_order": "データ項目が定義順で表示されます。",
    "probe.effect.active_nodes": "プロセスの現在位置が表示されません。",
    "probe.effect.no_data": "詳細画面にデータ項目が表示されません。",
    "probe.effect.values_flattened": (
        "ブリッジはこの形を知りません: 値を「名前: 値」のテキストで表示します。このレポートを"
        "ブリッジの開発者に送ってください。"
    ),
    "probe.effect.subscriptions": (
        "アプリの購読がプロセス検索を読めません: チャンネルに新しいプロセスが投稿されません。"
    ),
    "probe.effect.subscribe_by_name": "アプリ名での購読ができません (アプリ ID を使ってください)。",
    "probe.effect.sort_ok": (
        "ブリッジは新しい順を要求します: 購読は新しいプロセスを見逃しません。"
    ),
    "probe.effect.sort_ignored": (
        "テナントがブリッジの要求する並び順を無視しています: プロセスの多いアプリでは購読が"
        "新しいプロセスを見逃すおそれがあります。このレポートをブリッジの開発者に送ってください。"
    ),
    "probe.effect.form_read": (
        "ブリッジはこのフォームを読めます: このようなタスクでは「処理…」とタスク自身のボタンが"
        "使えます。"
    ),
    "probe.effect.form_unreadable": (
        "ブリッジはこの応答をタスクフォームとして読めません: 「処理…」とタスクのボタンは"
        "「Questetra を利用できません」と表示し、このタスクは Questetra で処理することに"
        "なります。このレポートをブリッジの開発者に送ってください。"
    ),
    "probe.effect.form_values_unread": (
        "ブリッジはこれらの値を読めません: モーダルには空欄で表示され、保存すると空で送られます。"
        "このレポートをブリッジの開発者に送ってください。"
    ),
    "probe.effect.form_no_var_name": (
        "これらの項目にはフィールド名がなく、ブリッジは保存できません: 読み取り専用で表示します。"
        "このレポートをブリッジの開発者に送ってください。"
    ),
    "probe.effect.form_buttons": (
        "フロー ID のないボタンがあります: ブリッジはそれを表示しないため、その選択は Questetra で"
        "行うことになります。このレポートをブリッジの開発者に送ってください。"
    ),
    "probe.effect.form_unknown_type": (
        "ブリッジはこのデータ型を知りません: その項目は読み取り専用で表示します。"
    ),
    "probe.effect.task_link_default": (
        "タスクのリンクはそのプロセスの画面 (資料にある画面) を開きます。タスク自体にリンクする"
        "には、ブラウザで <ベース URL>PE/Workitem/Form/viewIframe?workitemId=<タスク ID> を"
        "開き、タスクが表示されれば QUESTETRA_TASK_URL={example} を設定してください。"
    ),
    "probe.effect.task_link_custom": (
        "タスクのリンクは QUESTETRA_TASK_URL に従います: Slack から一度開いて確認してください。"
    ),
    "probe.effect.error_text": "Questetra が拒否した理由が表示されません。",
    "probe.effect.accept": "Questetra が受け付けても、引き受けボタンは失敗と表示します。",
    "probe.effect.accept_facts": (
        "どちらでも問題ありません: 拒否のあと、ブリッジはエラーコードではなくユーザーの一覧から"
        "判断します。"
    ),
    "probe.effect.read_only": (
        "書き込みが拒否されます (403): 読み取り専用のクライアントか、Professional 版では"
        "ありません。引き受けボタンは動きません。"
    ),
    "probe.effect.start_errors": (
        "参考: ブリッジは <…errors><error><key/><detail/></error> の応答を読み取ります。"
    ),
    "probe.effect.expiry": "ブリッジはアクセストークンの有効期間を 12 時間とみなします。",
    "probe.effect.refresh": "リフレッシュトークンがないと、ユーザーは 12 時間ごとに連携し直します。",
    "probe.effect.token_error": (
        "ブリッジはこの拒否を誤って解釈します (無効な許可は「連携し直し」を意味するべきです)。"
        "このレポートをブリッジの開発者に送ってください。"
    ),
    "probe.effect.token_error_ok": "想定どおりです: ユーザーに一度だけ連携し直しを求めます。",
}
