"""The rendering boundary: every text that reaches Slack is escaped here and every Block Kit limit
is kept here.

How builders use it
-------------------
* Data (names, titles, process data, webhook bodies, admin texts, anything a person typed) is a
  plain ``str``. Never format it into mrkdwn yourself: pass it to :func:`fmt`, to a catalog message
  (``t(locale, key, name=data)``), or straight to a constructor (:func:`section`, :func:`context` …),
  which escape it with :func:`escape` — the one escaping function.
* Markup is a :class:`Mrkdwn`, made only here: :func:`fmt` (a template written in code, arguments
  escaped), :func:`link`, :func:`mention`, :func:`channel`, :func:`date`, :func:`join`, :func:`cut`.
  A catalog message (:class:`bot.i18n.Text`) is rendered from its template with its parameters
  escaped. Anything else that ends up in mrkdwn is escaped whole, so forgetting to escape shows
  the text as typed and never makes it live.
* Build blocks and views with the constructors below (they cap texts with a visible "…"); hand-built
  dicts are fine too: every payload is finished by :func:`finish_message`, :func:`finish_view`,
  :func:`finish_errors` or :func:`finish_options` on its way out (the Web API client of
  :mod:`bot.slack.clients`, ``respond`` of :mod:`bot.slack.respond` and every listener's ``ack``
  of :mod:`bot.slack.guard` call them), which render every text object, cap every documented
  limit (:data:`LIMITS`) and mark mrkdwn ``verbatim`` so that Slack adds no links or mentions of
  its own. plain_text stays as it is: Slack shows it literally.

Sources (Slack's documentation, the law here):
* Escaping ``&``, ``<``, ``>``; manual parsing strings (``<@U…>``, ``<#C…>``, ``<!here>``,
  ``<!subteam^…>``, ``<url|label>``, ``<!date^…|fallback>``); ``verbatim``:
  https://docs.slack.dev/messaging/formatting-message-text and
  https://docs.slack.dev/reference/block-kit/composition-objects/text-object
* Limits: https://docs.slack.dev/reference/block-kit/blocks,
  https://docs.slack.dev/reference/block-kit/block-elements,
  https://docs.slack.dev/reference/block-kit/composition-objects,
  https://docs.slack.dev/reference/views, and chat.postMessage (``text`` is cut at 40,000).
* Slack has no escape for ``*``, ``_``, ``~`` and `` ` ``: formatting only opens and closes at word
  boundaries, so data keeps them inside words and shows look-alikes at boundaries (the approach of
  jsx-slack's ``<Escape>``, https://github.com/yhatt/jsx-slack/blob/main/docs/about-escape-and-exact-mode.md).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import quote

import structlog

from bot.i18n import Ref, Text, plain_reading

log = structlog.stdlib.get_logger(__name__)

Block = dict[str, Any]
ELLIPSIS = "…"
EMPTY = "—"  # Slack refuses empty text objects


# ---------------------------------------------------------------------------------------------
# Trusted markup and the one escaping function


class Mrkdwn(str):
    """Trusted mrkdwn, made only by this module. ``plain`` is how it reads as plain text."""

    plain: str

    def __new__(cls, markup: str, plain: str | None = None) -> Mrkdwn:
        made = super().__new__(cls, markup)
        made.plain = markup if plain is None else plain
        return made


_CONTROL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# mrkdwn's formatting characters and the look-alikes data shows at word boundaries.
_LOOKALIKE = {
    "*": "\u2217",  # ∗ asterisk operator
    "_": "\u02cd",  # ˍ modifier letter low macron
    "~": "\u223c",  # ∼ tilde operator
    "`": "\u02cb",  # ˋ modifier letter grave accent
    "\uff0a": "\ufe61",  # full-width ＊ → ﹡ small asterisk
    "\uff3f": "\u2e0f",  # full-width ＿ → ⸏ paragraphos
    "\uff40": "\u02cb",  # full-width ｀
}


_WORD = re.compile(r"\S+")
# URLs and e-mail addresses are copied and typed again: they keep every character as it is.
_VERBATIM_WORD = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+|\w+://\S+|mailto:\S+")


def _neutral_word(word: str) -> str:
    if not any(c in word for c in _LOOKALIKE) or _VERBATIM_WORD.fullmatch(word):
        return word
    out = []
    last = len(word) - 1
    for i, char in enumerate(word):
        if char in _LOOKALIKE:
            before = word[i - 1] if i > 0 else " "
            after = word[i + 1] if i < last else " "
            # Inside a word (first_last, a*b) Slack never formats: keep it as typed.
            if char in "`\uff40" or not (before.isalnum() and after.isalnum()):
                char = _LOOKALIKE[char]
        out.append(char)
    return "".join(out)


def _neutral_formatting(text: str) -> str:
    if not any(c in text for c in _LOOKALIKE):
        return text
    return _WORD.sub(lambda m: _neutral_word(m.group(0)), text)


def escape(value: object) -> Mrkdwn:
    """THE escaping function: data → inert mrkdwn. ``&``, ``<``, ``>`` become entities (nothing can
    become a mention, a channel, a link or a date); formatting characters at word boundaries become
    look-alikes (a name like ``*boss*`` or a stray backtick cannot restyle the rest of a message)
    except in URLs and e-mail addresses, which stay exactly as they are; a ``>`` opening a line
    does not quote it. :class:`Mrkdwn` passes unchanged."""
    if isinstance(value, Mrkdwn):
        return value
    text = str(value)
    markup = _neutral_formatting(text).translate(_CONTROL)
    if markup.startswith("&gt;") or "\n&gt;" in markup:
        # A soft hyphen before it keeps a line of data from becoming a block quote.
        markup = re.sub(r"(^|\n)&gt;", "\\1\u00ad&gt;", markup)
    return Mrkdwn(markup, text)


def _render_text(text: Text) -> Mrkdwn:
    """A catalog message: the template's own text kept (only ``&<>`` escaped), parameters escaped."""
    if not text.params:
        return Mrkdwn(text.template.translate(_CONTROL), str(text))
    parts: list[str] = []
    formatter = string.Formatter()
    for literal, field, spec, conversion in formatter.parse(text.template):
        parts.append(literal.translate(_CONTROL))
        if field is None:
            continue
        value, _ = formatter.get_field(field, (), text.params)
        if conversion:
            value = formatter.convert_field(value, conversion)
        if spec and not isinstance(value, (Mrkdwn, Text, Ref, list, tuple)):
            value = format(value, spec)
        parts.append(mrkdwn(value))
    return Mrkdwn("".join(parts), str(text))


def mrkdwn(value: object) -> Mrkdwn:
    """Anything as mrkdwn: :class:`Mrkdwn` as it is, a catalog :class:`Text` from its template with
    escaped parameters, anything else escaped whole (it is data)."""
    if isinstance(value, Mrkdwn):
        return value
    if isinstance(value, Text):
        return _render_text(value)
    if isinstance(value, Ref):
        return channel(value) if value.is_conversation else mention(value)
    if isinstance(value, (list, tuple)):
        return join(", ", value)
    return escape(value)


def plain(value: object) -> str:
    """How a value reads in a plain_text object (Slack shows plain_text literally)."""
    if isinstance(value, Mrkdwn):
        return value.plain
    return str(plain_reading(value))


def fmt(template: str, /, *args: object, **kwargs: object) -> Mrkdwn:
    """A mrkdwn template written in code (trusted: never data) with escaped arguments:
    ``fmt("*{}*\\n{}", link(url, name), process)``."""
    rendered_args = [mrkdwn(a) for a in args]
    rendered_kwargs = {k: mrkdwn(v) for k, v in kwargs.items()}
    return Mrkdwn(
        template.format(*rendered_args, **rendered_kwargs),
        template.format(
            *[a.plain for a in rendered_args], **{k: v.plain for k, v in rendered_kwargs.items()}
        ),
    )


def join(separator: str, parts: Iterable[object]) -> Mrkdwn:
    """Parts joined by a trusted separator (``"\\n"``, ``" · "``), each rendered by :func:`mrkdwn`."""
    rendered = [mrkdwn(p) for p in parts]
    return Mrkdwn(separator.join(rendered), separator.join(r.plain for r in rendered))


_ID = re.compile(r"[A-Z0-9][A-Z0-9_]{0,31}")


def mention(user_id: str) -> Mrkdwn:
    """``<@U…>`` for a Slack user id; anything that is not an id is shown as escaped text."""
    if not _ID.fullmatch(user_id):
        return escape(user_id)
    return Mrkdwn(f"<@{user_id}>", f"@{user_id}")


def channel(channel_id: str) -> Mrkdwn:
    """``<#C…>`` for a Slack conversation id; anything else is shown as escaped text."""
    if not _ID.fullmatch(channel_id):
        return escape(channel_id)
    return Mrkdwn(f"<#{channel_id}>", f"#{channel_id}")


def _safe_url(url: str) -> str | None:
    if not url.lower().startswith(("https://", "http://", "mailto:")):
        return None
    # Slack's link syntax ends at "|" and ">": such characters (and spaces) are percent-encoded.
    return quote(url, safe="!#$%&'()*+,-./:;=?@[]~_")


def link(url: str, label: object | None = None) -> Mrkdwn:
    """``<url|label>`` with the label escaped; a URL that is not http(s)/mailto shows as text."""
    safe = _safe_url(url)
    shown = mrkdwn(label) if label is not None else None
    if safe is None:
        return shown if shown is not None else escape(url)
    safe = safe.replace("&", "&amp;")  # the one entity Slack decodes inside a link
    if shown is None or not shown:
        return Mrkdwn(f"<{safe}>", url)
    return Mrkdwn(f"<{safe}|{shown}>", shown.plain)


def code(value: object) -> Mrkdwn:
    """Inline code of data (backticks inside it become look-alikes)."""
    inner = escape(value)
    return Mrkdwn(f"`{inner}`", inner.plain) if inner else inner


def bold(value: object) -> Mrkdwn:
    inner = mrkdwn(value)
    return Mrkdwn(f"*{inner}*", inner.plain) if inner else inner


def _fallback_zone(when: datetime, tz: tzinfo | None) -> datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the database and the clock are UTC
    return when.astimezone(tz or UTC)


def zone_label(moment: datetime) -> str:
    """The zone a wall time is in, stated truthfully: ``UTC``, ``UTC+09:00``, ``UTC-03:30``."""
    offset = moment.utcoffset()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02}:{rest:02}"


def date(
    when: datetime,
    *,
    tz: tzinfo | None = None,
    tokens: str = "{date_short_pretty} {time}",
    fallback_format: str = "%Y-%m-%d %H:%M",
) -> Mrkdwn:
    """A time Slack shows in each reader's own zone (``<!date^…^…|fallback>``). The fallback (shown
    where Slack cannot format it: notifications, old clients) is the same moment in ``tz`` (the
    reader's zone when known, else UTC), labelled with that zone's real offset."""
    local = _fallback_zone(when, tz)
    fallback = f"{local.strftime(fallback_format)} {zone_label(local)}"
    return Mrkdwn(f"<!date^{int(local.timestamp())}^{tokens}|{escape(fallback)}>", fallback)


def text_length(text: str) -> int:
    """Length as Slack's limits count it, conservatively: UTF-16 code units (an emoji is 2)."""
    # Both in C: every text of every payload passes here (a per-character loop was 3 % of an
    # answer's CPU in `python -m tests.bench.answers --profile`).
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


_ATOM = re.compile(r"<[^<>]*>|&(?:amp|lt|gt);|.", re.DOTALL)


def cut(value: object, limit: int, *, more: Mrkdwn | None = None) -> Mrkdwn:
    """``value`` as mrkdwn in at most ``limit`` characters: cut between markup tokens and entities
    (never inside one), a visible "…" where it was cut, then ``more`` (e.g. a link to the full
    text) when given."""
    markup = mrkdwn(value)
    if text_length(markup) <= limit:
        return markup
    tail = ELLIPSIS + (f" {more}" if more else "")
    budget = limit - text_length(tail)
    if budget < 0:
        return Mrkdwn(cut_plain(markup.plain, limit), markup.plain)
    used, kept = 0, []
    for atom in _ATOM.findall(markup):
        size = text_length(atom)
        if used + size > budget:
            break
        kept.append(atom)
        used += size
    return Mrkdwn("".join(kept).rstrip() + tail, markup.plain)


def cut_plain(value: object, limit: int) -> str:
    """Plain text in at most ``limit`` characters, with "…" where it was cut; never empty."""
    text = plain(value)
    if not text.strip():
        return EMPTY
    if text_length(text) <= limit:
        return text
    kept, used = [], 0
    for char in text:
        size = text_length(char)
        if used + size > limit - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + ELLIPSIS


# ---------------------------------------------------------------------------------------------
# Block Kit's documented limits: the one table (sources in the module docstring)

LIMITS: dict[str, int] = {
    "message.text": 40_000,
    "message.blocks": 50,
    "view.blocks": 100,  # modals and App Home
    "view.title": 24,
    "view.submit": 24,
    "view.close": 24,
    "view.private_metadata": 3000,
    "view.callback_id": 255,
    "view.external_id": 255,
    "text": 3000,  # any text object
    "block_id": 255,
    "action_id": 255,
    "section.text": 3000,
    "section.fields": 10,
    "section.field": 2000,
    "header.text": 150,
    "context.elements": 10,
    "actions.elements": 25,
    "input.label": 2000,
    "input.hint": 2000,
    "button.text": 75,
    "button.value": 2000,
    "button.url": 3000,
    "button.accessibility_label": 75,
    "confirm.title": 100,
    "confirm.text": 300,
    "confirm.confirm": 30,
    "confirm.deny": 30,
    "option.text": 75,
    "option.value": 150,
    "option.description": 75,
    "option.url": 3000,
    "option_group.label": 75,
    "options": 100,
    "option_groups": 100,
    "checkboxes.options": 10,
    "radio_buttons.options": 10,
    "overflow.options": 5,
    "placeholder": 150,
    "plain_text_input.max_length": 3000,
    "plain_text_input.initial_value": 3000,
    "image.alt_text": 2000,
    "image.image_url": 3000,
    "image.title": 2000,
    "view_error": 2000,  # not documented; as long as an input's hint
}

_SELECTS = {
    "static_select",
    "multi_static_select",
    "external_select",
    "multi_external_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
}
_INPUTS = {
    "plain_text_input",
    "email_text_input",
    "url_text_input",
    "number_input",
    "datepicker",
    "timepicker",
    "datetimepicker",
    *_SELECTS,
}


def _machine(value: object, limit: int, what: str) -> Any:
    """An id, value or URL over its limit: a builder's bug. Cut it (the payload stays valid) and
    say so in the log."""
    if isinstance(value, str) and text_length(value) > limit:
        log.warning("render.machine_field_cut", field=what, length=len(value), limit=limit)
        return value[:limit]
    return value


def mrkdwn_object(value: object, limit: int = LIMITS["text"]) -> Block:
    return {"type": "mrkdwn", "text": cut(value, limit) or EMPTY, "verbatim": True}


def plain_object(value: object, limit: int = LIMITS["text"]) -> Block:
    return {"type": "plain_text", "text": cut_plain(value, limit), "emoji": True}


def _text_object(obj: object, limit: int, *, plain_only: bool = False) -> Block:
    """Finish one text object: mrkdwn rendered and escaped, plain_text as it is, both capped."""
    if isinstance(obj, dict) and obj.get("type") == "mrkdwn" and not plain_only:
        done = mrkdwn_object(obj.get("text", ""), limit)
        if obj.get("verbatim") is False:
            done["verbatim"] = True  # data never gains links or mentions of Slack's own
        return done
    if isinstance(obj, dict):
        done = {**obj, "type": "plain_text", "text": cut_plain(obj.get("text", ""), limit)}
        done.pop("verbatim", None)
        return done
    return plain_object(obj, limit) if plain_only else mrkdwn_object(obj, limit)


def _confirm(obj: Block) -> Block:
    done = dict(obj)
    for name in ("title", "confirm", "deny"):
        if name in done:
            done[name] = _text_object(done[name], LIMITS[f"confirm.{name}"], plain_only=True)
    if "text" in done:
        done["text"] = _text_object(done["text"], LIMITS["confirm.text"])
    return done


def _option(obj: Block) -> Block:
    done = dict(obj)
    if "text" in done:
        done["text"] = _text_object(done["text"], LIMITS["option.text"])
    if "description" in done:
        done["description"] = _text_object(done["description"], LIMITS["option.description"])
    done["value"] = _machine(done.get("value"), LIMITS["option.value"], "option.value")
    if "url" in done:
        done["url"] = _machine(done["url"], LIMITS["option.url"], "option.url")
    return done


def _options(items: object, limit: int) -> list[Block]:
    options = [_option(o) for o in items if isinstance(o, dict)] if isinstance(items, list) else []
    return options[:limit]


_DECIMAL = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?", re.ASCII)
_WHOLE = re.compile(r"-?[0-9]{1,20}", re.ASCII)


def _is_number(value: object, *, whole: bool) -> bool:
    return isinstance(value, str) and (_WHOLE if whole else _DECIMAL).fullmatch(value) is not None


def _element(obj: Block) -> Block:
    """Finish one block element (buttons, inputs, selects, images …)."""
    done = dict(obj)
    kind = done.get("type")
    if "action_id" in done:
        done["action_id"] = _machine(done["action_id"], LIMITS["action_id"], "action_id")
    if "confirm" in done and isinstance(done["confirm"], dict):
        done["confirm"] = _confirm(done["confirm"])
    if "placeholder" in done:
        done["placeholder"] = _text_object(
            done["placeholder"], LIMITS["placeholder"], plain_only=True
        )
    if kind == "button":
        done["text"] = _text_object(done.get("text", ""), LIMITS["button.text"], plain_only=True)
        for name in ("value", "url", "accessibility_label"):
            if name in done:
                done[name] = _machine(done[name], LIMITS[f"button.{name}"], f"button.{name}")
    elif kind == "overflow":
        done["options"] = _options(done.get("options"), LIMITS["overflow.options"])
    elif kind in ("checkboxes", "radio_buttons"):
        done["options"] = _options(done.get("options"), LIMITS[f"{kind}.options"])
        if "initial_options" in done:
            done["initial_options"] = _options(done["initial_options"], LIMITS[f"{kind}.options"])
        if isinstance(done.get("initial_option"), dict):
            done["initial_option"] = _option(done["initial_option"])
    elif kind in _SELECTS:
        if "options" in done:
            done["options"] = _options(done["options"], LIMITS["options"])
        if "option_groups" in done and isinstance(done["option_groups"], list):
            done["option_groups"] = [
                {
                    **group,
                    "label": _text_object(
                        group.get("label", ""), LIMITS["option_group.label"], plain_only=True
                    ),
                    "options": _options(group.get("options"), LIMITS["options"]),
                }
                for group in done["option_groups"][: LIMITS["option_groups"]]
                if isinstance(group, dict)
            ]
        if "initial_options" in done:
            done["initial_options"] = _options(done["initial_options"], LIMITS["options"])
        if isinstance(done.get("initial_option"), dict):
            done["initial_option"] = _option(done["initial_option"])
    elif kind == "plain_text_input":
        if isinstance(done.get("initial_value"), str):
            done["initial_value"] = done["initial_value"][
                : LIMITS["plain_text_input.initial_value"]
            ]
        for name in ("max_length", "min_length"):
            if isinstance(done.get(name), int):
                done[name] = min(done[name], LIMITS["plain_text_input.max_length"])
    elif kind == "number_input":
        # Slack refuses the whole view when a number input's initial value (or bound) is not a
        # number, or is a decimal in a whole-number input: such a value is left out instead.
        whole = not done.get("is_decimal_allowed")
        for name in ("initial_value", "min_value", "max_value"):
            if name in done and not _is_number(done[name], whole=whole):
                done.pop(name)
    elif kind == "image":
        done["alt_text"] = cut_plain(done.get("alt_text", ""), LIMITS["image.alt_text"])
        done["image_url"] = _machine(done.get("image_url"), LIMITS["image.image_url"], "image_url")
        if "title" in done:
            done["title"] = _text_object(done["title"], LIMITS["image.title"], plain_only=True)
    elif kind in ("mrkdwn", "plain_text"):
        return _text_object(done, LIMITS["text"])
    return done


def _block(obj: Block) -> Block:
    """Finish one layout block."""
    done = dict(obj)
    kind = done.get("type")
    if "block_id" in done:
        done["block_id"] = _machine(done["block_id"], LIMITS["block_id"], "block_id")
    if kind == "section":
        if "text" in done:
            done["text"] = _text_object(done["text"], LIMITS["section.text"])
        if isinstance(done.get("fields"), list):
            done["fields"] = [
                _text_object(f, LIMITS["section.field"])
                for f in done["fields"][: LIMITS["section.fields"]]
            ]
        if isinstance(done.get("accessory"), dict):
            done["accessory"] = _element(done["accessory"])
    elif kind == "header":
        done["text"] = _text_object(done.get("text", ""), LIMITS["header.text"], plain_only=True)
    elif kind in ("context", "actions"):
        elements = done.get("elements")
        items = [e for e in elements if isinstance(e, dict)] if isinstance(elements, list) else []
        done["elements"] = [_element(e) for e in items[: LIMITS[f"{kind}.elements"]]]
    elif kind == "input":
        done["label"] = _text_object(done.get("label", ""), LIMITS["input.label"], plain_only=True)
        if "hint" in done:
            done["hint"] = _text_object(done["hint"], LIMITS["input.hint"], plain_only=True)
        if isinstance(done.get("element"), dict):
            done["element"] = _element(done["element"])
    elif kind == "image":
        return _element(done)
    return done


def _blocks(blocks: object, limit: int) -> list[Block]:
    items = [_block(b) for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else []
    if len(items) > limit:
        # Keep the start and say visibly that more was left out.
        items = [*items[: limit - 1], context_block([Mrkdwn(ELLIPSIS)])]
    return items


def finish_message(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A message on its way out (chat.postMessage, postEphemeral, update, response_url, ack):
    ``text`` rendered and capped (Slack shows it in notifications), blocks finished."""
    done = dict(payload)
    if "text" in done and done["text"] is not None:
        done["text"] = cut(done["text"], LIMITS["message.text"])
    if done.get("blocks") is not None:
        done["blocks"] = _blocks(done["blocks"], LIMITS["message.blocks"])
    return done


def finish_view(view: Mapping[str, Any]) -> dict[str, Any]:
    """A modal or App Home on its way out (views.open/update/push/publish, ``response_action``)."""
    done = dict(view)
    for name in ("title", "submit", "close"):
        if name in done and done[name] is not None:
            done[name] = _text_object(done[name], LIMITS[f"view.{name}"], plain_only=True)
    for name in ("private_metadata", "callback_id", "external_id"):
        if name in done:
            done[name] = _machine(done[name], LIMITS[f"view.{name}"], f"view.{name}")
    done["blocks"] = _blocks(done.get("blocks"), LIMITS["view.blocks"])
    return done


def finish_errors(errors: Mapping[str, object]) -> dict[str, str]:
    """``response_action: errors``: block id → a plain message under that input."""
    return {
        str(block_id): cut_plain(message, LIMITS["view_error"])
        for block_id, message in errors.items()
    }


def finish_options(options: Sequence[Any] | None, groups: Sequence[Any] | None) -> dict[str, Any]:
    """A ``block_suggestion`` answer (external selects)."""
    done: dict[str, Any] = {}
    if options is not None:
        done["options"] = _options(list(options), LIMITS["options"])
    if groups is not None:
        done["option_groups"] = _element(
            {"type": "external_select", "option_groups": list(groups)}
        )["option_groups"]
    return done


# ---------------------------------------------------------------------------------------------
# Constructors: what builders write. Texts are data unless they are Mrkdwn or catalog Text.


def section(
    text: object,
    *,
    accessory: Block | None = None,
    block_id: str | None = None,
    more: Mrkdwn | None = None,
) -> Block:
    """A section of mrkdwn text (≤ 3,000; cut with "…" and then ``more``, e.g. a link to the full
    text in Questetra)."""
    block: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": cut(text, LIMITS["section.text"], more=more) or EMPTY},
    }
    block["text"]["verbatim"] = True
    if accessory is not None:
        block["accessory"] = accessory
    if block_id is not None:
        block["block_id"] = block_id
    return block


def sections(value: object, *, max_blocks: int = 5, more: Mrkdwn | None = None) -> list[Block]:
    """A long mrkdwn text shown whole in consecutive sections (each ≤ 3,000), split at a line
    break or a space (never inside a link, a mention or an entity); past ``max_blocks`` sections
    the last one ends in a visible "…" and then ``more`` (a link to the full text, when there is
    one). For texts people need to read in full, e.g. a start event's description in its form."""
    markup = mrkdwn(value)
    limit = LIMITS["section.text"]
    if text_length(markup) <= limit:
        return [section(markup)]
    chunks: list[list[str]] = [[]]
    used = 0
    for atom in _ATOM.findall(markup):
        size = text_length(atom)
        if used + size > limit:
            current = chunks[-1]
            # Carry the last partial word (or line) over, when a break is not too far back.
            breaks = [i for i, a in enumerate(current) if a in ("\n", " ")]
            cut_at = breaks[-1] + 1 if breaks and breaks[-1] > len(current) // 2 else len(current)
            chunks[-1], carried = current[:cut_at], current[cut_at:]
            chunks.append(carried)
            used = sum(text_length(a) for a in carried)
        chunks[-1].append(atom)
        used += size
    texts = [Mrkdwn("".join(chunk).strip() or EMPTY) for chunk in chunks]
    if len(texts) > max_blocks:
        rest = Mrkdwn("".join(texts[max_blocks - 1 :]))
        texts = [*texts[: max_blocks - 1], cut(rest, limit, more=more)]
    return [section(text) for text in texts]


def fields_section(fields: Sequence[object], *, block_id: str | None = None) -> Block:
    block: Block = {
        "type": "section",
        "fields": [
            mrkdwn_object(f, LIMITS["section.field"]) for f in fields[: LIMITS["section.fields"]]
        ],
    }
    if block_id is not None:
        block["block_id"] = block_id
    return block


def context_block(elements: Sequence[object], *, block_id: str | None = None) -> Block:
    block: Block = {
        "type": "context",
        "elements": [mrkdwn_object(e) for e in elements[: LIMITS["context.elements"]]],
    }
    if block_id is not None:
        block["block_id"] = block_id
    return block


def context(*parts: object) -> Block:
    """A context line of mrkdwn (one element per part)."""
    return context_block(parts)


def header(text: object) -> Block:
    return {"type": "header", "text": plain_object(text, LIMITS["header.text"])}


def divider() -> Block:
    return {"type": "divider"}


def button(
    text: object,
    action_id: str,
    *,
    value: str | None = None,
    style: str | None = None,
    url: str | None = None,
    confirm: Block | None = None,
) -> Block:
    element: Block = {
        "type": "button",
        "text": plain_object(text, LIMITS["button.text"]),
        "action_id": action_id,
    }
    if value is not None:
        element["value"] = _machine(value, LIMITS["button.value"], "button.value")
    if style is not None:
        element["style"] = style
    if url is not None:
        element["url"] = _machine(url, LIMITS["button.url"], "button.url")
    if confirm is not None:
        element["confirm"] = confirm
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[: LIMITS["actions.elements"]])}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def confirm_dialog(
    title: object, text: object, yes: object, no: object, *, style: str | None = None
) -> Block:
    dialog: Block = {
        "title": plain_object(title, LIMITS["confirm.title"]),
        "text": mrkdwn_object(text, LIMITS["confirm.text"]),
        "confirm": plain_object(yes, LIMITS["confirm.confirm"]),
        "deny": plain_object(no, LIMITS["confirm.deny"]),
    }
    if style is not None:
        dialog["style"] = style
    return dialog


def option(text: object, value: str, *, description: object | None = None) -> Block:
    made: Block = {
        "text": plain_object(text, LIMITS["option.text"]),
        "value": _machine(value, LIMITS["option.value"], "option.value"),
    }
    if description is not None:
        made["description"] = plain_object(description, LIMITS["option.description"])
    return made


def input_block(
    block_id: str,
    label: object,
    element: Block,
    *,
    hint: object | None = None,
    optional: bool = False,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain_object(label, LIMITS["input.label"]),
        "optional": optional,
        "element": element,
    }
    if hint is not None:
        block["hint"] = plain_object(hint, LIMITS["input.hint"])
    return block


def modal(
    title: object,
    blocks: list[Block],
    *,
    callback_id: str | None = None,
    submit: object | None = None,
    close: object | None = None,
    private_metadata: str | None = None,
) -> Block:
    view: Block = {"type": "modal", "title": plain_object(title, LIMITS["view.title"])}
    if callback_id is not None:
        view["callback_id"] = callback_id
    if submit is not None:
        view["submit"] = plain_object(submit, LIMITS["view.submit"])
    if close is not None:
        view["close"] = plain_object(close, LIMITS["view.close"])
    if private_metadata is not None:
        view["private_metadata"] = private_metadata
    view["blocks"] = blocks
    return finish_view(view)


def home(blocks: list[Block]) -> Block:
    return finish_view({"type": "home", "blocks": blocks})


def message(text: object, blocks: list[Block] | None = None) -> tuple[Mrkdwn, list[Block]]:
    """A message's notification ``text`` (rendered like blocks) and its finished blocks."""
    done = finish_message({"text": text, "blocks": blocks or []})
    return done["text"], done["blocks"]
