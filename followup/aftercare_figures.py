"""后期处置 in the quarterly 通报 (000 三.3): how many closed incidents were watched, what the watches found, and the
总结评估 done, on time or overdue. Registered with reporting.figure_sources in followup/apps.py (reporting may not
import followup). Counts only: a confidential incident is never named in a report every leader reads (issue 11 §1)."""

from datetime import datetime

from django.db.models import F, Q

from deadlines.models import Deadline, DeadlineKind
from deadlines.selectors import county_deadlines
from followup.models import AftercareEvaluation, AftercareEvent, AftercareWatch
from reporting import documents

TITLE = "后期处置情况"


def aftercare_section(key: str, heading: str, start: datetime, end: datetime, now: datetime) -> tuple[dict, dict]:
    """(the section, its figures) for [start, end) as known at `now`: watches started, prompts found, and the
    总结评估 due in the period: written on time, written late or still missing past due (overdue), not yet due."""
    watches = AftercareWatch.objects.filter(started_at__gte=start, started_at__lt=end).count()
    events = AftercareEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    prompts = events.count()
    relapses = events.filter(kind=AftercareEvent.Kind.RELAPSE).count()
    written = AftercareEvaluation.objects.filter(written_at__gte=start, written_at__lt=end).count()
    due = county_deadlines().filter(kind=DeadlineKind.AFTERCARE_EVALUATION, due_at__gte=start, due_at__lt=end)
    due = due.exclude(state=Deadline.State.CANCELLED)
    on_time = due.filter(met_at__isnull=False, met_at__lte=F("due_at")).count()
    overdue = due.filter(Q(met_at__gt=F("due_at")) | Q(met_at__isnull=True, due_at__lt=now)).count()
    pending = due.filter(met_at__isnull=True, due_at__gte=now).count()
    figures = {
        "watches": watches,
        "prompts": prompts,
        "relapses": relapses,
        "evaluations": written,
        "due": on_time + overdue + pending,
        "on_time": on_time,
        "overdue": overdue,
        "pending": pending,
    }
    text = (
        f"本期销号后进入持续关注{watches}件，关注期内提示新情况{prompts}次（其中舆情反复{relapses}次）；"
        f"完成总结评估{written}件。本期到期的总结评估{figures['due']}件：按时完成{on_time}件，逾期{overdue}件，"
        f"尚未到期{pending}件（依据 000 三.3：应急处置结束后关注舆情趋势，同时进行全面总结和评估）。"
    )
    rows = [
        ["进入持续关注", watches],
        ["关注期提示", prompts],
        ["其中舆情反复", relapses],
        ["完成总结评估", written],
        ["总结评估按时完成", on_time],
        ["总结评估逾期", overdue],
    ]
    return documents.section(key, heading, text, documents.table(["项目", "件（次）数"], rows)), figures
