"""Texts of the work after an ack under load: the "working on it" note (bot/slack/guard.py)."""

EN: dict[str, str] = {
    "working.note": "Working on it… your answer will appear here in a moment.",
}

JA: dict[str, str] = {
    "working.note": "処理中です…まもなくここに結果が表示されます。",
}
