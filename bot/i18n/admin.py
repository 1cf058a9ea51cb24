"""Texts of the admin panel (`/questetra admin`)."""

EN: dict[str, str] = {
    "panel.title": "Questetra bridge — admin",
    "panel.counts": (
        "Linked users: *{oauth}* by OAuth, *{basic}* by API password; *{relink}* need re-linking.\n"
        "Alerts waiting: *{pending}*; failed in the last 24 h: *{failed}*."
    ),
    "panel.client_ok": "Questetra OAuth client: :white_check_mark: accepted.",
    "panel.client_refused": (
        ":rotating_light: Questetra refused the bridge's OAuth client since {since}. Fix it in "
        "Questetra: System Settings > API Clients (re-activate the client or update its secret)."
    ),
    "panel.paused": ":double_vertical_bar: *Paused*: nothing is sent to Questetra.",
    "panel.running": ":arrow_forward: Running.",
    "panel.basic_on": "API-password (Basic) linking: *allowed*.",
    "panel.basic_off": "API-password (Basic) linking: *not allowed*.",
    "panel.users_title": "*Linked users* ({total})",
    "panel.user_line": ("{user} · {email} · {method} · linked {since} · last call {last}{error}"),
    "panel.never": "never",
    "panel.error_suffix": " · :warning: {error}",
    "panel.needs_relink_suffix": " · :warning: needs re-link",
    "panel.no_users": "Nobody has linked a Questetra account yet.",
    "panel.page": "Page {page} of {pages}",
    "panel.button_revoke": "Revoke",
    "panel.button_pause": "Pause all traffic",
    "panel.button_resume": "Resume",
    "panel.button_basic_on": "Allow API passwords",
    "panel.button_basic_off": "Forbid API passwords",
    "panel.button_audit": "Audit log",
    "panel.button_next": "Next",
    "panel.button_previous": "Previous",
    "panel.confirm_title": "Are you sure?",
    "panel.confirm_revoke": "Remove {user}'s Questetra link? They will be told.",
    "panel.confirm_basic_off": "Forbid API passwords and remove every link made with one? Each user will be told.",
    "panel.confirm_pause": "Stop all traffic to Questetra for this workspace until you resume?",
    "panel.confirm_yes": "Yes",
    "panel.confirm_no": "Cancel",
    "panel.revoked": "Removed {user}'s link.",
    "panel.not_linked": "{user} has no link.",
    "panel.revoked_dm": "An admin removed your Questetra link. Run `{command} connect` if you need it again.",
    "panel.basic_dropped_dm": (
        "An admin no longer allows linking with an API password, so your link was removed. "
        "Run `{command} connect` to link through Questetra's consent screen."
    ),
    "panel.saved": "Saved.",
    "admin.error.bad_email": (
        "{email} is not a plain e-mail address. Write it in ASCII letters (name@example.com): "
        "addresses with other scripts or look-alike characters cannot be mapped."
    ),
    "panel.mapped": "{user} may now link the Questetra account {email}.",
    "panel.unmapped": "{user} may again link only the account with their Slack e-mail.",
    "panel.usage": (
        "`{command} admin` (overview), `admin users [page]`, `admin revoke @user`, "
        "`admin pause`, `admin resume`, `admin basic on|off`, `admin map @user email`, "
        "`admin unmap @user`, `admin audit [@user]`, `admin start-events`"
    ),
    "panel.audit_title": "*Audit log* (latest {count})",
    "panel.audit_line": "{when} · {actor} · {action} {target} · {outcome}",
    "panel.audit_empty": "No audit entries yet.",
}

JA: dict[str, str] = {
    "panel.title": "Questetra ブリッジ — 管理",
    "panel.counts": (
        "連携ユーザー: OAuth *{oauth}* 人、API パスワード *{basic}* 人。再連携が必要: *{relink}* 人。\n"
        "送信待ちの通知: *{pending}* 件。過去 24 時間に失敗: *{failed}* 件。"
    ),
    "panel.client_ok": "Questetra の OAuth クライアント: :white_check_mark: 正常。",
    "panel.client_refused": (
        ":rotating_light: {since} から Questetra がブリッジの OAuth クライアントを拒否しています。"
        "Questetra のシステム設定 > API クライアント で確認してください (再有効化、またはシークレットの更新)。"
    ),
    "panel.paused": ":double_vertical_bar: *一時停止中*: Questetra には何も送信されません。",
    "panel.running": ":arrow_forward: 稼働中。",
    "panel.basic_on": "API パスワード (Basic 認証) による連携: *許可*。",
    "panel.basic_off": "API パスワード (Basic 認証) による連携: *不許可*。",
    "panel.users_title": "*連携ユーザー* ({total} 人)",
    "panel.user_line": "{user} · {email} · {method} · 連携 {since} · 最終呼び出し {last}{error}",
    "panel.never": "なし",
    "panel.error_suffix": " · :warning: {error}",
    "panel.needs_relink_suffix": " · :warning: 再連携が必要",
    "panel.no_users": "まだ誰も Questetra アカウントを連携していません。",
    "panel.page": "{page} / {pages} ページ",
    "panel.button_revoke": "取り消す",
    "panel.button_pause": "すべての通信を停止",
    "panel.button_resume": "再開",
    "panel.button_basic_on": "API パスワードを許可",
    "panel.button_basic_off": "API パスワードを禁止",
    "panel.button_audit": "監査ログ",
    "panel.button_next": "次へ",
    "panel.button_previous": "前へ",
    "panel.confirm_title": "よろしいですか?",
    "panel.confirm_revoke": "{user} の Questetra 連携を削除しますか? 本人に通知されます。",
    "panel.confirm_basic_off": "API パスワードを禁止し、API パスワードによる連携をすべて削除しますか? 各ユーザーに通知されます。",
    "panel.confirm_pause": "再開するまで、このワークスペースから Questetra への通信をすべて停止しますか?",
    "panel.confirm_yes": "はい",
    "panel.confirm_no": "キャンセル",
    "panel.revoked": "{user} の連携を削除しました。",
    "panel.not_linked": "{user} は連携していません。",
    "panel.revoked_dm": "管理者があなたの Questetra 連携を削除しました。必要なら `{command} connect` で再連携してください。",
    "panel.basic_dropped_dm": (
        "管理者が API パスワードによる連携を禁止したため、あなたの連携は削除されました。"
        "`{command} connect` で Questetra の同意画面から連携してください。"
    ),
    "panel.saved": "保存しました。",
    "admin.error.bad_email": (
        "{email} は通常のメールアドレスではありません。半角英数字（name@example.com）で書いてください。"
        "他の文字体系の文字や紛らわしい文字を含むアドレスは対応付けできません。"
    ),
    "panel.mapped": "{user} は Questetra アカウント {email} を連携できるようになりました。",
    "panel.unmapped": "{user} は再び Slack のメールアドレスのアカウントだけを連携できます。",
    "panel.usage": (
        "`{command} admin` (概要)、`admin users [ページ]`、`admin revoke @ユーザー`、"
        "`admin pause`、`admin resume`、`admin basic on|off`、`admin map @ユーザー メール`、"
        "`admin unmap @ユーザー`、`admin audit [@ユーザー]`、`admin start-events`"
    ),
    "panel.audit_title": "*監査ログ* (最新 {count} 件)",
    "panel.audit_line": "{when} · {actor} · {action} {target} · {outcome}",
    "panel.audit_empty": "監査ログはまだありません。",
}
