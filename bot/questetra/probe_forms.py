"""The probe's task-form check: a real ``Form/viewXml`` answer read by the bridge's own parser.

:func:`judge_form` parses the answer with :func:`bot.questetra.forms.parse_form` (exactly what
the Process… modal and the task's buttons use) and walks the same XML by local names to find
what the parser left behind: an item whose ``<value>`` has content the parser read as empty, a
``data-type`` code the bridge does not know, a writable item without ``var-name`` (it cannot be
saved), a ``user-select`` without ``flow-id`` (a button that cannot be pressed). Element names
and data-type codes come from questetra-fidelity.md §4.2 ([XMLFORM], [PG-task], [TITANIUM]).

Like the rest of the report, findings carry counts, codes and element names (through
:func:`bot.questetra.probe_report.safe_word`), never a value, label, name or id.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter, defaultdict

from bot.domain.forms import DataType, FormItem, TaskForm
from bot.questetra.errors import QuestetraProtocolError
from bot.questetra.forms import local, parse_form, parse_xml
from bot.questetra.probe_report import Finding, Status, safe_word

KEY = "probe.check.form_parser"
# Worst first: the effect of the first kind of difference found is the finding's effect.
EFFECTS = (
    "probe.effect.form_values_unread",
    "probe.effect.form_no_var_name",
    "probe.effect.form_buttons",
    "probe.effect.form_unknown_type",
)


def judge_form(body: bytes, workitem_id: int) -> list[Finding]:
    """Findings about one ``Form/viewXml`` answer (``body``) of the task ``workitem_id``."""
    try:
        form = parse_form(body)
    except QuestetraProtocolError:
        root = parse_xml(body)
        what = f"root element: {safe_word(local(root.tag))}" if root is not None else "not XML"
        return [Finding(KEY, Status.MISMATCH, (what,), "probe.effect.form_unreadable")]
    root = parse_xml(body)
    if root is None:  # parse_form read it: cannot happen
        return [Finding(KEY, Status.FAILED, ("not XML",), "probe.effect.form_unreadable")]
    differences: dict[str, list[str]] = defaultdict(list)
    lines = [_counts(form), *_values(root, form, differences)]
    lines += _buttons(root, form, differences)
    if form.workitem_id != workitem_id:
        lines.append("workitem-id: " + ("missing" if form.workitem_id is None else "another task"))
    if not form.task_name:
        lines.append("task-name: missing (the modal shows the task without its name)")
    if not differences:
        return [Finding(KEY, Status.OK, tuple(lines), "probe.effect.form_read")]
    effect = next(e for e in EFFECTS if e in differences)
    found = tuple(dict.fromkeys(line for e in EFFECTS for line in differences.get(e, ())))
    return [Finding(KEY, Status.MISMATCH, found + tuple(lines), effect)]


def _counts(form: TaskForm) -> str:
    hidden = sum(1 for i in form.items if i.access < 1)
    return (
        f"items: {len(form.items)} (editable in Slack {len(form.editable_items)}, "
        f"shown read-only {len(form.shown_items)}, hidden {hidden}); "
        f"positions: {len(form.roles)}"
    )


def _type_name(code: int) -> str:
    try:
        return DataType(code).name
    except ValueError:
        return "unknown"


def _values(root: ET.Element, form: TaskForm, differences: dict[str, list[str]]) -> list[str]:
    """Per data type: the ``<value>`` shapes seen, and whether the parser read each."""
    elements = [e for e in root if local(e.tag) == "form-data"]
    by_number: dict[int | None, FormItem] = {
        i.number: i for i in form.items if i.number is not None
    }
    shapes: dict[int, dict[str, bool]] = defaultdict(dict)
    no_var_name: Counter[int] = Counter()
    unmatched = 0
    for element in elements:
        item = by_number.get(_number(element))
        if item is None:
            unmatched += 1
            continue
        code = item.data_type
        if _type_name(code) == "unknown":
            differences["probe.effect.form_unknown_type"].append(f"data-type {code}: not known")
        if item.access >= 2 and not item.var_name:
            no_var_name[code] += 1
        value = next((c for c in element if local(c.tag) == "value"), None)
        if value is None or not _has_content(value):
            continue
        read = not item.value.empty or code == DataType.GUIDE
        shape = _shape(value)
        shapes[code][shape] = shapes[code].get(shape, True) and read
    for code, count in sorted(no_var_name.items()):
        differences["probe.effect.form_no_var_name"].append(
            f"data-type {code}: {count} writable item(s) without var-name"
        )
    lines = [f"form-data without a number: {unmatched}"] if unmatched else []
    for code in sorted(shapes):
        for shape, read in sorted(shapes[code].items()):
            line = f"data-type {code} ({_type_name(code)}): value {shape}"
            lines.append(f"{line} ({'read' if read else 'not read'})")
            if not read:
                differences["probe.effect.form_values_unread"].append(f"{line}: not read")
    return lines


def _number(element: ET.Element) -> int | None:
    """A ``<form-data>``'s number: its attribute ([PG-task]) or child element."""
    raw = element.get("number") or next((c.text for c in element if local(c.tag) == "number"), None)
    try:
        return int(raw.strip()) if raw is not None else None
    except ValueError:
        return None


def _has_content(element: ET.Element) -> bool:
    return bool((element.text or "").strip()) or len(element) > 0


def _shape(value: ET.Element) -> str:
    """``<item(display,value)>``, ``<date,time>``, ``text`` or ``text (XML list)``: names only."""
    children = list(value)
    if not children:
        text = (value.text or "").strip()
        if text.startswith("<"):
            inner = parse_xml(text.encode())
            return f"text (XML {safe_word(local(inner.tag))})" if inner is not None else "text"
        return "text (several lines)" if "\n" in text else "text"
    parts = []
    for name in dict.fromkeys(safe_word(local(c.tag)) for c in children):
        first = next(c for c in children if safe_word(local(c.tag)) == name)
        inner_names = sorted({safe_word(local(g.tag)) for g in first})
        parts.append(f"{name}({','.join(inner_names)})" if inner_names else name)
    return f"<{','.join(sorted(parts))}>"


def _buttons(root: ET.Element, form: TaskForm, differences: dict[str, list[str]]) -> list[str]:
    selects = next((c for c in root if local(c.tag) == "user-selects"), None)
    raw = [] if selects is None else [c for c in selects if local(c.tag) == "user-select"]
    if len(raw) > len(form.buttons):
        differences["probe.effect.form_buttons"].append(
            f"user-select: {len(raw) - len(form.buttons)} without flow-id"
        )
    return [f"buttons (user-select): {len(form.buttons)}"]
