"""The handling facts stored on each petition for the statistics (DESIGN §6).

The KPIs judge a petition by its deadlines and evaluations as they stood at an instant (`as_of`).
Reading those rows for every petition of a year is what made a yearly bulletin over a million
petitions slow, so each petition also carries a summary of them (the `fact_*` fields), written here
whenever a service changes a deadline or an evaluation:

- acceptance (the 登记转送 and 受理告知 limits) and reply (办理, 简易办理, 12345 limits): NULL when
  the petition has no such limit, 0 when all are met on time, 1 when some are running and none was
  met late, 2 when some were met after their due day; with the earliest due day still running;
- the first 复查 request (when the review-request window was used);
- the level of the latest recorded evaluation;
- when the petitioner first came back: the earliest receipt of a later petition linked to this one
  as its repeat (同人同事), written when that petition is registered (`repeat_recorded`);
- `facts_at`: the latest instant those facts depend on (the last meeting of a limit, the day the
  last limit started, the last evaluation).

From `facts_at` on, the summary answers every question the reports ask exactly as the rows would
(an unmet limit turns overdue when its due day ends, which the reports compare with `as_of`); for
an earlier instant, or a petition never summarised (NULL), the reports read the rows.

One set of expressions computes the summary: `facts_refresh` applies it to one petition in memory
(before the caller saves it), `facts_rebuild` to any set of petitions in one UPDATE.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    DateField,
    DateTimeField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from xinfang.common.sql import DayEnd, DayStart

ACCEPT_KINDS = ("route", "accept")  # 登记转送 and 受理告知 limits
REPLY_KINDS = ("handle", "fast_track", "hotline")  # 办理, 简易办理 and 12345 limits
REVIEW_KIND = "review_request"  # the window in which a 复查 may be requested
COUNTED_KINDS = (*ACCEPT_KINDS, *REPLY_KINDS, REVIEW_KIND)

# the summary codes of fact_accept / fact_reply
MET_ON_TIME, RUNNING, MET_LATE = 0, 1, 2

FACT_FIELDS = ("fact_accept", "fact_accept_open_due", "fact_reply", "fact_reply_open_due", "fact_review_at",
               "fact_evaluation", "facts_at", "fact_repeat_at")

_FLOOR = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)  # facts_at of a petition without any dated fact


def _models(models):
    if models is not None:
        return models
    from xinfang.petitions.models import Petition
    from xinfang.workflow.models import Deadline, Evaluation

    return Petition, Deadline, Evaluation


def _one(qs, expression, output_field):
    """A correlated scalar subquery: `expression` aggregated over the petition's rows in `qs`."""
    rows = qs.filter(petition=OuterRef("pk")).order_by().values("petition").annotate(v=expression).values("v")
    return Subquery(rows, output_field=output_field)


def fact_expressions(models=None) -> dict:
    """Field name -> expression computing it for each petition (for `annotate` or `update`).
    `models` = (Petition, Deadline, Evaluation) classes, for a migration's historical models."""
    Petition, Deadline, Evaluation = _models(models)
    counted = Deadline.objects.filter(cancelled=False, kind__in=COUNTED_KINDS)

    def summary(kinds):
        return _one(counted.filter(kind__in=kinds), Max(Case(
            When(met_at__isnull=True, then=Value(RUNNING)),
            When(met_at__lt=DayEnd("due"), then=Value(MET_ON_TIME)),
            default=Value(MET_LATE), output_field=IntegerField())), IntegerField())

    def open_due(kinds):
        return _one(counted.filter(kind__in=kinds, met_at__isnull=True), Min("due"), DateField())

    evaluations = Evaluation.objects.filter(petition=OuterRef("pk"))
    if any(f.name == "counted" for f in Evaluation._meta.get_fields()):  # older historical models lack it
        evaluations = evaluations.filter(counted=True)  # evaluations outside the rule count in no KPI
    latest = evaluations.order_by("-id")
    floor = Value(_FLOOR, output_field=DateTimeField())
    return {
        "fact_accept": summary(ACCEPT_KINDS),
        "fact_accept_open_due": open_due(ACCEPT_KINDS),
        "fact_reply": summary(REPLY_KINDS),
        "fact_reply_open_due": open_due(REPLY_KINDS),
        "fact_review_at": _one(counted.filter(kind=REVIEW_KIND, met_at__isnull=False), Min("met_at"),
                               DateTimeField()),
        "fact_evaluation": Subquery(latest.values("level")[:1], output_field=CharField()),
        "facts_at": Greatest(
            Coalesce(_one(counted, Max("met_at"), DateTimeField()), floor),
            Coalesce(_one(counted, Max(DayStart("start")), DateTimeField()), floor),
            Coalesce(Subquery(latest.order_by("-at").values("at")[:1], output_field=DateTimeField()), floor),
            output_field=DateTimeField()),
        "fact_repeat_at": _repeat_at(Petition),
    }


def _repeat_at(Petition):
    rows = (Petition.objects.filter(repeat_of=OuterRef("pk")).order_by().values("repeat_of")
            .annotate(v=Min("received_at")).values("v"))
    return Subquery(rows, output_field=DateTimeField())


def repeat_recorded(petition) -> None:
    """A repeat petition was registered: update when its origin's petitioner first came back."""
    from xinfang.petitions.models import Petition

    if petition.repeat_of_id:
        Petition.objects.filter(pk=petition.repeat_of_id).update(fact_repeat_at=_repeat_at(Petition))


@functools.cache
def _current_expressions() -> dict:
    """`fact_expressions()` for the current models, built once per process (building them took a
    third of each move's refresh; a query resolves copies, so the templates are never changed)."""
    return fact_expressions()


def facts_refresh(petition) -> list[str]:
    """Recompute the stored facts of one petition in memory from its rows (the caller saves it);
    returns the fields that changed."""
    from xinfang.petitions.models import Petition

    exprs = _current_expressions()
    values = (Petition.objects.filter(pk=petition.pk)
              .annotate(**{f"new_{k}": v for k, v in exprs.items()})
              .values(*(f"new_{k}" for k in exprs)).first())
    if values is None:
        return []
    changed = []
    for k in exprs:
        v = values[f"new_{k}"]
        if getattr(petition, k) != v:
            setattr(petition, k, v)
            changed.append(k)
    return changed


def facts_rebuild(qs: QuerySet | None = None, *, models=None, chunk: int = 50_000, progress=None) -> int:
    """Recompute the stored facts of every petition of `qs` (default: all), `chunk` petitions (by id)
    per UPDATE, each in a transaction of its own (a savepoint inside a migration's); `progress(done_id,
    last_id)` is called after each. Returns how many petitions were updated."""
    if qs is None:
        qs = _models(models)[0].objects.all()
    qs = qs.order_by()
    last = qs.order_by("-id").values_list("id", flat=True).first() or 0
    updated = 0
    for low in range(0, last, chunk):
        with transaction.atomic():
            updated += qs.filter(id__gt=low, id__lte=low + chunk).update(**fact_expressions(models))
        if progress is not None:
            progress(min(low + chunk, last), last)
    return updated

