"""Slack ``mrkdwn`` and ``<!date^…>`` tokens to HTML, as one viewer sees them.

Follows Slack's "Formatting text for app surfaces" reference: ``&amp; &lt; &gt;`` are the only
escapes; ``<…>`` holds links (``<url|label>``), mentions (``<@U…>``, ``<#C…|name>``,
``<!here>``, ``<!subteam^S…|@team>``) and dates (``<!date^ts^{token} text^link|fallback>``,
rendered in the viewer's time zone and language); ``*bold*``, ``_italic_``, ``~strike~``,
`` `code` ``, fenced code blocks and ``>`` quotes; ``:emoji:`` shortcodes. Bold, italic and
strike need a boundary (space or punctuation) on the outside, as in Slack, so ``文字*太字*文字``
stays as typed: the page shows what Slack shows, layout faults included.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

# The shortcodes the bot uses, and a few common ones; unknown ones stay as typed (like Slack
# does for an emoji the workspace lacks).
EMOJI: dict[str, str] = {
    "warning": "⚠️",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "rotating_light": "🚨",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "double_vertical_bar": "⏸️",
    "tada": "🎉",
    "grey_question": "❔",
    "question": "❓",
    "arrow_forward": "▶️",
    "arrow_right": "➡️",
    "sunrise": "🌅",
    "information_source": "ℹ️",
    "inbox_tray": "📥",
    "outbox_tray": "📤",
    "bell": "🔔",
    "no_bell": "🔕",
    "memo": "📝",
    "clipboard": "📋",
    "calendar": "📆",
    "date": "📅",
    "link": "🔗",
    "lock": "🔒",
    "key": "🔑",
    "gear": "⚙️",
    "bust_in_silhouette": "👤",
    "busts_in_silhouette": "👥",
    "wave": "👋",
    "eyes": "👀",
    "rocket": "🚀",
    "zzz": "💤",
    "hammer_and_wrench": "🛠️",
    "large_green_circle": "🟢",
    "red_circle": "🔴",
    "white_circle": "⚪",
    "clock3": "🕒",
    "email": "📧",
    "mag": "🔍",
    "star": "⭐",
    "pencil2": "✏️",
    "wastebasket": "🗑️",
}

_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class Viewer:
    """Who looks: their time zone, their Slack locale, names for mentions, and "now"."""

    tz: tzinfo = UTC
    locale: str = "en-US"
    now: datetime | None = None  # None: the wall clock (tests pass a fixed instant)
    users: Mapping[str, str] = field(default_factory=dict)  # user id -> display name
    channels: Mapping[str, str] = field(default_factory=dict)  # channel id -> name

    @property
    def japanese(self) -> bool:
        return self.locale.lower().startswith("ja")

    def current(self) -> datetime:
        return (self.now or datetime.now(UTC)).astimezone(self.tz)


# ---------------------------------------------------------------- dates


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _date(at: datetime, viewer: Viewer, style: str) -> str:
    if viewer.japanese:
        base = f"{at.year}年{at.month}月{at.day}日"
        return f"{base}{_WEEKDAYS_JA[at.weekday()]}曜日" if style == "long" else base
    month = _MONTHS_EN[at.month - 1]
    if style == "short":
        return f"{month[:3]} {at.day}, {at.year}"
    text = f"{month} {_ordinal(at.day)}, {at.year}"
    return f"{_WEEKDAYS_EN[at.weekday()]}, {text}" if style == "long" else text


def _pretty(at: datetime, viewer: Viewer, style: str) -> str:
    days = (at.date() - viewer.current().date()).days
    words = ("昨日", "今日", "明日") if viewer.japanese else ("yesterday", "today", "tomorrow")
    if -1 <= days <= 1:
        return words[days + 1]
    return _date(at, viewer, style)


def _time(at: datetime, viewer: Viewer, seconds: bool) -> str:
    if viewer.japanese:
        return at.strftime("%H:%M:%S" if seconds else "%H:%M")
    hour = at.hour % 12 or 12
    tail = f":{at.second:02d}" if seconds else ""
    return f"{hour}:{at.minute:02d}{tail} {'AM' if at.hour < 12 else 'PM'}"


def _ago(at: datetime, viewer: Viewer) -> str:
    delta = (viewer.current() - at).total_seconds()
    future, span = delta < 0, abs(delta)
    units = (
        (86400 * 365, "year", "年"),
        (86400 * 30, "month", "か月"),
        (86400, "day", "日"),
        (3600, "hour", "時間"),
        (60, "minute", "分"),
    )
    unit = next((u for u in units if span >= u[0]), None)
    if unit is None:
        return "たった今" if viewer.japanese else "just now"
    n, en, ja = int(span // unit[0]), unit[1], unit[2]
    if viewer.japanese:
        return f"{n}{ja}{'後' if future else '前'}"
    words = f"{n} {en}{'s' if n != 1 else ''}"
    return f"in {words}" if future else f"{words} ago"


_TOKENS = {
    "date_num": lambda at, v: at.strftime("%Y-%m-%d"),
    "date": lambda at, v: _date(at, v, "medium"),
    "date_short": lambda at, v: _date(at, v, "short"),
    "date_long": lambda at, v: _date(at, v, "long"),
    "date_pretty": lambda at, v: _pretty(at, v, "medium"),
    "date_short_pretty": lambda at, v: _pretty(at, v, "short"),
    "date_long_pretty": lambda at, v: _pretty(at, v, "long"),
    "time": lambda at, v: _time(at, v, False),
    "time_secs": lambda at, v: _time(at, v, True),
    "ago": _ago,
}


def format_date(timestamp: int | float, template: str, viewer: Viewer) -> str | None:
    """``{date_short_pretty} at {time}`` for this viewer; None when a token is unknown (then
    Slack shows the fallback text)."""
    at = datetime.fromtimestamp(timestamp, UTC).astimezone(viewer.tz)
    failed = False

    def token(match: re.Match[str]) -> str:
        nonlocal failed
        render = _TOKENS.get(match.group(1))
        if render is None:
            failed = True
            return ""
        return str(render(at, viewer))

    out = re.sub(r"\{([a-z_]+)\}", token, template)
    return None if failed else out


# ---------------------------------------------------------------- mrkdwn


def unescape(text: str) -> str:
    """Slack's three escapes undone (``&amp;`` last, so ``&amp;lt;`` stays ``&lt;``)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _safe_url(url: str) -> str | None:
    return url if re.match(r"^(https?://|mailto:)", url, re.IGNORECASE) else None


def _link(url: str, label_html: str) -> str:
    safe = _safe_url(url)
    if safe is None:
        return label_html
    href = html.escape(safe, quote=True)
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{label_html}</a>'


def control(inner: str, viewer: Viewer) -> str:
    """One ``<…>`` sequence (without the brackets) as HTML."""
    body, _, label = inner.partition("|")
    label_html = html.escape(unescape(label))
    if body.startswith("@"):
        name = label_html or html.escape(viewer.users.get(body[1:], body[1:]))
        return f'<span class="bk-mention">@{name.removeprefix("@")}</span>'
    if body.startswith("#"):
        name = label_html or html.escape(viewer.channels.get(body[1:], body[1:]))
        return f'<span class="bk-mention">#{name}</span>'
    if body.startswith("!date^"):
        parts = body.split("^")
        fallback = label_html or html.escape(body)
        try:
            text = (
                format_date(int(parts[1]), unescape(parts[2]), viewer) if len(parts) > 2 else None
            )
        except (ValueError, OverflowError, OSError):
            text = None
        if text is None:
            return fallback
        shown = f'<time class="bk-date" title="{fallback}">{html.escape(text)}</time>'
        return _link(unescape(parts[3]), shown) if len(parts) > 3 else shown
    if body.startswith("!subteam^"):
        return f'<span class="bk-mention">{label_html or "@team"}</span>'
    if body.startswith("!"):
        word = body[1:].split("^")[0]
        return f'<span class="bk-mention">{label_html or "@" + html.escape(word)}</span>'
    url = unescape(body)
    return _link(url, label_html or html.escape(url))


_CONTROL = re.compile(r"<([^<>\n]*)>")
_HOLE = "\ue000{}\ue001"
_HOLE_RE = re.compile("\ue000(\\d+)\ue001")
_EMOJI_RE = re.compile(r":([a-z0-9_+\-]+):")
# Outside a run: start, whitespace or punctuation; inside: no space next to the markers.
_EDGE = r"(?<![\w*_~`])"
_END = r"(?![\w*_~`])"
_STYLES = (
    (re.compile(_EDGE + r"\*(?=\S)([^*\n]*?\S)\*" + _END), "b"),
    (re.compile(_EDGE + r"_(?=\S)([^_\n]*?\S)_" + _END), "i"),
    (re.compile(_EDGE + r"~(?=\S)([^~\n]*?\S)~" + _END), "s"),
)


def emoji(text_html: str) -> str:
    def swap(match: re.Match[str]) -> str:
        found = EMOJI.get(match.group(1))
        return (
            f'<span class="bk-emoji" title=":{match.group(1)}:">{found}</span>'
            if found
            else match.group(0)
        )

    return _EMOJI_RE.sub(swap, text_html)


def _inline(text_html: str, holes: list[str]) -> str:
    """Inline code, then bold / italic / strike and emoji on the rest."""
    pieces = re.split(r"(`[^`\n]+`)", text_html)
    out = []
    for piece in pieces:
        if len(piece) > 2 and piece.startswith("`") and piece.endswith("`"):
            holes.append(f"<code>{piece[1:-1]}</code>")
            out.append(_HOLE.format(len(holes) - 1))
            continue
        for pattern, tag in _STYLES:
            piece = pattern.sub(lambda m, tag=tag: f"<{tag}>{m.group(1)}</{tag}>", piece)
        out.append(emoji(piece))
    return "".join(out)


def to_html(text: str, viewer: Viewer | None = None) -> str:
    """A mrkdwn string (as the bot sent it, Slack-escaped) as safe HTML."""
    viewer = viewer or Viewer()
    holes: list[str] = []

    def hole(match: re.Match[str]) -> str:
        holes.append(control(match.group(1), viewer))
        return _HOLE.format(len(holes) - 1)

    marked = _CONTROL.sub(hole, text)
    safe = html.escape(unescape(marked), quote=False)
    # Fenced code blocks first: nothing inside them is formatted.
    blocks = re.split(r"```(.*?)```", safe, flags=re.DOTALL)
    out: list[str] = []
    for index, part in enumerate(blocks):
        if index % 2:
            holes.append(f"<pre>{part.strip(chr(10))}</pre>")
            out.append(_HOLE.format(len(holes) - 1))
            continue
        lines = part.split("\n")
        rendered: list[str] = []
        quote: list[str] = []
        for line in lines:
            if line.startswith("&gt;"):
                quote.append(_inline(line[4:].removeprefix(" "), holes))
                continue
            if quote:
                rendered.append(f"<blockquote>{'<br>'.join(quote)}</blockquote>")
                quote = []
            rendered.append(_inline(line, holes))
        if quote:
            rendered.append(f"<blockquote>{'<br>'.join(quote)}</blockquote>")
        joined = ""
        for item in rendered:
            if (
                joined
                and not joined.endswith("</blockquote>")
                and not item.startswith("<blockquote>")
            ):
                joined += "<br>"
            joined += item
        out.append(joined)
    result = "".join(out)
    # Holes may hold holes (code inside a quote): fill until none is left.
    while _HOLE_RE.search(result):
        result = _HOLE_RE.sub(lambda m: holes[int(m.group(1))], result)
    return result


def plain_to_html(text: str, *, with_emoji: bool = True) -> str:
    """A ``plain_text`` object's text: shown as is (no markup), emoji shortcodes converted."""
    safe = html.escape(text, quote=False).replace("\n", "<br>")
    return emoji(safe) if with_emoji else safe
