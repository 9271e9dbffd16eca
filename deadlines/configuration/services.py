"""Writes an admin makes to the deadline engine's settings: deadline policies and the working-day
calendar. Each checks the admin role, validates, changes and audits in one transaction. Edits never
move existing deadlines: each deadline froze its rule when it was created (scheduling.create_deadline)."""

import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import InvalidInput, NotFound
from deadlines.models import CaseType, DeadlinePolicy, Scope, StartEvent
from deadlines.policy_text import CHANNEL_CHOICES
from incidents.models import Grade
from org.access import require_role
from workcalendar.holidays import sync_from_package
from workcalendar.models import CalendarDay, CalendarYear, WorkSettings
from workcalendar.working_days import parse_duration

POLICY_FIELDS = (
    "name",
    "grade",
    "case_type",
    "scope",
    "start_event",
    "duration",
    "reminder_leads",
    "escalate_after",
    "channels",
    "is_active",
    "source",
)


def _duration_error(spec: str, *, required: bool) -> str | None:
    if not spec:
        return "请填写时限。" if required else None
    try:
        amount, _ = parse_duration(spec)
    except ValueError as exc:
        return str(exc)
    return "时长须大于 0。" if amount == 0 and required else None


def _policy_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not values["name"]:
        errors["name"] = ["请填写名称。"]
    choices = {
        "grade": [""] + list(Grade.values),
        "case_type": CaseType.values,
        "scope": Scope.values,
        "start_event": StartEvent.values,
    }
    for field, allowed in choices.items():
        if values[field] not in allowed:
            errors[field] = ["请从列表中选择。"]
    if message := _duration_error(values["duration"], required=True):
        errors["duration"] = [message]
    for lead in values["reminder_leads"].split(","):
        if message := _duration_error(lead.strip(), required=False):
            errors["reminder_leads"] = [message]
    if message := _duration_error(values["escalate_after"], required=False):
        errors["escalate_after"] = [message]
    channels = [c for c in values["channels"].split(",") if c]
    if not channels:
        errors["channels"] = ["至少选择一种通知渠道。"]
    elif not set(channels) <= {value for value, _ in CHANNEL_CHOICES}:
        errors["channels"] = ["通知渠道只能是站内消息、电子邮件、手机短信。"]
    return errors


def _normalised(field: str, value: object) -> str | bool:
    if field == "is_active":
        return bool(value)
    value = "" if value is None else str(value).strip()
    if field in ("reminder_leads", "channels"):
        value = ",".join(part.strip() for part in value.split(",") if part.strip())
    return value.replace(" ", "") if field in ("duration", "escalate_after", "reminder_leads") else value


@transaction.atomic
def update_deadline_policy(
    actor: User, policy: DeadlinePolicy | int, *, ip: str | None = None, **changes: object
) -> DeadlinePolicy:
    """An admin edits a time limit (docs/rules.md §3.4: values the texts leave open are admin settings).
    Only new deadlines use the edit; the change and its before/after values go on the audit trail."""
    require_role(actor, "is_admin", "仅系统管理员可以修改时限规则和工作日历。")
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{'、'.join(sorted(unknown))}。")
    pk = policy.pk if isinstance(policy, DeadlinePolicy) else policy
    locked = DeadlinePolicy.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound("时限规则不存在。")
    policy = locked
    values = {field: _normalised(field, getattr(policy, field)) for field in POLICY_FIELDS}
    values |= {field: _normalised(field, value) for field, value in changes.items()}
    errors = _policy_errors(values)
    if errors:
        raise InvalidInput("时限规则未保存，请修改标出的内容。", errors)
    changed = {field: value for field, value in values.items() if getattr(policy, field) != value}
    if not changed:
        return policy
    before = {field: getattr(policy, field) for field in changed}
    for field, value in changed.items():
        setattr(policy, field, value)
    policy.save(update_fields=list(changed))
    audit.record(actor, "setting_change", policy, before=before, after=changed, ip=ip)
    return policy


def _year_in_range(year: int | None) -> int:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput("年份无效。", {"year": ["请填写 2000–2100 之间的年份。"]})
    return year


@transaction.atomic
def confirm_calendar_year(actor: User, year: int | None, *, ip: str | None = None) -> CalendarYear:
    """An admin confirms a year's holiday arrangement as published by 国务院办公厅. A year with no
    holiday entered cannot be confirmed: that would silently count every statutory holiday as worked."""
    require_role(actor, "is_admin", "仅系统管理员可以修改时限规则和工作日历。")
    year = _year_in_range(year)
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if not CalendarDay.objects.filter(date__range=(start, end), kind=CalendarDay.Kind.HOLIDAY).exists():
        raise InvalidInput(
            f"{year} 年尚未录入任何法定节假日，不能确认。请先按国务院办公厅通知录入放假和调休日期。",
            {"year": ["该年尚未录入节假日。"]},
        )
    row, _ = CalendarYear.objects.select_for_update().get_or_create(year=year)
    if row.confirmed:
        return row
    row.confirmed, row.confirmed_at = True, timezone.now()
    row.source = row.source or "管理员按国务院办公厅通知确认"
    row.save()
    audit.record(actor, "setting_change", row, before={"confirmed": False}, after={"confirmed": True}, ip=ip)
    return row


@transaction.atomic
def add_calendar_day(
    actor: User, *, date: datetime.date | None, kind: str, name: str | None = "", ip: str | None = None
) -> CalendarDay:
    """Enter one holiday (休) or make-up working day (调休上班) of a year's arrangement."""
    require_role(actor, "is_admin", "仅系统管理员可以修改时限规则和工作日历。")
    errors: dict[str, list[str]] = {}
    if not isinstance(date, datetime.date):
        errors["date"] = ["请填写日期。"]
    if kind not in CalendarDay.Kind.values:
        errors["kind"] = ["请选择类型。"]
    if errors or date is None:  # date is None only with its error recorded above
        raise InvalidInput("日期未保存，请修改标出的内容。", errors)
    _year_in_range(date.year)
    if kind == CalendarDay.Kind.HOLIDAY and date.weekday() >= 5:
        raise InvalidInput("周末本来就休息，不需要录入为节假日。", {"date": ["该日是周末。"]})
    if kind == CalendarDay.Kind.WORKDAY and date.weekday() < 5:
        raise InvalidInput("调休上班日应是周六或周日。", {"date": ["该日是工作日，不需要录入为调休上班。"]})
    if CalendarDay.objects.filter(date=date).exists():
        raise InvalidInput(f"{date:%Y-%m-%d} 已录入，请先删除原记录。", {"date": ["该日期已录入。"]})
    day = CalendarDay.objects.create(date=date, kind=kind, name=(name or "").strip())
    audit.record(actor, "setting_change", day, after={"date": date, "kind": kind, "name": day.name}, ip=ip)
    return day


@transaction.atomic
def remove_calendar_day(actor: User, day: CalendarDay | int, *, ip: str | None = None) -> None:
    require_role(actor, "is_admin", "仅系统管理员可以修改时限规则和工作日历。")
    pk = day.pk if isinstance(day, CalendarDay) else day
    locked = CalendarDay.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound("该日期记录不存在。")
    before = {"date": locked.date, "kind": locked.kind, "name": locked.name}
    audit.record(actor, "setting_delete", locked, before=before, ip=ip)
    locked.delete()


@transaction.atomic
def sync_calendar_from_package(actor: User, *, ip: str | None = None) -> dict[str, int | str]:
    """Add the days and years the maintained `chinesecalendar` package knows and the database lacks;
    never overwrites what an admin entered (holidays.sync_from_package)."""
    require_role(actor, "is_admin", "仅系统管理员可以修改时限规则和工作日历。")
    result = sync_from_package()
    audit.record(actor, "setting_change", None, after={"calendar_sync": result}, ip=ip)
    return result


@transaction.atomic
def update_work_hours(
    actor: User,
    *,
    morning_start: datetime.time | None,
    morning_end: datetime.time | None,
    afternoon_start: datetime.time | None,
    afternoon_end: datetime.time | None,
    ip: str | None = None,
) -> WorkSettings:
    """Office hours bound every 'working hours' limit. No seed defines them (docs/rules.md §3.3), so they
    are the admin's to set; the two periods must be in order and must not overlap."""
    require_role(actor, "is_admin", "仅系统管理员可以修改时限规则和工作日历。")
    if not (
        isinstance(morning_start, datetime.time)
        and isinstance(morning_end, datetime.time)
        and isinstance(afternoon_start, datetime.time)
        and isinstance(afternoon_end, datetime.time)
    ):
        raise InvalidInput("请填写完整的上下班时间。")
    times = [morning_start, morning_end, afternoon_start, afternoon_end]
    if not morning_start < morning_end:
        raise InvalidInput("工作时间未保存。", {"morning_end": ["上午下班须晚于上午上班。"]})
    if not morning_end <= afternoon_start:
        raise InvalidInput("工作时间未保存。", {"afternoon_start": ["下午上班不能早于上午下班。"]})
    if not afternoon_start < afternoon_end:
        raise InvalidInput("工作时间未保存。", {"afternoon_end": ["下午下班须晚于下午上班。"]})
    row = WorkSettings.objects.select_for_update().first() or WorkSettings()
    fields = ("morning_start", "morning_end", "afternoon_start", "afternoon_end")
    before = {f: getattr(row, f) for f in fields}
    after = dict(zip(fields, times, strict=True))
    changed = {f: v for f, v in after.items() if before[f] != v}
    if row.pk and not changed:
        return row
    for field, value in after.items():
        setattr(row, field, value)
    row.save()
    hhmm = {f: f"{v:%H:%M}" for f, v in changed.items()}
    audit.record(actor, "setting_change", row, before={f: f"{before[f]:%H:%M}" for f in changed}, after=hhmm, ip=ip)
    return row
