"""突发事件 continuous watch (000 二.2: "遇突发事件时实行24小时监测，第一时间报告"; 004 三(一) 24小时值班). The office
switches a risk topic (its keywords in the library, and the risk library's own list) and/or a keyword set to
continuous watch for a set period: the extra slots at the watch's shorter interval are created for every watching
unit the moment the watch starts (plan_watch_now, as far ahead as the planner plans), the hourly planner adds the
later ones (monitoring.planning asks emergency_slots), and each matching new item is reported to the office leaders
at once. Ending the watch (or its end passing) stops both; the extra slots planned beyond the end are cancelled."""

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.errors import Conflict, InvalidInput
from deadlines import scheduling
from deadlines.models import DeadlineKind
from deadlines.selectors import county_patrol_deadlines
from monitoring import patrol_days, selectors
from monitoring.matching import MatchResult, normalise
from monitoring.models import EmergencyWatch, PatrolPolicy, PatrolSlot
from monitoring.schedule import PatrolRules, Slot, due_slots
from notifications.notify import notify
from org import recipients
from org.access import require_role
from org.models import Unit
from workcalendar.working_days import WorkCalendar

SOURCE = "000 二.2：遇突发事件时实行24小时监测，第一时间报告"
# Time-boxed (issue 15): a watch runs at most this long; a longer emergency is started again, deliberately.
MAX_SPAN = timedelta(days=7)
MIN_INTERVAL, MAX_INTERVAL = 5, 120
# A start typed a little in the past (the form took a minute to fill) counts as now.
START_GRACE = timedelta(minutes=10)


def active_watches(at: datetime) -> list[EmergencyWatch]:
    return [
        w
        for w in EmergencyWatch.objects.filter(starts_at__lte=at, ends_at__gt=at)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))
        .select_related("topic")
    ]


def upcoming_watches(at: datetime) -> list[EmergencyWatch]:
    """Watches started for a later time (their slots already planned), which the office may still call off."""
    return list(
        EmergencyWatch.objects.filter(starts_at__gt=at, ended_at__isnull=True)
        .select_related("topic")
        .order_by("starts_at")
    )


def watches_overlapping(start: datetime, end: datetime) -> list[EmergencyWatch]:
    return [
        w
        for w in EmergencyWatch.objects.filter(starts_at__lt=end, ends_at__gt=start).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=start)
        )
    ]


def _grid(watch: EmergencyWatch, start: datetime, end: datetime) -> list[Slot]:
    step = timedelta(minutes=max(watch.interval, 1))
    until = min(end, watch.until)
    slots, at = [], watch.starts_at
    while at < until:
        if at >= start:
            slots.append(Slot(at, min(at + step, watch.until), "emergency"))
        at += step
    return slots


def emergency_slots(start: datetime, end: datetime) -> list[Slot]:
    """The extra slots of every watch active in [start, end) that start in it (the planner adds them to the rules')."""
    found: dict[datetime, Slot] = {}
    for watch in watches_overlapping(start, end):
        for slot in _grid(watch, start, end):
            found.setdefault(slot.starts_at, slot)
    return sorted(found.values(), key=lambda s: s.starts_at)


def _rule(policy: PatrolPolicy) -> dict[str, str]:
    """The extra slots' deadline rule: the policy's reminder and escalation, citing the emergency clause. (The slots
    the hourly planner adds later carry the planner's rule; the engine sweeps both alike.)"""
    return {
        "policy": "巡查时限（突发事件）",
        "duration": "",
        "reminder_leads": f"{policy.reminder_lead}m" if policy.reminder_lead else "",
        "escalate_after": f"{policy.escalate_after}m" if policy.escalate_after else "",
        "channels": "inbox",
        "source": SOURCE,
    }


def plan_watch_now(watch: EmergencyWatch, now: datetime) -> list[PatrolSlot]:
    """Create the watch's extra slots from now to its end (at most the planner's plan-ahead horizon) for every
    watching unit, at once: 第一时间 cannot wait for the next hourly plan. The same slots the planner would add
    (the watch's grid minus the rules' own starts), each once: one per unit and start (a unique constraint), so the
    planner running meanwhile, or afterwards, creates none twice. (monitoring.planning imports this module, so it
    cannot be called from here; this mirrors its slot creation for one watch's grid.)"""
    policy = PatrolPolicy.current()
    start = max(now, watch.starts_at)
    end = min(watch.until, now + timedelta(hours=policy.plan_ahead_hours))
    if end <= start:
        return []
    calendar = WorkCalendar.load()
    regular = {s.starts_at for s in due_slots(PatrolRules.of(policy), calendar, start, end)}
    grid = [s for s in _grid(watch, start, end) if s.starts_at not in regular]
    rule = _rule(policy)
    # The planner's lock (monitoring.planning): a planner run now waits for this transaction and then finds these
    # slots, instead of meeting the unique constraint and rolling back its whole run.
    units = list(
        Unit.objects.select_for_update(no_key=True)
        .filter(pk__in=selectors.watching_units().values("pk"))
        .order_by("pk")
    )
    existing = set(
        PatrolSlot.objects.filter(unit__in=units, starts_at__gte=start, starts_at__lt=end).values_list(
            "unit_id", "starts_at"
        )
    )
    created: list[PatrolSlot] = []
    for unit in units:
        for slot in grid:
            if (unit.pk, slot.starts_at) in existing:
                continue
            try:
                with transaction.atomic():
                    deadline = scheduling.create_unit_deadline(
                        kind=DeadlineKind.PATROL,
                        unit=unit,
                        started_at=slot.starts_at,
                        due_at=slot.due_at,
                        rule=rule,
                        calendar=calendar,
                    )
                    created.append(
                        PatrolSlot.objects.create(
                            unit=unit, starts_at=slot.starts_at, due_at=slot.due_at, kind=slot.kind, deadline=deadline
                        )
                    )
            except IntegrityError:  # created meanwhile (the constraint keeps one)
                continue
    # The compliance figures count slots per unit and day (monitoring.patrol_days, state-based).
    patrol_days.refresh({(slot.unit_id, patrol_days.local_day(slot.starts_at)) for slot in created})
    return created


def _problems(
    *, title: str, reason: str, topic, keywords: str, interval: int, starts_at: datetime, ends_at: datetime, now
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = ["请填写事件名称。"]
    if not (reason or "").strip():
        errors["reason"] = ["请填写启动原因。"]
    if topic is None and not (keywords or "").replace("，", ",").strip(" ,"):
        errors["topic"] = ["请选择风险点或填写关键词。"]
    elif topic is not None and not getattr(topic, "is_active", False):
        errors["topic"] = ["该风险点已停用。"]
    if not MIN_INTERVAL <= int(interval or 0) <= MAX_INTERVAL:
        errors["interval"] = [f"巡查间隔应在{MIN_INTERVAL}至{MAX_INTERVAL}分钟之间。"]
    if starts_at < now - START_GRACE:
        errors["starts_at"] = ["开始时间不能早于现在；留空为立即开始。"]
    if ends_at <= max(starts_at, now):
        errors["ends_at"] = ["结束时间应晚于开始时间和现在。"]
    elif ends_at - starts_at > MAX_SPAN:
        errors["ends_at"] = [f"一次最长{MAX_SPAN.days}天；到期仍需监测的，请重新启动。"]
    return errors


@transaction.atomic
def start_watch(
    actor: User,
    *,
    title: str,
    reason: str,
    ends_at: datetime,
    interval: int = 30,
    topic=None,
    keywords: str = "",
    starts_at: datetime | None = None,
    ip: str | None = None,
) -> EmergencyWatch:
    """Start a watch on a risk topic (its library keywords) and/or keywords: the extra patrol slots exist when this
    returns, and from now every matching new item is reported at once (000 二.2)."""
    require_role(actor, ("is_office",), "只有办公室值班员可以启动突发事件监测。")
    now = timezone.now()
    starts_at = starts_at or now
    errors = _problems(
        title=title,
        reason=reason,
        topic=topic,
        keywords=keywords,
        interval=interval,
        starts_at=starts_at,
        ends_at=ends_at,
        now=now,
    )
    if errors:
        raise InvalidInput("；".join(m for ms in errors.values() for m in ms), errors)
    watch = EmergencyWatch.objects.create(
        title=title.strip(),
        reason=reason.strip(),
        topic=topic,
        keywords=(keywords or "").strip(),
        interval=interval,
        starts_at=max(starts_at, now),
        ends_at=ends_at,
        started_by=actor,
    )
    slots = plan_watch_now(watch, now)
    audit.record(
        actor,
        "emergency_started",
        watch,
        after={
            "title": watch.title,
            "topic": topic.pk if topic else None,
            "keywords": watch.keyword_list,
            "interval": interval,
            "starts_at": watch.starts_at,
            "ends_at": ends_at,
            "reason": watch.reason,
            "slots_planned": len(slots),
        },
        ip=ip,
    )
    return watch


@transaction.atomic
def end_watch(actor: User, watch: EmergencyWatch | int, *, ip: str | None = None) -> EmergencyWatch:
    """End a watch now: no more extra slots, no more immediate reports; the extra slots planned after now and not
    on another active watch's grid are cancelled (their deadlines too)."""
    require_role(actor, ("is_office",), "只有办公室值班员可以结束突发事件监测。")
    pk = watch.pk if isinstance(watch, EmergencyWatch) else watch
    watch = EmergencyWatch.objects.select_for_update().get(pk=pk)
    now = timezone.now()
    if watch.until <= now:
        raise Conflict("该突发事件监测已经结束。")
    watch.ended_at = now
    watch.save(update_fields=["ended_at"])
    later = PatrolSlot.objects.filter(kind=PatrolSlot.Kind.EMERGENCY, starts_at__gte=now, record__isnull=True)
    horizon = max((s.starts_at for s in later), default=now) + timedelta(seconds=1)
    kept = {s.starts_at for s in emergency_slots(now, horizon)}
    dropped = [s for s in later if s.starts_at not in kept]
    scheduling.cancel(county_patrol_deadlines().filter(pk__in=[s.deadline_id for s in dropped]))
    PatrolSlot.objects.filter(pk__in=[s.pk for s in dropped]).delete()
    patrol_days.refresh({(s.unit_id, patrol_days.local_day(s.starts_at)) for s in dropped})
    audit.record(
        actor,
        "emergency_ended",
        watch,
        before={"ends_at": watch.ends_at},
        after={"ended_at": now, "slots_cancelled": len(dropped)},
        ip=ip,
    )
    return watch


def watches_for(result: MatchResult, text: str, at: datetime) -> list[EmergencyWatch]:
    """The active watches an item belongs to: its keyword hits name the watch's topic, or its text holds one of the
    watch's own keywords."""
    watches = active_watches(at)
    if not watches:
        return []
    topics = {e.topic_id for e in result.hits}
    flat = normalise(text)
    return [w for w in watches if (w.topic_id and w.topic_id in topics) or _holds_own_word(w, flat)]


def _holds_own_word(watch: EmergencyWatch, flat: str) -> bool:
    """The watch's extra keywords, and its topic's own list in the risk library (reporting.RiskTopic.keywords, which
    the risk screening counts too)."""
    words = watch.keyword_list + (watch.topic.keyword_list if watch.topic_id and watch.topic else [])
    return any(normalise(k) in flat for k in words if normalise(k))


def report_at_once(result: MatchResult, text: str, *, title: str, incident=None, link: str = "") -> int:
    """第一时间报告: each matching new item is told to the office leaders now (inbox and SMS). Returns the number of
    watches it was reported for."""
    now = timezone.now()
    watches = watches_for(result, text, now)
    if not watches:
        return 0
    leaders = recipients.office_leaders()
    link = link or (reverse("incident_detail", args=[incident.pk]) if incident is not None else "")
    for watch in watches:
        if leaders:
            notify(
                leaders,
                title=f"【突发事件即报】{watch.title}：{title}",
                body=f"突发事件监测期间发现相关舆情，请即研判（{SOURCE}）。",
                link=link,
                incident=incident,
                channels="inbox,sms",
            )
        audit.record(
            None,
            "emergency_reported",
            watch,
            after={
                "item": title,
                "incident": incident.pk if incident is not None else None,
                "told": [u.pk for u in leaders],
            },
        )
    return len(watches)
