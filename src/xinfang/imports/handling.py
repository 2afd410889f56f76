"""The optional history columns of a legacy ledger: how far each case got.

A ledger kept by hand records cases that were accepted, answered and closed long ago. Imported as
merely registered, every one of them would be overdue at once. These columns carry the rest:

    状态      已登记 / 已受理 / 办理中 / 已答复 / 已办结 (or the codes registered, accepted, in_handling,
              replied, closed); empty: the latest date given decides
    受理时间  when it was accepted (required from 已受理 on)
    答复时间  when the 处理意见 was issued (required for 已答复 and 已办结)
    办结时间  when it was closed (required for 已办结)
    处理结果  支持 / 解释说明 / 不予支持 (required for 已答复 and 已办结)
    承办单位  the unit that handled it (default: the registering unit)

办理中 imports as 已受理: the ledger names no handler, and only an accepted case can be given one
(指定承办人). The dates must follow each other (收到 ≤ 受理 ≤ 答复 ≤ 办结) and none may lie in the
future. A date without a time on the same day as the step before it counts as just after that step.
`xinfang.workflow.history.petition_history_apply` writes the state (deadlines met at those times,
the reply, the stored facts, the timeline); this module only reads and checks the cells.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.petitions.choices import Status
from xinfang.workflow.choices import Outcome

from .cells import choice_table
from .fields import field_label, header_key

# the statuses a legacy case can be imported in, in the order a case goes through them
HISTORY_STATUSES = (Status.REGISTERED, Status.ACCEPTED, Status.REPLIED, Status.CLOSED)

_STATUS_WORDS = {
    Status.REGISTERED: ("已登记", "登记", "新登记", "待受理", "未受理", "待处理", "未处理", "registered"),
    Status.ACCEPTED: ("已受理", "受理", "受理中", "待办理", "accepted",
                      # 办理中: no handler is named, so it is accepted and waits for one
                      "办理中", "在办", "正在办理", "处理中", "承办中", "未办结", "in_handling"),
    Status.REPLIED: ("已答复", "答复", "已回复", "已出具意见", "已出具处理意见", "待评价", "replied"),
    Status.CLOSED: ("已办结", "办结", "已结案", "结案", "已完结", "完结", "已办毕", "办毕", "closed"),
}
_OUTCOME_WORDS = {
    Outcome.SUPPORT: ("支持", "予以支持", "同意", "已解决"),
    Outcome.EXPLAIN: ("解释说明", "解释", "说明", "答复说明", "解释答复"),
    Outcome.DECLINE: ("不予支持", "不支持", "不同意"),
}
_STATUS_TABLE = {header_key(w): status for status, words in _STATUS_WORDS.items() for w in words}
_OUTCOME_TABLE = choice_table(_OUTCOME_WORDS, Outcome)

# the dates each status needs, and those it may not have
_DATES = ("accepted_at", "replied_at", "closed_at")
_NEEDS = {Status.REGISTERED: (), Status.ACCEPTED: ("accepted_at",),
          Status.REPLIED: ("accepted_at", "replied_at"), Status.CLOSED: ("accepted_at", "replied_at", "closed_at")}


@dataclass(frozen=True)
class History:
    """How far one legacy case got: the keyword arguments of `petition_history_apply` (the handling
    unit by code)."""

    status: str
    accepted_at: dt.datetime | None = None
    replied_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    outcome: str | None = None
    handling_unit: str = ""  # unit code; "" for the registering unit


def status_label(status: str) -> str:
    return str(Status(status).label)


def history_parse(row, out: dict, display: dict) -> History | None:
    """Read the history columns of `row` (a `rows.Row`); errors go onto the row. None for a case that
    is only registered. `out` holds the parsed registration fields (received_at)."""
    dates = {name: row.when(name) for name in _DATES}
    status = None
    text = row.text("status")
    if text:
        key = header_key(text)
        status = _STATUS_TABLE.get(key) or _STATUS_TABLE.get(text.strip().lower())
        if status is None:
            row.err("status", _("无法识别的状态：%(value)s。可填：已登记、已受理、办理中、已答复、已办结。")
                    % {"value": text[:20]})
            return None
    elif any(e.field == "status" for e in row.errors):
        return None
    outcome = None
    text = row.text("outcome")
    if text:
        outcome = _OUTCOME_TABLE.get(header_key(text))
        if outcome is None:
            row.err("outcome", _("无法识别的处理结果：%(value)s。可填：支持、解释说明、不予支持。") % {"value": text[:20]})
    unit_code, unit_name = "", ""
    text = row.text("handling_unit")
    if text:
        unit_code, unit_name, message = row.parser.lookups.handling_unit(text)
        if unit_code is None:
            row.err("handling_unit", message)
            unit_code = ""
    # a date cell counts as given when it holds anything, even a wrong date (that has its own error)
    given = {name: dates[name] is not None or any(e.field == name for e in row.errors) or bool(row.text(name))
             for name in _DATES}
    if status is None:  # no status column, or an empty cell: the latest date given decides
        status = (Status.CLOSED if given["closed_at"] else Status.REPLIED if given["replied_at"]
                  else Status.ACCEPTED if given["accepted_at"] else Status.REGISTERED)
    label = status_label(status)
    needs = _NEEDS[status]
    for name in _DATES:
        if name in needs and not given[name]:
            row.err(name, _("状态为“%(status)s”，请填写%(label)s。") % {"status": label, "label": field_label(name)})
        elif name not in needs and given[name]:
            row.err(name, _("状态为“%(status)s”，不应填写%(label)s：请更正状态或删除该时间。") % {
                "status": label, "label": field_label(name)})
    answered = status in (Status.REPLIED, Status.CLOSED)
    if answered and outcome is None and not any(e.field == "outcome" for e in row.errors):
        row.err("outcome", _("状态为“%(status)s”，请填写处理结果（支持、解释说明或不予支持）。") % {"status": label})
    elif not answered and outcome is not None:
        row.err("outcome", _("状态为“%(status)s”，不应填写处理结果：只有已答复、已办结的信访件才有处理结果。")
                % {"status": label})
    if status == Status.REGISTERED and unit_code:
        row.err("handling_unit", _("状态为“已登记”，不应填写承办单位：只有已受理的信访件才有承办单位。"))
    _check_order(row, out.get("received_at"), dates)
    if status == Status.REGISTERED:
        return None
    display.setdefault("flags", []).append(label)
    if unit_name:
        display["handling_unit"] = unit_name
    return History(status=status, outcome=outcome if answered else None, handling_unit=unit_code,
                   **{name: dates[name] for name in _DATES if name in needs})


def _check_order(row, received: dt.datetime | None, dates: dict) -> None:
    """收到 ≤ 受理 ≤ 答复 ≤ 办结. A date-only value (midnight) on the day of the step before it is
    moved to that step's instant (`dates` is updated)."""
    before, before_name = received, "received_at"
    for name in _DATES:
        when = dates[name]
        if when is None:
            continue
        if before is not None and when < before:
            local = timezone.localtime(when, row.parser.tz)
            if local.time() == dt.time(0) and local.date() == timezone.localtime(before, row.parser.tz).date():
                dates[name] = when = before
            else:
                row.err(name, _("%(label)s（%(value)s）不能早于%(before_label)s（%(before)s）。") % {
                    "label": field_label(name), "value": _shown(when, row.parser.tz),
                    "before_label": field_label(before_name), "before": _shown(before, row.parser.tz)})
                continue
        before, before_name = when, name


def _shown(when: dt.datetime, tz) -> str:
    local = timezone.localtime(when, tz)
    return local.strftime("%Y-%m-%d") if local.time() == dt.time(0) else local.strftime("%Y-%m-%d %H:%M")
