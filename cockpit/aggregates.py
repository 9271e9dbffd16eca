"""The cockpit's maintained figures (issue 16). The quarter's 考核 of every unit (reporting.assessment.assess_units,
~1,000 units), the units' 办理时效 over the last 30 days (deadlines.selectors.timeliness_by_unit), the open overdue
deadlines per unit (deadlines.selectors.overdue_by_unit: every open deadline) and the new items per day of the trend
were computed on every view of /dashboard/. They are computed here, county-wide, into CockpitFigures rows:

- by beat (cockpit.tasks.refresh_figures), state-based and idempotent: a row is recomputed when it is missing or
  older than FRESH_FOR, so two beats in a row (or two workers) compute it once; a quarter that has ended while its
  row was computed before its end gets one final computation, whenever beat first runs after it (catch-up), and
  never again; the figures of the day (时效, overdue per unit, the trend's past days) are one row a day;
- on demand: the first view that finds no row computes it, and the office may refresh them (POST /dashboard/refresh/).

A view reads one row and keeps the units the reader may see (a unit leader those under them): unit and day figures
only, no incident and no title, so a 敏感 item is never described by them. What the desk also shows (待研判, the
queues) is never read from here: it is counted live (incidents.bounded)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import TruncDate
from django.utils import timezone

from cockpit import selectors
from cockpit.models import CockpitFigures
from deadlines.models import Deadline
from deadlines.selectors import county_deadlines, timeliness_by_unit
from incidents.selectors import county_incidents
from incidents.workflow import IncidentStatus
from org.access import access_for
from reporting.assessment import Rate, assess_units, quarter_label, quarter_of

Kind = CockpitFigures.Kind

# A row older than this is recomputed by the next beat (every 10 minutes, yuqing/settings.py); a second beat within
# it finds the row fresh and computes nothing.
FRESH_FOR = timedelta(minutes=5)
TIMELINESS_DAYS = TREND_DAYS = 30


def _midnight(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def timeliness_period(now: datetime) -> tuple[datetime, datetime]:
    """The 30 days before today and today, with the deadlines due up to a day ahead (the dashboard's window)."""
    return _midnight(now) - timedelta(days=TIMELINESS_DAYS), now + timedelta(days=1)


def today_period(now: datetime) -> tuple[datetime, datetime]:
    """A figure of the moment (overdue per unit) is kept one row a day, recomputed through the day."""
    return _midnight(now), _midnight(now) + timedelta(days=1)


def trend_period(now: datetime) -> tuple[datetime, datetime]:
    """The 29 days before today; today's count is live (cockpit.selectors.trend)."""
    return _midnight(now) - timedelta(days=TREND_DAYS - 1), _midnight(now)


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


def _overdue_rows(start, end, now):
    """Open breached deadlines per unit, county-wide (overdue_by_unit's figure for a reader who sees every ticket),
    most first."""
    rows = (
        county_deadlines()
        .open()
        .filter(state=Deadline.State.BREACHED, unit__isnull=False)
        .values("unit_id", "unit__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "unit__name")
    )
    return [dict(r) for r in rows]


def _trend_rows(start, end, now):
    """New items per day, county-wide, merged duplicates left out (as 今日新增): [[date, n], …]."""
    per_day = (
        county_incidents()
        .filter(reported_at__gte=start, reported_at__lt=end)
        .exclude(status=IncidentStatus.MERGED)
        .annotate(day=TruncDate("reported_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [[day.isoformat(), n] for day, n in per_day]


COMPUTE: dict[str, Callable[[datetime, datetime, datetime], list]] = {
    Kind.ASSESSMENT: _assessment_rows,
    Kind.TIMELINESS: _timeliness_rows,
    Kind.OVERDUE: _overdue_rows,
    Kind.TREND: _trend_rows,
}
# The figures kept one row a day, and the period of today's row.
DAILY: dict[str, Callable[[datetime], tuple[datetime, datetime]]] = {
    Kind.TIMELINESS: timeliness_period,
    Kind.OVERDUE: today_period,
    Kind.TREND: trend_period,
}


def compute(kind: str, start: datetime, end: datetime, now: datetime | None = None) -> CockpitFigures:
    """Compute one figure for its period now and store it (one row per kind and period: the unique constraint)."""
    now = now or timezone.now()
    rows = COMPUTE[kind](start, end, now)
    figures, _ = CockpitFigures.objects.update_or_create(
        kind=kind, period_start=start, defaults={"period_end": end, "computed_at": now, "rows": rows}
    )
    return _keep(figures)


def due(now: datetime) -> list[tuple[str, datetime, datetime]]:
    """What a refresh at `now` has to compute: the rows missing or stale for the current periods, and the final
    computation of a quarter that ended after its row was last computed."""
    current = [(Kind.ASSESSMENT, *quarter_of(timezone.localdate(now)))]
    current += [(kind, *period(now)) for kind, period in DAILY.items()]
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
    and then finds it fresh. Returns what was computed. The daily rows of earlier days are dropped."""
    now = now or timezone.now()
    done = []
    for kind, start, end in due(now):
        with transaction.atomic():
            row = CockpitFigures.objects.select_for_update().filter(kind=kind, period_start=start).first()
            final = kind == Kind.ASSESSMENT and row is not None and row.period_end <= now
            if row is not None and (row.computed_at >= row.period_end if final else row.computed_at > now - FRESH_FOR):
                continue  # another worker computed it meanwhile
            compute(kind, start, end, now)
            done.append((kind, start))
    for kind, period in DAILY.items():
        CockpitFigures.objects.filter(kind=kind, period_start__lt=period(now)[0]).delete()
    return done


# A view that finds a row this old computes it itself: beat is not running (a development server, an outage), and a
# figure hours old would pass for the current one.
STALE_AFTER = timedelta(minutes=30)


def _current(kind: str, start: datetime, end: datetime) -> CockpitFigures:
    """The stored row of a period; computed now when there is none yet (the first view after a deploy or at the turn
    of a quarter before beat ran) or when beat has not refreshed it for STALE_AFTER."""
    head = CockpitFigures.objects.filter(kind=kind, period_start=start).values("pk", "computed_at").first()
    if head is None or head["computed_at"] < timezone.now() - STALE_AFTER:
        return compute(kind, start, end)
    kept = _decoded.get(kind)
    if kept is not None and (kept.pk, kept.computed_at) == (head["pk"], head["computed_at"]):
        return kept
    return _keep(CockpitFigures.objects.get(pk=head["pk"]))


# The last stored row of each kind as this process decoded it, reused while the database holds the same row with the
# same computed_at (any recomputation, here or in beat's process, changes it): a row of ~1,000 units is ~100 KB of
# JSON that every view decoded again (issue 16). One per kind, so it never grows.
_decoded: dict[str, CockpitFigures] = {}


def _keep(figures: CockpitFigures) -> CockpitFigures:
    _decoded[figures.kind] = figures
    return figures


@dataclass
class AssessmentRow:
    rank: int
    unit_id: int
    unit_name: str
    score: Decimal
    claim: Rate
    feedback: Rate


def _assessment_row(r: dict) -> AssessmentRow:
    return AssessmentRow(
        r["rank"], r["unit_id"], r["unit_name"], Decimal(r["score"]), Rate(*r["claim"]), Rate(*r["feedback"])
    )


def quarter_ranking(today=None, *, unit_ids=None, n=5) -> dict:
    """The current quarter so far, for the dashboard: the top and bottom `n` units (bottom worst first) of the county
    ranking, limited to `unit_ids` when the reader oversees only some units; `computed_at` says how fresh."""
    start, end = quarter_of(today or timezone.localdate())
    figures = _current(Kind.ASSESSMENT, start, end)
    rows = [r for r in figures.rows if unit_ids is None or r["unit_id"] in unit_ids]
    return {
        "label": quarter_label(start),
        # Only the rows shown become objects: a county has ~1,000 units (issue 16: 22 ms a view for all of them).
        "top": [_assessment_row(r) for r in rows[:n]],
        "bottom": [_assessment_row(r) for r in reversed(rows[n:][-n:])] if n else [],
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


def overdue(now: datetime, unit_ids=None, n: int = 10) -> tuple[list[dict], int, datetime]:
    """The `n` units with the most open overdue deadlines among those the reader may see (a unit leader: the units
    under them), how many units have any, and when it was computed. Counts per unit only, no title."""
    figures = _current(Kind.OVERDUE, *today_period(now))
    rows = [r for r in figures.rows if unit_ids is None or r["unit_id"] in unit_ids]
    return rows[:n], len(rows), figures.computed_at


def trend(user, now: datetime) -> tuple[dict[str, list], datetime | None]:
    """New items per day over the last 30 days: for a reader who sees the whole county the past days from the
    maintained row (county-wide counts, a 敏感 item counted as a number, as in the 日报) and today live through the
    reader's selector; for anyone else all of it live (their units' items). (trend, when the past days were
    computed or None)."""
    if not access_for(user).sees_everything:
        return selectors.trend(user, _midnight(now)), None
    today = selectors.trend(user, _midnight(now), days=1)
    start, _ = trend_period(now)
    figures = _current(Kind.TREND, start, _midnight(now))
    per_day = dict(figures.rows) | dict(zip(today["dates"], today["counts"], strict=True))
    dates = [(start + timedelta(days=i)).date() for i in range(TREND_DAYS)]
    return {
        "days": [d.strftime("%m-%d") for d in dates],
        "dates": [d.isoformat() for d in dates],
        "counts": [per_day.get(d.isoformat(), 0) for d in dates],
    }, figures.computed_at
