"""The unit assessment (考核, docs/rules.md §7.3): per unit and period, the counts `002` 第十二条 and `000` 四.3
make measurable, a score from the admin's AssessmentWeighting, and a rank.

Every figure is one grouped aggregate over the period, so the cost is a fixed number of queries however
many units are assessed (the quarterly 通报 covers every unit of the county)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone

from deadlines.models import Deadline, DeadlineKind, ExtensionRequest
from deadlines.selectors import county_deadlines, county_patrol_deadlines
from incidents.models import TicketRole
from incidents.selectors import county_tickets
from org.models import Unit
from reporting.models import AssessmentWeighting, Criticism, Report

# A 书面说明 filed in time meets the feedback deadline it answers (met_at before due_at: on time, 000 三.2
# "一时难以落实的，要形成书面材料及时反馈"); the date it promised is then the unit's own handling deadline, on time
# when the report or feedback comes by then, late when the promise is broken.
HANDLING_KINDS = (DeadlineKind.FEEDBACK, DeadlineKind.REPORT, DeadlineKind.FOLLOW_UP)
REPLY_KINDS = (DeadlineKind.REPLY, DeadlineKind.RESPONSE)


@dataclass
class Rate:
    """Deadlines of one kind decided in the period (met, or past due) and how many were met on time."""

    on_time: int = 0
    total: int = 0

    @property
    def value(self):
        """0–1, or None when no deadline of this kind was decided in the period."""
        return self.on_time / self.total if self.total else None

    @property
    def percent(self):
        return None if self.value is None else round(100 * self.value, 1)

    def __str__(self):
        return "—" if self.value is None else f"{self.percent:g}%（{self.on_time}/{self.total}）"

    @property
    def short(self):
        """For wide tables: the percentage alone."""
        return "—" if self.value is None else f"{self.percent:g}%"


@dataclass
class UnitScore:
    unit_id: int
    unit_name: str
    tickets_received: int = 0
    claim: Rate = field(default_factory=Rate)
    feedback: Rate = field(default_factory=Rate)
    reply: Rate = field(default_factory=Rate)
    # 巡查时限 met in their slot (002 第六条 纳入考核): shown beside the score; it has no weight in it yet.
    patrol: Rate = field(default_factory=Rate)
    extensions: int = 0
    returns: int = 0
    designated_claims: int = 0
    supervisions: int = 0
    criticisms: int = 0
    score: Decimal = Decimal("0")
    rank: int = 0

    @property
    def score_text(self):
        return f"{float(self.score):g}"


def _decided_deadlines(start, end, now, deadlines=None):
    """Deadlines due in the period that are decided: met, or past due by `now`. A pending deadline is not
    yet late or on time; a cancelled one or one replaced by an approved extension counts through its
    successor only."""
    return (
        (county_deadlines() if deadlines is None else deadlines)
        .filter(due_at__gte=start, due_at__lt=end)
        .filter(Q(met_at__isnull=False) | Q(due_at__lte=now))
        .exclude(state__in=(Deadline.State.CANCELLED, Deadline.State.EXTENDED))
    )


def _rates(qs, group_by, kinds_by_name):
    """{unit id: {name: Rate}} for several deadline kinds in one grouped query."""
    annotations = {}
    for name, kinds in kinds_by_name.items():
        annotations[f"{name}_total"] = Count("pk", filter=Q(kind__in=kinds))
        annotations[f"{name}_on_time"] = Count("pk", filter=Q(kind__in=kinds, met_at__lte=F("due_at")))
    all_kinds = [k for kinds in kinds_by_name.values() for k in kinds]
    return {
        row["uid"]: {name: Rate(row[f"{name}_on_time"], row[f"{name}_total"]) for name in kinds_by_name}
        for row in qs.filter(kind__in=all_kinds).values(uid=F(group_by)).annotate(**annotations).order_by()
    }


def _counts(qs, group_by):
    return dict(qs.values_list(group_by).annotate(n=Count("pk")).order_by())


def score_of(row, weighting):
    """Σ rate weight × on-time rate − Σ penalty × count, floored at 0 (AssessmentWeighting's formula).
    A rate with nothing decided in the period scores its full weight: nothing was late."""
    total = Decimal("0")
    for weight, rate in (
        (weighting.claim_on_time, row.claim),
        (weighting.feedback_on_time, row.feedback),
        (weighting.reply_on_time, row.reply),
    ):
        total += weight * (Decimal(rate.on_time) / rate.total if rate.total else Decimal("1"))
    total -= (
        weighting.per_extension * row.extensions
        + weighting.per_return * row.returns
        + weighting.per_designated_claim * row.designated_claims
        + weighting.per_supervision * row.supervisions
        + weighting.per_criticism * row.criticisms
    )
    return max(total, Decimal("0")).quantize(Decimal("0.01"))


def _rank(rows):
    """Highest score first; equal scores share a rank (1, 2, 2, 4), then by name for a stable order."""
    rows.sort(key=lambda r: (-r.score, r.unit_name))
    previous = None
    for position, row in enumerate(rows, start=1):
        row.rank = previous.rank if previous is not None and previous.score == row.score else position
        previous = row
    return rows


def assessed_units(unit_ids=None):
    """The units assessed: the active handling units (the office and the county's top unit hand out
    tickets, they do not receive them), or exactly those asked for."""
    units = Unit.objects.filter(is_active=True)
    if unit_ids is not None:
        return units.filter(pk__in=unit_ids)
    return units.filter(is_office=False, parent__isnull=False)


def assess_units(
    period_start: datetime, period_end: datetime, *, unit_ids=None, weighting=None, now=None
) -> list[UnitScore]:
    """Score every unit over [period_start, period_end) and rank them (docs/rules.md §7.3).

    Counted in the period: tickets received (dispatched), claim / feedback (办理反馈, 核实调查报告 and the dates
    书面说明 promised) /
    reply deadlines decided and met on time, extension requests made, tickets returned (退回), claims
    designated by the office (指定认领, `002` 第六条 "记录在案、纳入考核"), 督报 issued to the unit and
    通报批评 recorded (`000` 四.3). A reply deadline belongs to the incident; it is the lead unit's
    (`002` 第九条: the claiming department replies)."""
    now = now or timezone.now()
    weighting = weighting or AssessmentWeighting.current(timezone.localdate(period_end))
    rows = {u.pk: UnitScore(u.pk, u.name) for u in assessed_units(unit_ids).only("pk", "name")}
    ids = list(rows)
    if not ids:
        return []

    tickets = county_tickets().filter(unit_id__in=ids)
    for counts in (
        tickets.filter(
            Q(dispatched_at__gte=period_start, dispatched_at__lt=period_end)
            | Q(returned_at__gte=period_start, returned_at__lt=period_end)
            | Q(designated=True, claimed_at__gte=period_start, claimed_at__lt=period_end)
        )
        .values("unit_id")
        .annotate(
            received=Count("pk", filter=Q(dispatched_at__gte=period_start, dispatched_at__lt=period_end)),
            returns=Count("pk", filter=Q(returned_at__gte=period_start, returned_at__lt=period_end)),
            designated_claims=Count(
                "pk", filter=Q(designated=True, claimed_at__gte=period_start, claimed_at__lt=period_end)
            ),
        )
        .order_by()
    ):
        score = rows[counts["unit_id"]]
        score.tickets_received, score.returns = counts["received"], counts["returns"]
        score.designated_claims = counts["designated_claims"]

    # The patrol slots' deadlines (no incident) are decided like the others, in the same grouped query.
    decided = _decided_deadlines(period_start, period_end, now, county_deadlines() | county_patrol_deadlines())
    unit_rates = _rates(
        decided.filter(unit_id__in=ids),
        "unit_id",
        {"claim": (DeadlineKind.CLAIM,), "feedback": HANDLING_KINDS, "patrol": (DeadlineKind.PATROL,)},
    )
    lead_unit = Subquery(
        county_tickets()
        .filter(incident_id=OuterRef("incident_id"), role=TicketRole.LEAD, dispatched_at__lte=OuterRef("due_at"))
        .order_by("-dispatched_at", "-id")
        .values("unit_id")[:1]
    )
    reply_rates = _rates(
        decided.filter(ticket__isnull=True).annotate(lead_unit=lead_unit).filter(lead_unit__in=ids),
        "lead_unit",
        {"reply": REPLY_KINDS},
    )
    extensions = _counts(
        ExtensionRequest.objects.filter(
            ticket__unit_id__in=ids, requested_at__gte=period_start, requested_at__lt=period_end
        ),
        "ticket__unit_id",
    )
    supervisions = _counts(
        Report.objects.filter(
            kind=Report.Kind.SUPERVISION,
            unit_id__in=ids,
            status=Report.Status.ISSUED,
            issued_at__gte=period_start,
            issued_at__lt=period_end,
        ),
        "unit_id",
    )
    criticisms = _counts(
        Criticism.objects.filter(unit_id__in=ids, recorded_at__gte=period_start, recorded_at__lt=period_end), "unit_id"
    )

    for uid, row in rows.items():
        rates = unit_rates.get(uid, {}) | reply_rates.get(uid, {})
        row.claim = rates.get("claim", Rate())
        row.feedback = rates.get("feedback", Rate())
        row.reply = rates.get("reply", Rate())
        row.patrol = rates.get("patrol", Rate())
        row.extensions = extensions.get(uid, 0)
        row.supervisions = supervisions.get(uid, 0)
        row.criticisms = criticisms.get(uid, 0)
        row.score = score_of(row, weighting)
    return _rank(list(rows.values()))


def quarter_ranking(today=None, *, unit_ids=None, n=5):
    """The current quarter so far, for the leader dashboard: the top and bottom `n` units (bottom worst
    first), limited to `unit_ids` when the viewer oversees only some units."""
    start, end = quarter_of(today or timezone.localdate())
    rows = assess_units(start, end)
    if unit_ids is not None:
        rows = [r for r in rows if r.unit_id in unit_ids]
    top = rows[:n]
    bottom = [r for r in reversed(rows[n:])][:n]
    label = quarter_label(start)
    return {
        "label": label,
        "top": top,
        "bottom": bottom,
        "start": start.date(),
        "end": (end - timedelta(days=1)).date(),
    }


def quarter_label(start):
    return f"{start.year}年第{'一二三四'[(start.month - 1) // 3]}季度"


def quarter_of(day):
    """(start, end) aware datetimes of the calendar quarter containing `day`, Asia/Shanghai."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = datetime(day.year, first_month, 1)
    end = datetime(day.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    return timezone.make_aware(start), timezone.make_aware(end)
