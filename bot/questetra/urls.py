"""Web pages a person opens in Questetra, in this one place.

Only pages the public sources show are linked by default ([SS]: Questetra's own screenshot robot
opens ``/PE/Workitem/list`` for My Tasks and ``/OR/ProcessInstance/view?processInstanceId=`` for a
process). No source shows a page for one task (questetra-fidelity.md L3), so a task links to its
process by default; ``QUESTETRA_TASK_URL`` sets another template where a direct task link is
known to work on the tenant, e.g. ``{base}PE/Workitem/Form/viewIframe?workitemId={workitem_id}``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from urllib.parse import quote, urlencode

PLACEHOLDERS = ("base", "workitem_id", "process_instance_id")
DEFAULT_TASK_URL = "{base}OR/ProcessInstance/view?processInstanceId={process_instance_id}"
MY_TASKS_URL = "{base}PE/Workitem/list"


def template_problem(template: str) -> str | None:
    """Why ``template`` cannot be a task URL template (one line), or None when it can."""
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(template)
            if name is not None
        ]
    except ValueError as exc:
        return f"is not a valid template ({exc}); write placeholders as {{workitem_id}}"
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS:
            known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            shown = f"{{{name}}}" if name else "{}"
            return f"has an unknown placeholder {shown}; use only {known}"
        if spec or conversion:
            return f"placeholder {{{name}}} takes no format or conversion"
    sample = template.format(base="https://tenant.example/", workitem_id=1, process_instance_id=2)
    if not sample.startswith(("https://", "http://")):
        return "must start with {base} or an http(s):// address"
    return None


@dataclass(frozen=True)
class QuestetraLinks:
    """The tenant's pages for one deployment: its base URL (with a trailing slash) and the task
    URL template (checked by :func:`template_problem` when the settings load)."""

    base_url: str
    task_template: str = DEFAULT_TASK_URL

    def task(self, workitem_id: int, process_instance_id: int) -> str:
        return self.task_template.format(
            base=self.base_url,
            workitem_id=quote(str(workitem_id), safe=""),
            process_instance_id=quote(str(process_instance_id), safe=""),
        )

    def process(self, process_instance_id: int) -> str:
        return process_url(self.base_url, process_instance_id)

    def my_tasks(self) -> str:
        return my_tasks_url(self.base_url)

    @property
    def task_is_process(self) -> bool:
        """The task link is the process page (the default): one button is enough."""
        return self.task_template == DEFAULT_TASK_URL


def process_url(base_url: str, process_instance_id: int) -> str:
    return (
        f"{base_url}OR/ProcessInstance/view?{urlencode({'processInstanceId': process_instance_id})}"
    )


def my_tasks_url(base_url: str) -> str:
    return MY_TASKS_URL.format(base=base_url)
