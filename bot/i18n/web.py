"""Texts of the bridge's own web pages: the front page (`GET /`) and the "Add to Slack" pages
(multi-workspace install, Slack's OAuth redirect). Every page shows both languages."""

EN: dict[str, str] = {
    "web.name": "Questetra ⇄ Slack bridge",
    "web.root.what": (
        "This server connects Slack to the Questetra BPM Suite: people see, accept and process "
        "their Questetra tasks, get alerts and start processes from Slack."
    ),
    "web.root.use": "There is nothing to do on this page: in Slack, type /questetra help.",
    "web.root.install": "To add the bridge to a Slack workspace, open {install_url}.",
    "web.root.operators": (
        "Operators: health at /healthz, readiness at /readyz; the operator guide is "
        "docs/operations.md in the bridge's source."
    ),
    "web.install.title": "Add the Questetra bridge to Slack",
    "web.install.what": (
        "Slack will ask you to allow the bridge into your workspace. Afterwards each person "
        "links their own Questetra account with /questetra connect."
    ),
    "web.install.button": "Add to Slack",
    "web.installed.title": "Installed in Slack",
    "web.installed.text": (
        "The bridge is installed in {team}. Open Slack and type /questetra connect to link your "
        "Questetra account."
    ),
    "web.installed.open": "Open Slack",
    "web.failed.title": "Not installed",
    "web.failed.access_denied": "The installation was cancelled; nothing was installed.",
    "web.failed.expired": (
        "This installation was started in another browser, or more than 10 minutes ago. "
        "Start again from {install_url}."
    ),
    "web.failed.slack": (
        "Slack did not complete the installation ({reason}). Start again from {install_url}."
    ),
    "web.failed.storage": (
        "The bridge could not save the installation. Try again in a minute; if it keeps "
        "failing, tell the bridge's operator."
    ),
    "web.failed.team_not_allowed": (
        "This Slack workspace is not on the list of workspaces allowed to use this bridge, so "
        "nothing was installed. Ask the bridge's operator to add its team id to "
        "SLACK_ALLOWED_TEAM_IDS, then install again."
    ),
}

JA: dict[str, str] = {
    "web.name": "Questetra ⇄ Slack ブリッジ",
    "web.root.what": (
        "このサーバーは Slack と Questetra BPM Suite をつなぎます。Questetra のタスクの確認・"
        "引受・処理、通知の受け取り、プロセスの開始を Slack から行えます。"
    ),
    "web.root.use": "このページで行うことはありません。Slack で /questetra help と入力してください。",
    "web.root.install": "Slack ワークスペースに追加するには {install_url} を開いてください。",
    "web.root.operators": (
        "運用担当の方へ: ヘルスチェックは /healthz、レディネスは /readyz です。運用ガイドは"
        "ソースの docs/operations.ja.md にあります。"
    ),
    "web.install.title": "Questetra ブリッジを Slack に追加",
    "web.install.what": (
        "Slack がワークスペースへの追加の許可を求めます。その後、各自が /questetra connect で"
        "自分の Questetra アカウントを連携します。"
    ),
    "web.install.button": "Slack に追加",
    "web.installed.title": "Slack に追加しました",
    "web.installed.text": (
        "{team} にブリッジを追加しました。Slack を開き /questetra connect と入力して Questetra "
        "アカウントを連携してください。"
    ),
    "web.installed.open": "Slack を開く",
    "web.failed.title": "追加できませんでした",
    "web.failed.access_denied": "追加はキャンセルされました。何も追加されていません。",
    "web.failed.expired": (
        "この追加手続きは別のブラウザで始められたか、開始から 10 分以上経っています。"
        "{install_url} からやり直してください。"
    ),
    "web.failed.slack": (
        "Slack で追加が完了しませんでした（{reason}）。{install_url} からやり直してください。"
    ),
    "web.failed.storage": (
        "ブリッジが追加情報を保存できませんでした。少し待ってからやり直してください。"
        "繰り返し失敗する場合はブリッジの運用担当者に連絡してください。"
    ),
    "web.failed.team_not_allowed": (
        "この Slack ワークスペースはこのブリッジの利用が許可されていないため、何も追加されていません。"
        "ブリッジの運用担当者にチーム ID を SLACK_ALLOWED_TEAM_IDS へ追加するよう依頼し、"
        "その後あらためて追加してください。"
    ),
}
