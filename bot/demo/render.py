"""Block Kit to HTML: messages, modals and App Home views as one viewer sees them.

A development tool as much as the demo page's engine: ``render_blocks(blocks)`` or
``render_document(blocks)`` shows any message the bot builds, with no server. Follows Slack's
Block Kit reference (blocks: header, section with text / fields / accessory, context, divider,
actions, input, image, rich_text, file, video; elements: buttons with styles, URLs and confirm
dialogs, static / user / conversation / channel selects and their multi versions, overflow,
date, time and date-time pickers, checkboxes, radio buttons, text, number, e-mail and URL
inputs, images as alt text). A block or element it does not know is shown as a red box naming
it, never dropped, so a gap in the renderer is visible.

Interactive elements carry ``data-*`` attributes that ``static/demo.js`` reads to build Slack's
``block_actions`` and ``view.state.values``: ``data-type``, ``data-block-id``,
``data-action-id`` and, for buttons, ``data-value`` / ``data-url``; a confirm dialog rides in a
``<template class="bk-confirm">`` beside its element.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

from bot.demo.mrkdwn import Viewer, plain_to_html, to_html

Block = Mapping[str, Any]

__all__ = [
    "Viewer",
    "element_types",
    "render_blocks",
    "render_document",
    "render_message",
    "render_view",
    "text_html",
]

_INPUT_TEXT = {
    "plain_text_input": "text",
    "email_text_input": "email",
    "url_text_input": "url",
    "number_input": "text",
    "rich_text_input": "text",
}


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def text_html(obj: object, viewer: Viewer) -> str:
    """A text object (``plain_text`` or ``mrkdwn``) as HTML; a bare string counts as plain."""
    if isinstance(obj, str):
        return plain_to_html(obj)
    if not isinstance(obj, Mapping):
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return to_html(text, viewer)
    return plain_to_html(text, with_emoji=obj.get("emoji", True) is not False)


def _plain(obj: object) -> str:
    """The raw text of a text object (for attributes and option labels)."""
    if isinstance(obj, Mapping):
        return str(obj.get("text", ""))
    return str(obj or "")


def _unknown(kind: str, what: object) -> str:
    return f'<div class="bk-unknown">unsupported {kind}: <code>{_attr(what)}</code></div>'


# ---------------------------------------------------------------- elements


def _ids(element: Block, block_id: str) -> str:
    return (
        f'data-type="{_attr(element.get("type", ""))}" data-block-id="{_attr(block_id)}" '
        f'data-action-id="{_attr(element.get("action_id", ""))}"'
    )


def _confirm(element: Block, viewer: Viewer) -> str:
    confirm = element.get("confirm")
    if not isinstance(confirm, Mapping):
        return ""
    style = str(confirm.get("style") or "primary")
    return (
        '<template class="bk-confirm">'
        f'<div class="bk-dialog-title">{text_html(confirm.get("title", ""), viewer)}</div>'
        f'<div class="bk-dialog-text">{text_html(confirm.get("text", ""), viewer)}</div>'
        f'<div class="bk-dialog-buttons"><button class="bk-button bk-deny" data-role="deny">'
        f"{text_html(confirm.get('deny', 'Cancel'), viewer)}</button>"
        f'<button class="bk-button bk-{_attr(style)}" data-role="confirm">'
        f"{text_html(confirm.get('confirm', 'Yes'), viewer)}</button></div></template>"
    )


def _button(element: Block, block_id: str, viewer: Viewer) -> str:
    style = element.get("style")
    classes = "bk-button" + (f" bk-{_attr(style)}" if style in ("primary", "danger") else "")
    extra = ""
    if element.get("value") is not None:
        extra += f' data-value="{_attr(element["value"])}"'
    if element.get("url"):
        extra += f' data-url="{_attr(element["url"])}"'
        classes += " bk-link-button"
    label = text_html(element.get("text", ""), viewer)
    arrow = ' <span class="bk-external" aria-hidden="true">↗</span>' if element.get("url") else ""
    return (
        f'<span class="bk-el-wrap"><button type="button" class="{classes} bk-el" '
        f"{_ids(element, block_id)}{extra}>{label}{arrow}</button>{_confirm(element, viewer)}</span>"
    )


def _options(element: Block) -> list[Block]:
    found: list[Block] = [o for o in element.get("options") or [] if isinstance(o, Mapping)]
    for group in element.get("option_groups") or []:
        if isinstance(group, Mapping):
            found.extend(o for o in group.get("options") or [] if isinstance(o, Mapping))
    return found


def _initial_values(element: Block) -> set[str]:
    chosen: set[str] = set()
    initial = element.get("initial_option")
    if isinstance(initial, Mapping):
        chosen.add(str(initial.get("value")))
    for option in element.get("initial_options") or []:
        if isinstance(option, Mapping):
            chosen.add(str(option.get("value")))
    return chosen


def _option_tags(options: Sequence[Block], chosen: set[str]) -> str:
    return "".join(
        f'<option value="{_attr(o.get("value", ""))}"'
        f"{' selected' if str(o.get('value')) in chosen else ''}>"
        f"{html.escape(_plain(o.get('text')))}</option>"
        for o in options
    )


def _placeholder(element: Block, viewer: Viewer, default_en: str, default_ja: str) -> str:
    text = _plain(element.get("placeholder")) or (default_ja if viewer.japanese else default_en)
    return html.escape(text)


def _select(element: Block, block_id: str, viewer: Viewer) -> str:
    kind = str(element.get("type"))
    multiple = kind.startswith("multi_")
    chosen = _initial_values(element)
    if kind.endswith("static_select") or kind.endswith("external_select"):
        groups = element.get("option_groups")
        if groups:
            body = "".join(
                f'<optgroup label="{_attr(_plain(g.get("label")))}">'
                f"{_option_tags([o for o in g.get('options') or [] if isinstance(o, Mapping)], chosen)}"
                "</optgroup>"
                for g in groups
                if isinstance(g, Mapping)
            )
        else:
            body = _option_tags(_options(element), chosen)
    elif kind.endswith("users_select"):
        initial = element.get("initial_users") or [element.get("initial_user")]
        body = "".join(
            f'<option value="{_attr(uid)}"{" selected" if uid in initial else ""}>'
            f"{html.escape(name)}</option>"
            for uid, name in viewer.users.items()
        )
    elif kind.endswith("conversations_select") or kind.endswith("channels_select"):
        initial = (
            element.get("initial_conversations")
            or element.get("initial_channels")
            or [element.get("initial_conversation") or element.get("initial_channel")]
        )
        body = "".join(
            f'<option value="{_attr(cid)}"{" selected" if cid in initial else ""}>'
            f"#{html.escape(name)}</option>"
            for cid, name in viewer.channels.items()
        )
    else:
        return _unknown("element", kind)
    placeholder = _placeholder(element, viewer, "Select an item", "項目を選択")
    if multiple:
        return (
            f'<select multiple class="bk-select bk-el" {_ids(element, block_id)} '
            f'aria-label="{placeholder}">{body}</select>'
        )
    first = (
        "" if chosen or "initial_user" in element else f'<option value="">{placeholder}</option>'
    )
    return (
        f'<span class="bk-el-wrap"><select class="bk-select bk-el" {_ids(element, block_id)}>'
        f"{first}{body}</select>{_confirm(element, viewer)}</span>"
    )


def _overflow(element: Block, block_id: str, viewer: Viewer) -> str:
    options = _option_tags(_options(element), set())
    return (
        f'<span class="bk-el-wrap"><select class="bk-overflow bk-el" {_ids(element, block_id)} '
        f'aria-label="more"><option value="">⋯</option>{options}</select>'
        f"{_confirm(element, viewer)}</span>"
    )


def _text_input(element: Block, block_id: str, viewer: Viewer) -> str:
    kind = str(element.get("type"))
    initial = _attr(element.get("initial_value") or "")
    placeholder = _attr(_plain(element.get("placeholder")))
    limits = ""
    if element.get("max_length"):
        limits += f' maxlength="{_attr(element["max_length"])}"'
    if kind == "number_input":
        mode = "decimal" if element.get("is_decimal_allowed") else "numeric"
        limits += f' inputmode="{mode}"'
        for key, attr in (("min_value", "data-min"), ("max_value", "data-max")):
            if element.get(key) is not None:
                limits += f' {attr}="{_attr(element[key])}"'
    if element.get("focus_on_load"):
        limits += " autofocus"
    ids = _ids(element, block_id)
    if element.get("multiline") or kind == "rich_text_input":
        return (
            f'<textarea class="bk-input bk-el" rows="4" {ids} placeholder="{placeholder}"{limits}>'
            f"{initial}</textarea>"
        )
    html_type = _INPUT_TEXT.get(kind, "text")
    return (
        f'<input class="bk-input bk-el" type="{html_type}" {ids} value="{initial}" '
        f'placeholder="{placeholder}"{limits}>'
    )


def _picker(element: Block, block_id: str, viewer: Viewer) -> str:
    kind = str(element.get("type"))
    ids = _ids(element, block_id)
    if kind == "datepicker":
        value = _attr(element.get("initial_date") or "")
        return f'<input class="bk-input bk-el" type="date" {ids} value="{value}">'
    if kind == "timepicker":
        value = _attr(element.get("initial_time") or "")
        return f'<input class="bk-input bk-el" type="time" {ids} value="{value}">'
    initial = element.get("initial_date_time")
    value = ""
    if isinstance(initial, int | float) and not isinstance(initial, bool):
        value = (
            datetime.fromtimestamp(initial, UTC).astimezone(viewer.tz).strftime("%Y-%m-%dT%H:%M")
        )
    return f'<input class="bk-input bk-el" type="datetime-local" {ids} value="{value}">'


def _choices(element: Block, block_id: str, viewer: Viewer) -> str:
    kind = str(element.get("type"))
    html_type = "checkbox" if kind == "checkboxes" else "radio"
    chosen = _initial_values(element)
    name = _attr(f"{block_id}/{element.get('action_id', '')}")
    rows = []
    for option in _options(element):
        value = str(option.get("value", ""))
        description = option.get("description")
        more = (
            f'<div class="bk-choice-desc">{text_html(description, viewer)}</div>'
            if description
            else ""
        )
        rows.append(
            f'<label class="bk-choice"><input type="{html_type}" name="{name}" '
            f'value="{_attr(value)}"{" checked" if value in chosen else ""}>'
            f"<span>{text_html(option.get('text', ''), viewer)}{more}</span></label>"
        )
    return f'<div class="bk-choices bk-el" {_ids(element, block_id)}>{"".join(rows)}</div>'


def _image_element(element: Block) -> str:
    alt = html.escape(str(element.get("alt_text") or "image"))
    return f'<span class="bk-image-alt" title="image: {alt}">🖼 {alt}</span>'


def render_element(element: object, block_id: str, viewer: Viewer) -> str:
    """One element (button, select, picker, input …) as HTML."""
    if not isinstance(element, Mapping):
        return _unknown("element", type(element).__name__)
    kind = str(element.get("type", ""))
    if kind == "button":
        return _button(element, block_id, viewer)
    if kind.endswith("_select"):
        return _select(element, block_id, viewer)
    if kind == "overflow":
        return _overflow(element, block_id, viewer)
    if kind in _INPUT_TEXT:
        return _text_input(element, block_id, viewer)
    if kind in ("datepicker", "timepicker", "datetimepicker"):
        return _picker(element, block_id, viewer)
    if kind in ("checkboxes", "radio_buttons"):
        return _choices(element, block_id, viewer)
    if kind == "image":
        return _image_element(element)
    if kind in ("plain_text", "mrkdwn"):
        return f'<span class="bk-context-text">{text_html(element, viewer)}</span>'
    return _unknown("element", kind)


# ---------------------------------------------------------------- rich text


def _rich_leaf(element: Block, viewer: Viewer) -> str:
    kind = element.get("type")
    style = element.get("style") if isinstance(element.get("style"), Mapping) else {}
    if kind == "text":
        out = plain_to_html(str(element.get("text", "")), with_emoji=False)
    elif kind == "link":
        label = html.escape(str(element.get("text") or element.get("url", "")))
        url = str(element.get("url", ""))
        out = to_html(f"<{url}|{label}>", viewer) if url else label
    elif kind == "user":
        uid = str(element.get("user_id", ""))
        out = f'<span class="bk-mention">@{html.escape(viewer.users.get(uid, uid))}</span>'
    elif kind == "usergroup":
        out = '<span class="bk-mention">@group</span>'
    elif kind == "channel":
        cid = str(element.get("channel_id", ""))
        out = f'<span class="bk-mention">#{html.escape(viewer.channels.get(cid, cid))}</span>'
    elif kind == "broadcast":
        out = f'<span class="bk-mention">@{html.escape(str(element.get("range", "here")))}</span>'
    elif kind == "emoji":
        unicode = element.get("unicode")
        if isinstance(unicode, str) and unicode:
            out = "".join(chr(int(part, 16)) for part in unicode.split("-"))
        else:
            out = to_html(f":{element.get('name', '')}:", viewer)
    elif kind == "date":
        fallback = str(element.get("fallback", ""))
        out = to_html(
            f"<!date^{element.get('timestamp', 0)}^{element.get('format', '{date}')}|{fallback}>",
            viewer,
        )
    elif kind == "color":
        out = html.escape(str(element.get("value", "")))
    else:
        return _unknown("rich text element", kind)
    for key, tag in (("code", "code"), ("strike", "s"), ("italic", "i"), ("bold", "b")):
        if style and style.get(key):
            out = f"<{tag}>{out}</{tag}>"
    return out


def _rich_section(element: Block, viewer: Viewer) -> str:
    return "".join(
        _rich_leaf(e, viewer) for e in element.get("elements") or [] if isinstance(e, Mapping)
    )


def _rich(element: object, viewer: Viewer) -> str:
    if not isinstance(element, Mapping):
        return ""
    kind = element.get("type")
    if kind == "rich_text_section":
        return f'<div class="bk-rich-section">{_rich_section(element, viewer)}</div>'
    if kind == "rich_text_preformatted":
        return f"<pre>{_rich_section(element, viewer)}</pre>"
    if kind == "rich_text_quote":
        return f"<blockquote>{_rich_section(element, viewer)}</blockquote>"
    if kind == "rich_text_list":
        tag = "ol" if element.get("style") == "ordered" else "ul"
        indent = int(element.get("indent") or 0)
        items = "".join(
            f"<li>{_rich_section(e, viewer)}</li>"
            for e in element.get("elements") or []
            if isinstance(e, Mapping)
        )
        return f'<{tag} class="bk-rich-list" style="margin-left:{indent * 1.5}em">{items}</{tag}>'
    return _unknown("rich text element", kind)


# ---------------------------------------------------------------- blocks


def _section(block: Block, viewer: Viewer, block_id: str) -> str:
    parts = []
    if block.get("text"):
        parts.append(f'<div class="bk-section-text">{text_html(block["text"], viewer)}</div>')
    fields = block.get("fields") or []
    if fields:
        cells = "".join(f'<div class="bk-field">{text_html(f, viewer)}</div>' for f in fields)
        parts.append(f'<div class="bk-fields">{cells}</div>')
    accessory = block.get("accessory")
    side = ""
    if accessory is not None:
        inner = render_element(accessory, block_id, viewer)
        if isinstance(accessory, Mapping) and accessory.get("type") == "image":
            inner = _image_element(accessory)
        side = f'<div class="bk-accessory">{inner}</div>'
    return (
        f'<div class="bk-section"><div class="bk-section-main">{"".join(parts)}</div>{side}</div>'
    )


def _input(block: Block, viewer: Viewer, block_id: str, errors: Mapping[str, str]) -> str:
    label = text_html(block.get("label", ""), viewer)
    optional = ""
    if block.get("optional"):
        optional = (
            f' <span class="bk-optional">{"（任意）" if viewer.japanese else "(optional)"}</span>'
        )
    hint = block.get("hint")
    hint_html = f'<div class="bk-hint">{text_html(hint, viewer)}</div>' if hint else ""
    error = errors.get(block_id)
    error_html = f'<div class="bk-error" role="alert">⚠ {html.escape(error)}</div>' if error else ""
    dispatch = ' data-dispatch="1"' if block.get("dispatch_action") else ""
    return (
        f'<div class="bk-input-block{" bk-has-error" if error else ""}"{dispatch}>'
        f'<label class="bk-label">{label}{optional}</label>'
        f"{render_element(block.get('element'), block_id, viewer)}{error_html}{hint_html}</div>"
    )


def render_block(
    block: object, viewer: Viewer, *, index: int = 0, errors: Mapping[str, str] | None = None
) -> str:
    """One block as HTML; ``errors`` (block_id -> text) go under input blocks."""
    if not isinstance(block, Mapping):
        return _unknown("block", type(block).__name__)
    kind = str(block.get("type", ""))
    block_id = str(block.get("block_id") or f"auto-{index}")
    data = f'data-block-id="{_attr(block_id)}"'
    if kind == "header":
        inner = f"<h3>{text_html(block.get('text', ''), viewer)}</h3>"
    elif kind == "section":
        inner = _section(block, viewer, block_id)
    elif kind == "divider":
        inner = "<hr>"
    elif kind == "context":
        items = "".join(
            _image_element(e)
            if isinstance(e, Mapping) and e.get("type") == "image"
            else f'<span class="bk-context-text">{text_html(e, viewer)}</span>'
            for e in block.get("elements") or []
        )
        inner = f'<div class="bk-context">{items}</div>'
    elif kind == "actions":
        items = "".join(render_element(e, block_id, viewer) for e in block.get("elements") or [])
        inner = f'<div class="bk-actions">{items}</div>'
    elif kind == "input":
        inner = _input(block, viewer, block_id, errors or {})
    elif kind == "image":
        title = block.get("title")
        caption = f'<div class="bk-image-title">{text_html(title, viewer)}</div>' if title else ""
        inner = f'<div class="bk-image">{caption}{_image_element(block)}</div>'
    elif kind == "rich_text":
        inner = "".join(_rich(e, viewer) for e in block.get("elements") or [])
    elif kind in ("file", "video"):
        what = block.get("title") or block.get("alt_text") or kind
        inner = f'<div class="bk-image-alt">{kind}: {text_html(what, viewer)}</div>'
    else:
        inner = _unknown("block", kind)
    return f'<div class="bk-block bk-b-{_attr(kind)}" {data}>{inner}</div>'


def render_blocks(
    blocks: Sequence[object] | None,
    viewer: Viewer | None = None,
    *,
    errors: Mapping[str, str] | None = None,
) -> str:
    """Blocks as an HTML fragment (``<div class="bk-blocks">…</div>``)."""
    viewer = viewer or Viewer()
    inner = "".join(
        render_block(block, viewer, index=i, errors=errors) for i, block in enumerate(blocks or [])
    )
    return f'<div class="bk-blocks">{inner}</div>'


def render_message(message: Mapping[str, Any], viewer: Viewer | None = None) -> str:
    """A message's body: its blocks, or its ``text`` as mrkdwn when it has none (as Slack)."""
    viewer = viewer or Viewer()
    blocks = message.get("blocks") or []
    if blocks:
        return render_blocks(blocks, viewer)
    return f'<div class="bk-blocks"><div class="bk-block">{to_html(str(message.get("text", "")), viewer)}</div></div>'


def render_view(
    view: Mapping[str, Any],
    viewer: Viewer | None = None,
    *,
    errors: Mapping[str, str] | None = None,
) -> str:
    """A modal's or Home tab's blocks (the page draws the modal's title and buttons itself)."""
    return render_blocks(view.get("blocks") or [], viewer, errors=errors)


def element_types(blocks: Sequence[object]) -> set[str]:
    """Every block and element ``type`` found in ``blocks`` (nested ones too): what a renderer
    test checks it supports."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, Mapping):
            kind = node.get("type")
            if isinstance(kind, str) and kind not in ("plain_text", "mrkdwn"):
                found.add(kind)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(list(blocks))
    return found


def stylesheet() -> str:
    """The Block Kit styles the page uses (``static/blocks.css``)."""
    return files("bot.demo").joinpath("static/blocks.css").read_text(encoding="utf-8")


def render_document(
    blocks: Sequence[object], viewer: Viewer | None = None, *, title: str = "Block Kit"
) -> str:
    """A standalone HTML page of ``blocks`` (open it in a browser, or screenshot it)."""
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{stylesheet()}</style></head>"
        f'<body class="bk-document"><div class="bk-message">{render_blocks(blocks, viewer)}</div>'
        f"<!-- {html.escape(json.dumps(sorted(element_types(blocks))))} --></body></html>"
    )
