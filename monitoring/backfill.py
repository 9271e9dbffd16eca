"""Backfill (issue 15): the units' 17:00 submissions (000 二.1 每日下午17时前报送) made before candidates existed, or
any whose lines were not turned into candidates, become candidates on the office's request, for a date range.

Idempotent: monitoring.candidates.candidates_from_submission makes one candidate per submission and link (a unique
constraint) and none for a link already in an incident or another candidate, so a second run over the same range
creates nothing. Each run is audited with its range and what it made."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction

from core import audit
from core.errors import InvalidInput
from monitoring import candidates
from monitoring.models import Candidate
from org.access import require_role

# reporting.DailySubmission, reached through the relation the model declares: monitoring sits below reporting.
DailySubmission = Candidate._meta.get_field("submission").related_model
MAX_DAYS = 366


@dataclass(frozen=True)
class Backfill:
    start: date
    end: date
    submissions: int
    created: int


@transaction.atomic
def backfill_candidates(actor: User | None, *, start: date, end: date, ip: str | None = None) -> Backfill:
    """Turn every submission dated start..end (inclusive) into candidates, line by line, once. `actor` None: the
    management command (the system)."""
    require_role(actor, ("is_office",), candidates.OFFICE_ONLY, system=True)
    if end < start:
        raise InvalidInput("结束日期不能早于开始日期。", {"end": ["结束日期不能早于开始日期。"]})
    if end - start > timedelta(days=MAX_DAYS):
        raise InvalidInput(f"一次最多补生成{MAX_DAYS}天的报送。", {"end": [f"一次最多{MAX_DAYS}天。"]})
    submissions = list(
        DailySubmission._default_manager.filter(date__gte=start, date__lte=end)
        .select_related("unit")
        .order_by("date", "pk")
    )
    created = 0
    for submission in submissions:
        created += len(candidates.candidates_from_submission(submission, actor=actor))
    audit.record(
        actor,
        "candidates_backfilled",
        None,
        after={"from": start, "to": end, "submissions": len(submissions), "created": created},
        ip=ip,
    )
    return Backfill(start, end, len(submissions), created)
