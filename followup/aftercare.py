"""后期处置 (000 三.3): "网络舆情应急处置结束后，区网络舆情工作领导小组办公室要组织相关部门关注网络上相关事件的舆情趋势。
同时，对应急处置工作进行全面总结和评估，针对应急处置工作中的成功经验以及暴露出来的问题，进一步修改完善有关工作方案。"

- The watch (持续关注) starts from the incident's state: the timed check (run_aftercare, every few minutes) finds
  each incident closed (销号) since the settings' start with no watch, and starts one, exactly once (one watch per
  incident, the incident row locked); the office starts it too when it writes the evaluation first. An incident
  closed again after a 舆情反复 restarts its watch from the new 销号 (its 总结评估 deadline was ended with the
  incident's other deadlines at that 销号), unless its evaluation is written.
- During the watch each new link on the incident, each 舆情反复 (reopen) and each new item like it (the duplicate
  check's rule: same link, or a title at least as similar as 查重设置) prompts the duty officers once (AftercareEvent
  unique per watch and key), also when a pass runs late (catch-up: every unfinished watch is scanned up to its end).
- The 总结评估 is due when the watch ends: a deadline of the engine (kind AFTERCARE_EVALUATION), reminded, breached
  and escalated to the office's leaders by the sweep, met by write_evaluation()."""

import logging
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.errors import Conflict, IllegalTransition, InvalidInput
from core.models import AuditEvent
from core.text import cjk_bigrams
from deadlines.models import DeadlineKind
from deadlines.scheduling import build_steps, cancel, create_deadline, meet_by_ids
from deadlines.selectors import county_deadlines
from followup import documents as texts
from followup.models import AftercareEvaluation, AftercareEvent, AftercareSettings, AftercareWatch
from incidents.desk import dice
from incidents.models import DuplicateCheckSettings, Incident
from incidents.selectors import county_incidents
from incidents.services._common import locked_incident
from incidents.workflow import IncidentStatus
from notifications.notify import notify
from org import recipients
from org.access import require_role
from reporting.documents import render_docx
from workcalendar.working_days import WorkCalendar

logger = logging.getLogger(__name__)

OFFICE_ONLY = "只有舆情办公室可以进行此操作。"
SOURCE = "000 三.3：应急处置结束后关注舆情趋势，同时进行全面总结和评估"
# How many items reported during a watch are compared with it per pass (newest first): the duplicate check's bound.
SIMILAR_CANDIDATES = 500
# A pass looks again at the items reported this long before the previous pass: one committed late is still found.
RESCAN_MARGIN = timedelta(hours=1)


# --- starting the watch ------------------------------------------------------------------------------------------


def _evaluation_deadline(incident: Incident, started_at: datetime, ends_at: datetime, rules: AftercareSettings):
    """The 总结评估 falls due when the watch ends; reminders, escalation and channels are the settings', frozen on
    the deadline like a policy's (product defaults: 000 三.3 names no time)."""
    calendar = WorkCalendar.load()
    deadline = create_deadline(
        kind=DeadlineKind.AFTERCARE_EVALUATION,
        incident=incident,
        ticket=None,
        started_at=started_at,
        calendar=calendar,
        due_at=ends_at,
        name="总结评估时限",
        source=SOURCE,
    )
    deadline.rule |= {
        "reminder_leads": rules.reminder_leads,
        "escalate_after": rules.escalate_after,
        "channels": rules.channels or "inbox",
    }
    deadline.save(update_fields=["rule"])
    deadline.steps.all().delete()
    build_steps(deadline, calendar)
    return deadline


def _watch_fields(incident: Incident, rules: AftercareSettings) -> dict:
    assert incident.closed_at is not None
    ends_at = WorkCalendar.load().add(incident.closed_at, rules.watch_period).at
    return {
        "started_at": incident.closed_at,
        "ends_at": ends_at,
        "period": rules.watch_period,
        "deadline": _evaluation_deadline(incident, incident.closed_at, ends_at, rules),
        "baseline_link_id": incident.links.aggregate(n=Max("pk"))["n"] or 0,
        "scanned_at": None,
        "finished_at": None,
    }


def _start_or_restart(incident: Incident, actor: User | None, ip: str | None = None) -> AftercareWatch | None:
    """With the incident row locked: the watch of a closed incident, started now if it has none, restarted if the
    incident was closed again (舆情反复) since it started and no evaluation is written; else as it is."""
    watch = AftercareWatch.objects.filter(incident=incident).select_related("deadline").first()
    if incident.status != IncidentStatus.CLOSED or incident.closed_at is None:
        return watch
    rules = AftercareSettings.current()
    if watch is None:
        watch = AftercareWatch.objects.create(incident=incident, started_by=actor, **_watch_fields(incident, rules))
        action = "aftercare_watch_started"
    elif watch.started_at < incident.closed_at and not AftercareEvaluation.objects.filter(watch=watch).exists():
        cancel(county_deadlines().filter(pk=watch.deadline_id), outcome="restarted")
        for field, value in _watch_fields(incident, rules).items():
            setattr(watch, field, value)
        watch.save()
        action = "aftercare_watch_restarted"
    else:
        return watch
    audit.record(
        actor,
        action,
        watch,
        after={"started_at": watch.started_at, "ends_at": watch.ends_at, "period": watch.period},
        reason=SOURCE,
        ip=ip,
        incident=incident,
    )
    return watch


def due_incident_ids(now: datetime | None = None) -> list[int]:
    """Closed incidents (销号 since the settings' start) with no watch, or closed again after their watch started
    and not evaluated: what the timed check starts. State, not events: a pass that did not run is caught up."""
    rules = AftercareSettings.current()
    closed = county_incidents().filter(status=IncidentStatus.CLOSED, closed_at__isnull=False)
    if rules.applies_from is not None:
        closed = closed.filter(closed_at__gte=rules.applies_from)
    if now is not None:
        closed = closed.filter(closed_at__lte=now)
    unwatched = closed.filter(aftercare_watch__isnull=True)
    reclosed = closed.filter(aftercare_watch__started_at__lt=F("closed_at"), aftercare_watch__evaluation__isnull=True)
    return sorted(set(unwatched.values_list("pk", flat=True)) | set(reclosed.values_list("pk", flat=True)))


def start_due_watches(now: datetime | None = None) -> list[AftercareWatch]:
    """The timed check's first half: start (or restart) the watch of every incident due_incident_ids() names, each
    in its own transaction with the incident row locked, so two passes at once start it once."""
    started = []
    for pk in due_incident_ids(now):
        try:
            with transaction.atomic():
                incident = county_incidents().select_for_update(of=("self",)).filter(pk=pk).first()
                if incident is None:
                    continue
                before = AftercareWatch.objects.filter(incident=incident).values_list("started_at", flat=True).first()
                watch = _start_or_restart(incident, None)
                if watch is not None and watch.started_at != before:
                    started.append(watch)
        except IntegrityError:  # another pass created it between the read and the write: it is started
            logger.info("aftercare: the watch of incident %s was started by another pass", pk)
    return started


# --- prompts during the watch ------------------------------------------------------------------------------------


def _found(watch: AftercareWatch, until: datetime) -> list[AftercareEvent]:
    """What happened on the watched topic in [started_at, until], as unsaved events keyed so each is found once."""
    incident = watch.incident
    events = [
        AftercareEvent(
            watch=watch,
            kind=AftercareEvent.Kind.LINK,
            key=f"link:{link.pk}",
            occurred_at=min(max(link.first_seen_at, watch.started_at), until),
            detail=link.url[:300],
        )
        for link in incident.links.filter(pk__gt=watch.baseline_link_id).order_by("pk")
    ]
    reopens = AuditEvent.objects.filter(
        incident_id=incident.pk, action="reopen", at__gte=watch.started_at, at__lte=until
    ).order_by("at", "pk")
    events += [
        AftercareEvent(
            watch=watch,
            kind=AftercareEvent.Kind.RELAPSE,
            key=f"relapse:{event.pk}",
            occurred_at=event.at,
            detail=(event.reason or "舆情反复，重新研判")[:300],
        )
        for event in reopens
    ]
    events += _similar(watch, until)
    return events


def _similar(watch: AftercareWatch, until: datetime) -> list[AftercareEvent]:
    """New items reported during the watch that the duplicate check would call the same: a shared source link, or a
    title at least as similar as 查重设置's threshold (incidents.desk.possible_duplicates' rule). A pass compares the
    items reported since the previous pass (less a margin for a report committed late; the keys make a second find
    harmless): a fixed number of statements per watch, whatever the number of items."""
    incident = watch.incident
    threshold = DuplicateCheckSettings.current().threshold
    since = watch.started_at
    if watch.scanned_at is not None:
        since = max(since, watch.scanned_at - RESCAN_MARGIN)
    reported = (
        county_incidents()
        .filter(reported_at__gte=since, reported_at__lte=until)
        .exclude(pk=incident.pk)
        .exclude(status=IncidentStatus.MERGED)
    )
    candidates = list(
        reported.only("pk", "title", "reported_at", "is_confidential").order_by("-reported_at", "-id")[
            :SIMILAR_CANDIDATES
        ]
    )
    urls = list(incident.links.values_list("url", flat=True))
    shared = set()
    if urls and candidates:
        shared = set(
            reported.filter(pk__in=[c.pk for c in candidates], links__url__in=urls).values_list("pk", flat=True)
        )
    mine = cjk_bigrams(incident.title)
    return [
        AftercareEvent(
            watch=watch,
            kind=AftercareEvent.Kind.SIMILAR,
            key=f"similar:{other.pk}",
            occurred_at=other.reported_at,
            detail=f"{other.number} {other.title}"[:300],
            related=other,
        )
        for other in candidates
        if other.pk in shared or dice(mine, cjk_bigrams(other.title)) * 100 >= threshold
    ]


def _prompt(watch: AftercareWatch, event: AftercareEvent, channels: str) -> None:
    """One notice to the duty officers (the office watches the topic, 000 三.3), on the settings' channels."""
    head = f"【持续关注提示】{event.get_kind_display()}："
    notify(
        recipients.duty_officers(),
        title=head + watch.incident.title,
        body=f"{event.detail}（000 三.3：销号后持续关注舆情趋势，防止反复）",
        link=reverse("followup_page", args=[watch.incident_id]),
        incident=watch.incident,
        channels=channels,
        sensitive_head=head.rstrip("："),
    )
    audit.record(
        None,
        "aftercare_prompt",
        event,
        after={"kind": event.kind, "detail": event.detail, "occurred_at": event.occurred_at},
        incident=watch.incident,
    )


def scan_watch(pk: int, now: datetime) -> list[AftercareEvent]:
    """One watch, its row locked (a second pass skips it): the events not yet prompted, each saved and prompted
    once; a pass at or after the watch's end scans up to the end and finishes it."""
    with transaction.atomic():
        watch = (
            AftercareWatch.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("incident")
            .filter(pk=pk, finished_at__isnull=True)
            .first()
        )
        if watch is None:
            return []
        until = min(now, watch.ends_at)
        known = set(watch.events.values_list("key", flat=True))
        new = [e for e in _found(watch, until) if e.key not in known]
        channels = AftercareSettings.current().channels or "inbox"
        for event in new:
            event.prompted_at = now
            event.save()
            _prompt(watch, event, channels)
        watch.scanned_at = now
        if now >= watch.ends_at:
            watch.finished_at = now
        watch.save(update_fields=["scanned_at", "finished_at"])
        return new


def scan_watches(now: datetime | None = None) -> list[AftercareEvent]:
    """The timed check's second half: every unfinished watch, each in its own transaction."""
    now = now or timezone.now()
    found: list[AftercareEvent] = []
    for pk in AftercareWatch.objects.filter(finished_at__isnull=True).values_list("pk", flat=True):
        found += scan_watch(pk, now)
    return found


def run_aftercare(now: datetime | None = None) -> tuple[list[AftercareWatch], list[AftercareEvent]]:
    """The beat task's body: start due watches, then prompt what the unfinished ones found."""
    now = now or timezone.now()
    return start_due_watches(now), scan_watches(now)


# --- the office's 总结评估 ---------------------------------------------------------------------------------------


def _text(value: str, field: str, label: str, errors: dict, limit: int = 5000) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = [f"请填写{label}。"]
    elif len(value) > limit:
        errors[field] = [f"{label}不能超过 {limit} 个字。"]
    return value


@transaction.atomic
def write_evaluation(
    actor: User,
    incident: Incident | int,
    *,
    trend: str,
    worked: str,
    went_wrong: str,
    to_change: str,
    ip: str | None = None,
) -> AftercareEvaluation:
    """总结评估 (000 三.3：对应急处置工作进行全面总结和评估，针对成功经验以及暴露出来的问题，进一步修改完善有关工作方案):
    the office writes what the watch saw, what worked, what went wrong and what to change; the report is rendered
    from its template and kept with the incident, and the 总结评估 deadline is met (late if past due). The watch is
    started here if the timed check has not yet; once per incident."""
    incident = locked_incident(actor, incident)
    require_role(actor, "is_office", OFFICE_ONLY)
    if incident.status != IncidentStatus.CLOSED:
        raise IllegalTransition(
            f"当前状态为「{incident.get_status_display()}」：销号后方可总结评估（000 三.3：应急处置结束后）。"
        )
    watch = _start_or_restart(incident, actor, ip)
    assert watch is not None
    if AftercareEvaluation.objects.filter(incident=incident).exists():
        raise Conflict("该舆情已完成总结评估。")
    errors: dict[str, list[str]] = {}
    fields = {
        "trend": _text(trend, "trend", "关注期舆情走势", errors),
        "worked": _text(worked, "worked", "成功经验", errors),
        "went_wrong": _text(went_wrong, "went_wrong", "暴露的问题", errors),
        "to_change": _text(to_change, "to_change", "改进措施", errors),
    }
    if errors:
        raise InvalidInput("；".join(e[0] for e in errors.values()), errors)
    now = timezone.now()
    events = list(watch.events.all())
    document = render_docx(texts.aftercare_evaluation_content(incident, watch=watch, events=events, at=now, **fields))
    evaluation = AftercareEvaluation.objects.create(
        watch=watch, incident=incident, document=document, written_by=actor, written_at=now, **fields
    )
    meet_by_ids([watch.deadline_id], now)
    audit.record(
        actor, "aftercare_evaluation_written", evaluation, after=fields, reason=SOURCE, ip=ip, incident=incident
    )
    return evaluation
