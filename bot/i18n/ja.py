"""日本語メッセージ。キーとプレースホルダーは en.py と一致させること (tests/unit/test_i18n.py)。"""

MESSAGES: dict[str, str] = {
    # /questetra help
    "help.title": "Slack で Questetra",
    "help.intro": "Slack から離れずに Questetra のタスクを扱えます。`{command}` のサブコマンド:",
    "help.cmd.connect": "Questetra アカウントを連携します (Questetra 上で許可します)。",
    "help.cmd.connect_basic": "メールアドレスと API パスワードで連携します (管理者が許可した場合)。",
    "help.cmd.disconnect": "Questetra アカウントの連携を解除し、通知を止めます。",
    "help.cmd.status": "連携しているアカウントと連携の状態を表示します。",
    "help.cmd.tasks": "マイタスクと引受待ちタスクを一覧します。語句で絞り込めます。",
    "help.cmd.start": "管理者が用意したフォームからプロセスを開始します。",
    "help.cmd.alerts": "新着タスク通知: on、off、または `quiet 19:00-08:00` のような通知停止時間帯。",
    "help.cmd.subscribe": "アプリの新しいプロセスをこのチャンネルに投稿します。",
    "help.cmd.unsubscribe": "アプリのプロセスのこのチャンネルへの投稿をやめます。",
    "help.cmd.subscriptions": "このチャンネルの購読を一覧します。",
    "help.cmd.webhook": "ワークフローからメッセージを投稿できる秘密の URL を作成します。",
    "help.cmd.admin": "管理者向け: 連携ユーザー、連携の取り消し、Basic 認証、開始イベント、監査ログ。",
    "help.cmd.help": "このヘルプを表示します。",
    "help.footer": "このコマンドの返信はあなたにだけ表示されます。",
    # Unknown or unavailable sub-commands
    "command.unknown": "`{command} {sub}` というコマンドはありません。",
    "command.did_you_mean": "`{command} {suggestion}` のことですか?",
    "command.see_help": "`{command} help` と入力すると、できることをすべて表示します。",
    # App Home
    "home.title": "Questetra",
    "home.welcome": "Questetra のタスク、通知、プロセスを Slack で。",
    "home.not_linked": "Questetra アカウントはまだ連携されていません。",
    "home.linked_as": "*{name}* ({email}) として {method} で連携しています。",
    "home.needs_relink": "Questetra との連携の期限が切れました。タスクを受け取り続けるには再連携してください。",
    "home.paused": "管理者がブリッジを一時停止しています。現在 Questetra には何も送信されません。",
    "home.help_hint": "どのチャンネルでも `{command} help` と入力すると、すべてのコマンドを表示します。",
    "method.oauth": "OAuth",
    "method.basic": "API パスワード",
    # Buttons
    "button.connect": "Questetra と連携",
    "button.relink": "Questetra と再連携",
    "button.help": "ヘルプ",
    # Linking
    "connect.prompt": (
        "Questetra アカウントを連携します。ボタンを押し、必要なら Questetra にログインして許可してください。"
        "ボタンは 1 回限りで、10 分で期限切れになります。"
    ),
    "connect.replaces": "現在 *{name}* ({email}) として連携しています。もう一度連携すると置き換わります。",
    "connect.basic_hint": "API パスワードでも連携できます: `{command} connect basic`",
    "button.open_questetra_consent": "Questetra で連携",
    "linked.dm": "*{name}* ({email}) として連携しました。`{command} tasks` でタスクを確認できます。",
    "relink.dm": (
        "Questetra との連携が使えなくなりました (期限切れまたは取り消し)。"
        "タスクを確認できないため、再連携してください。"
    ),
    "relink.expiring_dm": (
        "Questetra との連携はあと数日で期限切れになります (有効期間は 30 日)。"
        "タスクを途切れなく受け取るには、今のうちに再連携してください。"
    ),
    "admin.client_refused_dm": (
        "Questetra がブリッジの OAuth クライアントを拒否しました (無効化または削除)。"
        "OAuth で連携したユーザーの Questetra 呼び出しが失敗しています。"
        "Questetra のシステム設定 > API クライアント で確認してください。"
        "連携は保持されており、クライアントが有効になれば再び使えます。"
    ),
    "disconnect.done": (
        "Questetra アカウントの連携を解除し、通知を停止しました。Questetra 側のアクセス許可も取り消すには、"
        "Questetra のアカウント設定から削除してください。"
    ),
    "disconnect.not_linked": "連携している Questetra アカウントはありません。",
    "status.not_linked": "Questetra アカウントは連携されていません。`{command} connect` を使ってください。",
    "status.linked": "*{name}* ({email}) として {method} で {since} から連携しています。",
    "status.needs_relink": ":warning: 連携の更新が必要です: `{command} connect` を使ってください。",
    "status.access_expiry": "アクセストークンの有効期限: {when}",
    "status.refresh_age": "リフレッシュトークンは {days} 日前に発行されました (有効期間 30 日)。",
    "status.last_error": "最後のエラー ({when}): {error}",
    "status.no_errors": "エラーはありません。",
    "basic.title": "API パスワード",
    "basic.intro": (
        "Questetra アカウントのメールアドレスと *API パスワード* を入力してください。"
        "Questetra の アカウント設定 > パスワード > API パスワード で確認できます。ログインパスワードではありません。"
    ),
    "basic.email": "Questetra のメールアドレス",
    "basic.password": "API パスワード",
    "basic.submit": "連携",
    "basic.cancel": "キャンセル",
    "basic.wrong_password": (
        "このメールアドレスと API パスワードでは連携できませんでした。Slack プロフィールの自分の"
        "メールアドレス（または管理者が対応付けたアドレス）と Questetra の API パスワードを使ってください。"
    ),
    "basic.throttled": (
        "試行回数が多すぎます。15 分待ってからもう一度お試しください。API パスワードを忘れた場合は"
        "Questetra（アカウント設定 > API パスワード）で新しく設定してください。"
    ),
    "basic.email_mismatch": (
        "この Questetra アカウントのメールアドレスは Slack のメールアドレスと異なります。"
        "連携できるのは自分のアカウントだけです。"
    ),
    "basic.email_hidden": (
        "Slack からあなたのメールアドレスを取得できないため、このアカウントがあなたのものか確認できません。"
        "Slack の管理者に対応付けを依頼してください: `/questetra admin map @あなた Questetraのメールアドレス`"
    ),
    "basic.questetra_down": "Questetra が応答しません。1 分ほどしてからもう一度お試しください。",
    "basic.invalid_email": "メールアドレスを入力してください。",
    # Browser pages after Questetra's consent
    "page.linked": "{name} ({email}) として連携しました。このタブを閉じて Slack に戻ってください。",
    "page.denied": "連携はキャンセルされました。何も保存されていません。`/questetra connect` でやり直せます。",
    "page.expired": "このリンクは期限切れです。Slack で `/questetra connect` を実行して新しいリンクを取得してください。",
    "page.invalid_state": (
        "このリンクは無効です (使用済み、または Slack から発行されたものではありません)。"
        "Slack で `/questetra connect` を実行してください。"
    ),
    "page.email_mismatch": (
        "許可された Questetra アカウント ({email}) のメールアドレスが Slack のメールアドレスと異なるため、"
        "連携しませんでした。ご自身のアカウントで Questetra にログインして `/questetra connect` をやり直すか、"
        "管理者にお問い合わせください。"
    ),
    "page.email_hidden": (
        "Slack からあなたのメールアドレスを読み取れませんでした (アプリに users:read.email の権限がない、"
        "ゲストである、メールアドレスがないなど)。そのため Questetra アカウント {email} は連携していません"
        " (何も保存していません)。Slack の管理者が `/questetra admin map @あなた {email}` で許可できます。"
        "その後 `/questetra connect` をやり直してください。"
    ),
    "page.client_refused": (
        "Questetra がブリッジの OAuth クライアントを拒否しました。管理者に連絡してください"
        " (Questetra のシステム設定 > API クライアント)。"
    ),
    "page.questetra_error": "Questetra での連携が完了しませんでした。しばらくしてから `/questetra connect` をやり直してください。",
    "page.title_ok": "Questetra と連携しました",
    "page.title_failed": "Questetra と連携できませんでした",
    "error.oauth_not_configured": (
        "このブリッジでは Questetra の同意画面による連携が設定されていません。"
        "管理者に問い合わせるか、有効なら `connect basic` を使ってください。"
    ),
    "error.basic_disabled": "API パスワードによる連携は有効になっていません。管理者に問い合わせるか、`connect` を使ってください。",
    # Errors
    "error.internal": (
        "こちら側で問題が発生しました。もう一度お試しください。"
        "繰り返し発生する場合は、管理者にこの参照番号を伝えてください: `{ref}`"
    ),
    "error.not_linked": "先に Questetra アカウントを連携してください。",
    "error.needs_relink": "Questetra との連携の期限が切れたか、取り消されました。再連携してください。",
    "error.feature_disabled": "管理者がこの機能を有効にしていません。管理者にお問い合わせください。",
    "error.team_not_allowed": (
        "この Slack ワークスペースはこの Questetra ブリッジを利用できません。ブリッジの運用担当者に"
        "追加を依頼してください（SLACK_ALLOWED_TEAM_IDS）。"
    ),
    "error.permission_denied": "この操作は許可されていません。管理者にお問い合わせください。",
    "error.questetra_forbidden": (
        "Questetra に拒否されました: ご利用の Questetra のエディションまたは権限では許可されていません。"
        "管理者にお問い合わせください。"
    ),
    "error.paused": "管理者がブリッジを一時停止しています。現在 Questetra には何も送信されません。管理者にお問い合わせください。",
    "error.questetra_unavailable": "Questetra が応答しません。1 分ほどしてからもう一度お試しください。",
    "error.busy": "ただいま混み合っているため、この操作は実行されませんでした。1 分ほどしてからもう一度お試しください。",
    "error.questetra_rejected": "Questetra に拒否されました: {reason}",
    "error.bad_input": "入力を理解できませんでした。{hint}",
    "input.not_a_number": "「{value}」は数値ではありません。0〜9 の数字（半角・全角）で入力してください（例: `12`）。",
    "input.not_a_mention": (
        "「{name}」が誰なのか分かりません。@ を入力して Slack の候補から相手を選んでください"
        "（そうすると Slack が相手の ID を送ります）。"
    ),
}
