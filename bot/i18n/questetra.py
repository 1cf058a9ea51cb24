"""Texts about what Questetra (or something in front of it) really answered: start requests that
started nothing, accept clicks Questetra did not take (questetra-fidelity.md, issue #13, #15)."""

EN: dict[str, str] = {
    "start.error.connection": (
        "I could not reach Questetra (the connection failed or was cut), so the process was not "
        "started. Try again in a few minutes; if it keeps happening, ask your admin to check "
        "that the bot can reach Questetra (network, System Settings > IP Address Filtering)."
    ),
    "start.error.sign_in_page": (
        "Questetra's address answered with a sign-in page (single sign-on or a proxy in front "
        "of Questetra), so the process was not started. Ask your admin to let the bot reach "
        "Questetra's start events directly."
    ),
    "start.error.redirect": (
        "Questetra's address redirects somewhere else, so the process was not started. Ask your "
        "admin to check the bot's QUESTETRA_BASE_URL (`python -m bot check`)."
    ),
    "start.error.unexpected_answer": (
        "Questetra's answer did not carry a process number, so the process was not started. "
        "Ask your admin to check the start event."
    ),
    "tasks.still_offered": (
        ":warning: Questetra did not accept “{task}” for you, and it is still offered to you. "
        "Try again, or open it in Questetra."
    ),
}

JA: dict[str, str] = {
    "start.error.connection": (
        "Questetra に接続できなかった (接続が失敗または切断された) ため、プロセスは開始されて"
        "いません。数分後にもう一度お試しください。続く場合は、ボットが Questetra に接続"
        "できるか (ネットワーク、システム設定 > IP アドレス制限) 管理者に確認を依頼してください。"
    ),
    "start.error.sign_in_page": (
        "Questetra のアドレスがサインイン画面を返した (シングルサインオンまたは Questetra の"
        "前段のプロキシ) ため、プロセスは開始されていません。ボットが Questetra の開始イベントに"
        "直接届くよう、管理者に設定を依頼してください。"
    ),
    "start.error.redirect": (
        "Questetra のアドレスが別の場所へリダイレクトしているため、プロセスは開始されていません。"
        "ボットの QUESTETRA_BASE_URL の確認 (`python -m bot check`) を管理者に依頼してください。"
    ),
    "start.error.unexpected_answer": (
        "Questetra の応答にプロセス番号がなかったため、プロセスは開始されていません。"
        "管理者に開始イベントの確認を依頼してください。"
    ),
    "tasks.still_offered": (
        ":warning: Questetra は「{task}」の引き受けを受け付けませんでした。まだあなたに"
        "オファーされています。もう一度試すか、Questetra で開いてください。"
    ),
}
