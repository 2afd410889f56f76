"""Statistics and KPIs: one definition per figure (DESIGN §6).

Every figure in xinfang (the KPI API, the bulletin, the annual report, the dashboard) comes from
this package, and every figure can be traced to the petitions behind it with `drill()`.

How a figure is computed
------------------------
1. The cohort: petitions the user may see (`petitions_visible(user)`, the one jurisdiction rule),
   optionally only those that reached a unit (or a unit below it), **received** in the period
   (local dates, both inclusive), **excluding merged petitions** (status 并案): a merged petition
   lives on in the one it was merged into, so it is never counted twice.
2. Each petition of the cohort is reduced, in SQL, to a few per-petition facts as they stood at
   the instant `as_of` (default: now): its acceptance state and reply state (from the stored
   `Deadline` rows), its latest evaluation, its one-time-resolution state and its handling time.
   Facts stamped after `as_of` count as not (yet) happened.
3. One GROUP BY query over those facts sums the additive measures of `MEASURES` per group
   (unit, region, category, channel, visit kind, nature, month). Rates are computed afterwards
   from additive numerators and denominators, so any grouping can be rolled up exactly.
4. 同比 compares with the same dates one year earlier, 环比 with the previous period of equal
   length (the same number of whole months when the period is whole months, else of days); each
   comparison period is judged at `as_of` shifted by the same amount, so the two sides have had the
   same time to be handled.

The definitions (`kpi_definitions()`) are the text the bulletin notes cite.

Layout (one concern per module; this package re-exports the names its callers use):
  definitions   the KPI definitions and the statistics settings (`conf`)
  periods       reporting periods, 同比 and 环比 periods, labels
  cohort        the petitions a figure counts, the unit filter
  facts_sql     the SQL of the per-petition facts at an instant
  measures      the additive measures over those facts
  dimensions    the grouping dimensions and their columns
  aggregation   the GROUP BY query (`aggregate`), `Counts`, queries side by side
  rollup        raw group values rolled up to report rows
  formatting    comparisons, rounding, rates as text, tile colours
  kpi_report    the KPI table (API and web) and its JSON
  drill         the petitions behind a figure, hot titles
"""

# The package re-exports every name its callers use as `statistics.<name>` (split by concern, issue 13).
from .aggregation import (  # noqa: F401
    Counts,
    aggregate,
    aggregate_each,
    in_parallel,
    totals,
)
from .cohort import (  # noqa: F401
    cohort,
    resolve_unit,
)
from .definitions import (  # noqa: F401
    KpiDef,
    conf,
    general_notes,
    kpi_def,
    kpi_definitions,
)
from .dimensions import (  # noqa: F401
    DIMENSIONS,
    Segments,
    _dim_column,
    dimension_labels,
)
from .drill import (  # noqa: F401
    _ids_in,
    dim_q,
    drill,
    drill_weight,
    hot_titles,
    overdue_petitions,
)
from .facts_sql import (  # noqa: F401
    DERIVED_FROM,
    DERIVED_SQL,
    LATE,
    ON_TIME,
    OVERDUE,
    PENDING,
    _deadline_facts,
    _facts_sql,
    _state_sql,
    fact_columns,
)
from .formatting import (  # noqa: F401
    Change,
    _num,
    change,
    change_text,
    fmt_rate,
    kpi_values,
    rate_change,
    round_half_up,
    threshold_colour,
)
from .kpi_report import (  # noqa: F401
    KpiReport,
    _cmp_dims,
    _sum,
    kpi_report,
    report_json,
    volume_changes,
    volume_dict,
)
from .measures import (  # noqa: F401
    EVALUATED,
    KPI_MEASURES,
    MEASURE_LABELS,
    MEASURES,
    SAT_OK,
    VOLUME_MEASURES,
    Measure,
    _cond_sql,
    _measure_where,
    _measures,
    measure_label,
)
from .periods import (  # noqa: F401
    EARLIEST,
    LATEST,
    Period,
    _local_start,
    _shift_end,
    add_months,
    check_date,
    make_period,
    month_end,
)
from .rollup import (  # noqa: F401
    Rollup,
    Row,
    _attach,
    _common_codes,
    anchor_region,
    rollup,
)
