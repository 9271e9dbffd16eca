"""Writes of review/: the spot-check draw (抽查) and the office's verdict (复核), 000 四.3 销号管理. Each is one
transaction with its permission check and audit record."""

import math
import random
import secrets
from datetime import date, datetime, time

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit
from core.errors import Conflict, InvalidInput, NotFound
from incidents import services as incident_services
from incidents.models import TicketRole
from incidents.selectors import county_incidents
from incidents.workflow import IncidentStatus
from org.access import require_role
from reporting.models import Criticism
from review.models import SpotCheck, SpotCheckDraw, SpotCheckSettings, Verdict
from review.periods import previous_period

CLAUSE = "000 四.3"


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def closed_in(start: date, end: date) -> list[int]:
    """Ids of the incidents closed in [start, end) and still closed, in id order (the draw's population)."""
    return list(
        county_incidents()
        .filter(status=IncidentStatus.CLOSED, closed_at__gte=_day_start(start), closed_at__lt=_day_start(end))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def sample_size(population: int, settings: SpotCheckSettings) -> int:
    by_percent = math.ceil(population * settings.sample_percent / 100)
    return min(population, max(settings.sample_size, by_percent))


def sample(draw: SpotCheckDraw, population: list[int], size: int) -> list[int]:
    """The sample a draw's seed gives from `population`: the same seed and population, the same sample."""
    rng = random.Random(f"{draw.period}:{draw.period_start.isoformat()}:{draw.seed}")
    return sorted(rng.sample(sorted(population), size))


def draw_spot_checks(actor: User | None, *, today: date | None = None) -> SpotCheckDraw:
    """Draw the sample of the period before `today`'s (its closed incidents), once: a second call for the same
    period returns the draw already made (unique per period). The office on demand, or the beat (actor None)."""
    require_role(actor, "is_office", f"只有办公室可以抽取销号抽查样本（依据 {CLAUSE}）。", system=True)
    settings = SpotCheckSettings.current()
    today = today or timezone.localdate()
    start, end = previous_period(settings.period, today)
    existing = SpotCheckDraw.objects.filter(period=settings.period, period_start=start).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            population = closed_in(start, end)
            draw = SpotCheckDraw.objects.create(
                period=settings.period,
                period_start=start,
                period_end=end,
                seed=secrets.token_hex(16),
                population=len(population),
                drawn_by=actor,
            )
            picked = sample(draw, population, sample_size(len(population), settings))
            SpotCheck.objects.bulk_create([SpotCheck(draw=draw, incident_id=pk) for pk in picked])
            audit.record(
                actor,
                "spot_check.draw",
                draw,
                after={
                    "period": draw.period,
                    "period_start": start.isoformat(),
                    "seed": draw.seed,
                    "population": len(population),
                    "sampled": picked,
                },
                reason=f"销号抽查（依据 {CLAUSE}）",
            )
            return draw
    except IntegrityError:
        # Another worker drew this period first: theirs is the draw.
        return SpotCheckDraw.objects.get(period=settings.period, period_start=start)


def draw_due_spot_checks(*, today: date | None = None) -> SpotCheckDraw:
    """The beat's entry: state-based and idempotent, it draws the last whole period if it is not drawn yet."""
    return draw_spot_checks(None, today=today)


@transaction.atomic
def record_verdict(
    actor: User, check: SpotCheck | int, *, verdict: str, note: str = "", ip: str | None = None
) -> SpotCheck:
    """The office's 复核 of one sampled incident. 虚假反馈/反馈不及时: a 通报批评 of the lead unit (counted in 考核);
    问题未解决: the incident is reopened (舆情反复) with the spot check as its reason."""
    require_role(actor, "is_office", f"只有办公室可以复核销号抽查（依据 {CLAUSE}）。")
    pk = check.pk if isinstance(check, SpotCheck) else check
    locked = SpotCheck.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound("抽查记录不存在。")
    if locked.verdict:
        raise Conflict("该件已复核，不能重复复核。")
    if verdict not in Verdict.values:
        raise InvalidInput("请选择复核结论。", {"verdict": ["请选择复核结论。"]})
    note = (note or "").strip()
    if verdict != Verdict.CONFIRMED and not note:
        raise InvalidInput("请填写复核说明。", {"note": ["结论不是“核实无误”时须填写复核说明。"]})
    locked.verdict = verdict
    locked.note = note
    locked.checked_by = actor
    locked.checked_at = timezone.now()
    locked.save(update_fields=["verdict", "note", "checked_by", "checked_at"])
    incident = locked.incident
    audit.record(
        actor,
        "spot_check.verdict",
        locked,
        after={"verdict": verdict, "note": note},
        reason=f"销号抽查复核（依据 {CLAUSE}）",
        ip=ip,
        incident=incident,
    )
    label = Verdict(verdict).label
    if verdict in (Verdict.FALSE_FEEDBACK, Verdict.LATE_FEEDBACK):
        lead = incident.tickets.filter(role=TicketRole.LEAD).select_related("unit").order_by("-pk").first()
        if lead is not None:
            cause = Criticism.Cause.FALSE if verdict == Verdict.FALSE_FEEDBACK else Criticism.Cause.LATE
            criticism = Criticism.objects.create(
                unit=lead.unit,
                ticket=lead,
                cause=cause,
                reason=f"销号抽查复核：{label}（依据 {CLAUSE}）。{note}",
                recorded_by=actor,
            )
            audit.record(
                actor,
                "criticism.create",
                criticism,
                after={"unit": lead.unit_id, "cause": cause},
                reason=criticism.reason,
                ip=ip,
                incident=incident,
                ticket=lead,
            )
    if verdict == Verdict.NOT_DONE and incident.status == IncidentStatus.CLOSED:
        incident_services.reopen_incident(
            actor, incident, reason=f"销号抽查复核：问题未解决（依据 {CLAUSE}）。{note}", ip=ip
        )
    return locked
