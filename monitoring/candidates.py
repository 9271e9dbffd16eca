"""Candidate items (候选舆情, issue 15): the units' 17:00 submissions (000 二.1 每日17时前报送) line by line, and the
items monitoring platforms push (monitoring.intake_api), queued for the office to accept (an incident through the
intake service), merge into an existing incident, or discard with a reason. Every decision is audited.

Deduplication: a line whose link is already an incident's source link, or another candidate's, makes no candidate;
a near title (the intake's 查重: core.text.cjk_bigrams and incidents.desk.dice, with the admin's 查重设置) is kept
as a candidate and marked "疑似重复" with the incident it resembles, for the office to merge. Re-processing a
submission creates nothing twice (one candidate per submission and link, a unique constraint)."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.errors import Conflict, InvalidInput
from core.text import cjk_bigrams
from incidents import search
from incidents.desk import MAX_CANDIDATES, dice
from incidents.models import DuplicateCheckSettings, Incident, SourceLink
from incidents.selectors import county_incidents, visible_incidents
from incidents.services.intake import report_incident
from incidents.workflow import IncidentStatus
from monitoring import emergency, keywords, matching
from monitoring.models import Candidate, IntakeSource
from org.access import require_role

OFFICE_ONLY = "只有办公室值班员可以处理候选舆情。"
LINE = re.compile(r"^(?P<title>.*?)\s*(?P<url>https?://\S+)\s*$")
REASON_MAX = 500


def office_candidates(actor: User) -> QuerySet[Candidate]:
    """The queue, for the office only (a liaison sees their own unit's submissions on the 报送 page)."""
    require_role(actor, ("is_office",), OFFICE_ONLY)
    return Candidate.objects.select_related("unit", "source", "similar_to", "topic", "responsible_unit", "incident")


def submission_lines(content: str) -> list[tuple[int, str, str]]:
    """(line number, title, url) of every line with a link ("标题+链接地址"); "无" and lines without one are skipped."""
    found = []
    for n, raw in enumerate((content or "").replace("\r\n", "\n").split("\n"), 1):
        m = LINE.match(raw.strip())
        if m is not None:
            found.append((n, m["title"].strip(" \t:：-—") or m["url"], m["url"]))
    return found


def known_url(url: str) -> bool:
    if not url:
        return False
    return SourceLink.objects.filter(url=url).exists() or Candidate.objects.filter(url=url).exists()


@dataclass(frozen=True)
class Similar:
    incident: Incident
    score: float

    @property
    def reason(self) -> str:
        return f"标题相似度 {self.score:.0%}：{self.incident.number} {self.incident.title}"[:300]


def similar_incident(title: str, now: datetime) -> Similar | None:
    """The most similar recent incident by title (the intake's 查重 rule, county-wide: the queue is the office's)."""
    settings = DuplicateCheckSettings.current()
    mine = cjk_bigrams(title)
    if len(mine) < 3:
        return None
    recent = (
        county_incidents()
        .filter(reported_at__gte=now - timedelta(days=settings.window_days))
        .exclude(status=IncidentStatus.MERGED)
        .only("pk", "title", "reported_at")
        .order_by("-reported_at", "-id")[:MAX_CANDIDATES]
    )
    best: Similar | None = None
    for other in recent:
        score = dice(mine, cjk_bigrams(other.title))
        if score * 100 >= settings.threshold and (best is None or score > best.score):
            best = Similar(other, score)
    return best


def _new_candidate(**fields: Any) -> Candidate:
    now = timezone.now()
    similar = similar_incident(fields["title"], now)
    result = matching.match(fields["title"], fields.get("summary", ""))
    candidate = Candidate.objects.create(
        created_at=now,
        similar_to=similar.incident if similar else None,
        similar_reason=similar.reason if similar else "",
        topic_id=result.topic_id,
        responsible_unit_id=result.unit_id,
        matched=list(result.words),
        **fields,
    )
    if result:
        keywords.record_hits(result, at=now, candidate=candidate)
    emergency.report_at_once(
        result,
        f"{candidate.title}\n{candidate.summary}",
        title=f"候选：{candidate.title}",
        link=reverse("monitoring:candidates"),
    )
    return candidate


@transaction.atomic
def candidates_from_submission(submission, *, actor: User | None = None) -> list[Candidate]:
    """Each "标题+链接" line of a unit's daily submission (reporting.DailySubmission) becomes a candidate, once."""
    done = set(Candidate.objects.filter(submission=submission).values_list("url", flat=True))
    created, skipped = [], []
    for n, title, url in submission_lines(submission.content):
        if url in done:  # this submission's line already made its candidate (a resubmission moves lines)
            continue
        if known_url(url):
            skipped.append(n)
            continue
        try:
            with transaction.atomic():
                created.append(
                    _new_candidate(
                        origin=Candidate.Origin.SUBMISSION,
                        submission=submission,
                        line_no=n,
                        unit=submission.unit,
                        title=title[:300],
                        url=url[:1000],
                    )
                )
        except IntegrityError:  # a concurrent run made this line's candidate first
            continue
    if created or skipped:
        audit.record(
            actor,
            "candidates_from_submission",
            created[0] if created else None,
            after={
                "submission": submission.pk,
                "unit": submission.unit.name,
                "created": [c.pk for c in created],
                "duplicate_lines": skipped,
            },
        )
    return created


def _locked_pending(actor: User, candidate: Candidate | int) -> Candidate:
    require_role(actor, ("is_office",), OFFICE_ONLY)
    pk = candidate.pk if isinstance(candidate, Candidate) else candidate
    found = Candidate.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise InvalidInput("候选舆情不存在。")
    if found.status != Candidate.Status.PENDING:
        raise Conflict(f"该候选舆情已{found.get_status_display()}，不能再处理。")
    return found


def _decide(
    actor: User, candidate: Candidate, status: str, reason: str, incident: Incident | None, ip: str | None
) -> Candidate:
    candidate.status, candidate.reason, candidate.incident = status, reason, incident
    candidate.decided_by, candidate.decided_at = actor, timezone.now()
    candidate.save(update_fields=["status", "reason", "incident", "decided_by", "decided_at"])
    audit.record(
        actor,
        f"candidate_{status}",
        candidate,
        after={"title": candidate.title, "url": candidate.url, "incident": incident.pk if incident else None},
        reason=reason,
        ip=ip,
        incident=incident,
    )
    return candidate


@transaction.atomic
def accept_candidate(
    actor: User, candidate: Candidate | int, *, ip: str | None = None, external_id: str | None = None
) -> Candidate:
    """受理: the candidate becomes an incident through the intake service (its checks, audit and matching)."""
    candidate = _locked_pending(actor, candidate)
    links = [{"platform": candidate.platform or "网络", "url": candidate.url}] if candidate.url else []
    incident = report_incident(
        actor,
        title=candidate.title,
        summary=candidate.summary,
        subject_unit=candidate.responsible_unit,
        links=links,
        ip=ip,
        external_id=external_id,
        posted_at=candidate.posted_at,
    )
    return _decide(actor, candidate, Candidate.Status.ACCEPTED, "", incident, ip)


@transaction.atomic
def merge_candidate(
    actor: User, candidate: Candidate | int, *, into: Incident | int, reason: str = "", ip: str | None = None
) -> Candidate:
    """合并: the candidate's link joins an open incident the actor can see (as a merged duplicate's links do)."""
    candidate = _locked_pending(actor, candidate)
    target = visible_incidents(actor).filter(pk=into.pk if isinstance(into, Incident) else into).first()
    if target is None:
        raise InvalidInput("合并目标不存在或无权查看。", {"into": ["合并目标不存在或无权查看。"]})
    if not target.is_open:
        raise InvalidInput("只能合并到未办结的舆情。", {"into": ["只能合并到未办结的舆情。"]})
    if candidate.url and not target.links.filter(url=candidate.url).exists():
        SourceLink.objects.create(incident=target, platform=candidate.platform or "网络", url=candidate.url)
        search.refresh(target)
    audit.record(
        actor,
        "candidate_merge_received",
        target,
        after={"candidate": candidate.pk, "url": candidate.url},
        ip=ip,
        incident=target,
    )
    return _decide(actor, candidate, Candidate.Status.MERGED, (reason or "").strip()[:REASON_MAX], target, ip)


@transaction.atomic
def discard_candidate(actor: User, candidate: Candidate | int, *, reason: str, ip: str | None = None) -> Candidate:
    """舍弃, with the reason (kept on the candidate and the audit trail)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写舍弃原因。", {"reason": ["请填写舍弃原因。"]})
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"舍弃原因不能超过{REASON_MAX}字。", {"reason": [f"不能超过{REASON_MAX}字。"]})
    candidate = _locked_pending(actor, candidate)
    return _decide(actor, candidate, Candidate.Status.DISCARDED, reason, None, ip)


# --- platform pushes (monitoring.intake_api) --------------------------------------------------------------------


@transaction.atomic
def receive_items(source: IntakeSource, items: list[dict[str, Any]], *, ip: str | None = None) -> list[dict[str, Any]]:
    """A validated batch from a source: each item once by (source, its id). A trusted source's items become incidents
    at once (accepted under the source's account); the others join the office's queue. Returns one result per item."""
    results = []
    for item in items:
        external_id = str(item["id"])
        existing = Candidate.objects.filter(source=source, external_id=external_id).select_related("incident").first()
        if existing is not None:
            results.append(_result(external_id, existing, "duplicate"))
            continue
        fields = {
            "origin": Candidate.Origin.PLATFORM,
            "source": source,
            "external_id": external_id,
            "title": item["title"],
            "url": item.get("url") or "",
            "platform": item.get("platform") or "",
            "summary": item.get("summary") or "",
            "posted_at": item.get("posted_at"),
        }
        try:
            with transaction.atomic():
                candidate = _new_candidate(**fields)
                if source.trusted:
                    candidate = accept_candidate(
                        source.account, candidate, ip=ip, external_id=f"{source.code}:{external_id}"
                    )
        except IntegrityError:  # the same item pushed twice at once: the constraint kept the first
            candidate = Candidate.objects.get(source=source, external_id=external_id)
            results.append(_result(external_id, candidate, "duplicate"))
            continue
        results.append(_result(external_id, candidate, "created"))
    audit.record(
        source.account,
        "intake_received",
        source,
        after={"source": source.code, "items": [(r["id"], r["result"]) for r in results]},
        ip=ip,
    )
    return results


def _result(external_id: str, candidate: Candidate, result: str) -> dict[str, Any]:
    return {
        "id": external_id,
        "result": result,
        "candidate": candidate.pk,
        "status": candidate.status,
        "incident": candidate.incident.number if candidate.incident_id and candidate.incident else None,
        "similar_to": candidate.similar_to.number if candidate.similar_to_id and candidate.similar_to else None,
        "matched": list(candidate.matched),
    }
