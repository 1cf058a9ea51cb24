"""Switches for what public sources leave open about task forms, and the log of saves.

Every field is one item of questetra-fidelity.md §4.5 "still unknown" (or §2.11 M5-M8): the
emulator offers each plausible answer and the tests run the bridge against each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ValueShape = Literal["structured", "unprefixed", "text"]


@dataclass
class FormSettings:
    """How ``Form/viewXml`` and ``Form/save`` behave where the sources do not say.

    - ``failure_status``: the HTTP status of ``<result success="false">`` (200: TITANIUM reads it
      in its success callback; 500: piece-questetra, 2012; 400: "same as Message Start Events").
    - ``omitted_items``: a writable item left out of ``Form/save`` is ``"keep"``-t or
      ``"clear"``-ed (TITANIUM re-sends everything, which hints at "clear"; §4.5.1).
    - ``save_only_checks_required``: whether ``saveOnly=true`` still refuses empty required
      items (§4.5.5).
    - ``write_refusal_status``: the status of a POST refused because the token has the ``read``
      scope or the edition is not Professional (INFERRED 403; §4.5.7, B8).
    - ``task_refusal``: how ``Form/save`` refuses a task that is not (or no longer) the caller's
      to complete although it was offered to or done by them (ended, offered but not accepted,
      deleted): a ``<result>`` with an ``<errors>`` entry, or a bare 401 (§4.5.2). Someone
      else's task is always 401 (C4, [PG-task]).
    - ``offered_form``: whether ``Form/viewXml`` shows the form of a task still offered to the
      caller (INFERRED; otherwise 401).
    - ``value_shape``: the ``<value>`` of each item (§4.5.4): ``"structured"`` as TITANIUM reads
      it (``ns2:item`` choices, ``date``+``time``, ``quser``, ``qfile``, the table as an XML
      string), ``"unprefixed"`` the same without the namespace prefix on choice items and with
      the table's XML declaration left out, ``"text"`` every value written as its
      Message Start Event parameter would be ("2011-10-27 12:34", e-mails, choice ids).
    """

    failure_status: int = 200
    omitted_items: Literal["keep", "clear"] = "keep"
    save_only_checks_required: bool = False
    write_refusal_status: int = 403
    task_refusal: Literal["result", "401"] = "result"
    offered_form: bool = True
    value_shape: ValueShape = "structured"

    def __post_init__(self) -> None:
        if self.failure_status not in (200, 400, 500):
            raise ValueError("failure_status is 200, 400 or 500")
        if self.write_refusal_status not in (400, 401, 403):
            raise ValueError("write_refusal_status is 400, 401 or 403")


@dataclass(frozen=True)
class FormSave:
    """One ``Form/save`` the emulator answered (after authentication)."""

    workitem_id: int | None
    user_email: str
    params: list[tuple[str, str]]  # as received, repeated names kept, ``workitemId`` included
    status: int
    success: bool
    errors: list[tuple[str, str]]  # (key, detail) of <errors> and of validation errors

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.params if k == name]

    def names(self) -> list[str]:
        return list(dict.fromkeys(k for k, _ in self.params))
