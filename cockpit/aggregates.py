"""The cockpit's maintained figures (issue 16): the quarter's 考核 of every unit (reporting.assessment.assess_units,
~1,000 units) and the units' 办理时效 over the last 30 days (deadlines.selectors.timeliness_by_unit) were computed on
every view of /dashboard/. They are computed here, county-wide, into CockpitFigures rows:

- by beat (cockpit.tasks.refresh_figures), state-based and idempotent: a row is recomputed when it is missing or
  older than FRESH_FOR, so two beats in a row (or two workers) compute it once; a quarter that has ended while its
  row was computed before its end gets one final computation, whenever beat first runs after it (catch-up), and
  never again;
- on demand: the first view that finds no row computes it, and the office may refresh them (POST /dashboard/refresh/).

A view reads one row and keeps the units the reader may see (a unit leader those under them): unit figures only, no
incident and no title, so a 敏感 item is never described by them."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cockpit.models import CockpitFigures
from deadlines.selectors import timeliness_by_unit
from reporting.assessment import Rate, assess_units, quarter_label, quarter_of

Kind = CockpitFigures.Kind

# A row older than this is recomputed by the next beat (every 10 minutes, yuqing/settings.py); a second beat within
# it finds the row fresh and computes nothing.
FRESH_FOR = timedelta(minutes=5)
TIMELINESS_DAYS = 30


def _midnight(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def timeliness_period(now: datetime) -> tuple[datetime, datetime]:
    """The 30 days before today and today, with the deadlines due up to a day ahead (the dashboard's window)."""
    return _midnight(now) - timedelta(days=TIMELINESS_DAYS), now + timedelta(days=1)


def _assessment_rows(start, end, now):
    return [
        {
            "unit_id": r.unit_id,
            "unit_name": r.unit_name,
            "rank": r.rank,
            "score": str(r.score),
            "claim": [r.claim.on_time, r.claim.total],
            "feedback": [r.feedback.on_time, r.feedback.total],
        }
        for r in assess_units(start, end, now=now)
    ]


def _timeliness_rows(start, end, now):
    return timeliness_by_unit(start, end)


COMPUTE: dict[str, Callable[[datetime, datetime, datetime], list]] = {
    Kind.ASSESSMENT: _assessment_rows,
    Kind.TIMELINESS: _timeliness_rows,
}


def compute(kind: str, start: datetime, end: datetime, now: datetime | None = None) -> CockpitFigures:
    """Compute one figure for its period now and store it (one row per kind and period: the unique constraint)."""
    now = now or timezone.now()
    rows = COMPUTE[kind](start, end, now)
    figures, _ = CockpitFigures.objects.update_or_create(
        kind=kind, period_start=start, defaults={"period_end": end, "computed_at": now, "rows": rows}
    )
    return figures


def due(now: datetime) -> list[tuple[str, datetime, datetime]]:
    """What a refresh at `now` has to compute: the rows missing or stale for the current periods, and the final
    computation of a quarter that ended after its row was last computed."""
    quarter = quarter_of(timezone.localdate(now))
    current = [(Kind.ASSESSMENT, *quarter), (Kind.TIMELINESS, *timeliness_period(now))]
    rows = {
        (f.kind, f.period_start): f
        for f in CockpitFigures.objects.filter(period_start__in=[start for _, start, _ in current])
    }
    todo = [
        (kind, start, end)
        for kind, start, end in current
        if (kind, start) not in rows or rows[(kind, start)].computed_at <= now - FRESH_FOR
    ]
    unfinished = CockpitFigures.objects.filter(
        kind=Kind.ASSESSMENT, period_end__lte=now, computed_at__lt=F("period_end")
    ).values_list("period_start", "period_end")
    todo += [(Kind.ASSESSMENT, start, end) for start, end in unfinished]
    return todo


def refresh_due(now: datetime | None = None) -> list[tuple[str, datetime]]:
    """Compute what is due (see due()), each in its own transaction holding its row's lock, so a second worker waits
    and then finds it fresh. Returns what was computed. Timeliness rows of earlier days are dropped."""
    now = now or timezone.now()
    done = []
    for kind, start, end in due(now):
        with transaction.atomic():
            row = CockpitFigures.objects.select_for_update().filter(kind=kind, period_start=start).first()
            final = row is not None and row.period_end <= now
            if row is not None and (row.computed_at >= row.period_end if final else row.computed_at > now - FRESH_FOR):
                continue  # another worker computed it meanwhile
            compute(kind, start, end, now)
            done.append((kind, start))
    CockpitFigures.objects.filter(kind=Kind.TIMELINESS, period_start__lt=timeliness_period(now)[0]).delete()
    return done


# A view that finds a row this old computes it itself: beat is not running (a development server, an outage), and a
# figure hours old would pass for the current one.
STALE_AFTER = timedelta(minutes=30)


def _current(kind: str, start: datetime, end: datetime) -> CockpitFigures:
    """The stored row of a period; computed now when there is none yet (the first view after a deploy or at the turn
    of a quarter before beat ran) or when beat has not refreshed it for STALE_AFTER."""
    figures = CockpitFigures.objects.filter(kind=kind, period_start=start).first()
    if figures is None or figures.computed_at < timezone.now() - STALE_AFTER:
        return compute(kind, start, end)
    return figures


@dataclass
class AssessmentRow:
    rank: int
    unit_id: int
    unit_name: str
    score: Decimal
    claim: Rate
    feedback: Rate


def quarter_ranking(today=None, *, unit_ids=None, n=5) -> dict:
    """The current quarter so far, for the dashboard: the top and bottom `n` units (bottom worst first) of the county
    ranking, limited to `unit_ids` when the reader oversees only some units; `computed_at` says how fresh."""
    start, end = quarter_of(today or timezone.localdate())
    figures = _current(Kind.ASSESSMENT, start, end)
    rows = [
        AssessmentRow(
            r["rank"], r["unit_id"], r["unit_name"], Decimal(r["score"]), Rate(*r["claim"]), Rate(*r["feedback"])
        )
        for r in figures.rows
        if unit_ids is None or r["unit_id"] in unit_ids
    ]
    return {
        "label": quarter_label(start),
        "top": rows[:n],
        "bottom": list(reversed(rows[n:]))[:n],
        "units": len(rows),
        "start": start.date(),
        "end": (end - timedelta(days=1)).date(),
        "computed_at": figures.computed_at,
    }


def timeliness(now: datetime, unit_ids=None) -> tuple[list[dict], datetime]:
    """The units' 办理时效 over the last 30 days (rows of deadlines.selectors.timeliness_by_unit), for the units the
    reader may see, and when it was computed."""
    figures = _current(Kind.TIMELINESS, *timeliness_period(now))
    rows = [r for r in figures.rows if unit_ids is None or r["unit_id"] in unit_ids]
    return rows, figures.computed_at
