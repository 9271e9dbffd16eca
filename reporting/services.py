"""Every write of reports and submissions. Each checks permission, validates, writes the change and its
audit row in one transaction; notices are rows in the same transaction (email/SMS go out after commit).
Order of checks as in incidents.services: visibility (404), role (403), state (409), input (400)."""

import datetime
from collections.abc import Iterable, Mapping

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from deadlines.models import DeadlineKind
from deadlines.scheduling import cancel, create_deadline
from deadlines.selectors import county_deadlines
from incidents import services
from incidents.models import Incident, LeaderReport, Ticket
from incidents.selectors import county_tickets, visible_incidents, visible_tickets
from monitoring import candidates
from notifications.notify import notify
from org import recipients as monitoring_recipients
from org.access import access_for, require_role
from org.models import Membership, Role, Unit
from reporting import daily, documents, risk, special, submissions, supervision
from reporting.models import DailySubmission, Report, ReportSettings, ReportVersion, RiskTopic
from reporting.versions import save_version
from workcalendar.working_days import WorkCalendar


def _locked_report(report: Report | int) -> Report:
    return Report.objects.select_for_update().get(pk=report.pk if isinstance(report, Report) else report)


def report_link(report: Report) -> str:
    return reverse("report_detail", args=[report.pk])


def _future_due(
    due_at: datetime.datetime | None, now: datetime.datetime, *, required: bool
) -> datetime.datetime | None:
    if due_at is None:
        if required:
            raise InvalidInput("请填写办理时限。", {"due_at": ["请填写办理时限。"]})
        return None
    if timezone.is_naive(due_at):
        raise InvalidInput("办理时限须带时区。", {"due_at": ["办理时限须带时区。"]})
    if due_at <= now:
        raise InvalidInput("办理时限须晚于现在。", {"due_at": ["办理时限须晚于现在。"]})
    return due_at


def _unit_people(unit: Unit | None) -> list[User]:
    return list({u.pk: u for u in monitoring_recipients.liaisons(unit) + monitoring_recipients.leaders(unit)}.values())


def _notify_issued(report: Report, people: Iterable[User]) -> None:
    notify(
        people,
        title=f"【{report.get_kind_display()}】{report.title}",
        link=report_link(report),
        incident=report.incident,
        ticket=report.ticket,
    )


# --- editing and issuing ---------------------------------------------------------------------------


@transaction.atomic
def edit_report(
    actor: User, report: Report | int, *, texts: Mapping[str, str | None], ip: str | None = None
) -> ReportVersion:
    """The office edits a draft's section texts before issuing (issue 6); each edit is a new version."""
    require_role(actor, "is_office", "只有办公室值班员可以修改报告。")
    report = _locked_report(report)
    if report.status != Report.Status.DRAFT:
        raise Conflict(f"该报告{report.get_status_display()}，不能再修改。")
    current = {s["key"]: s.get("text", "") for s in report.content.get("sections", [])}
    unknown = set(texts) - set(current)
    if unknown:
        raise InvalidInput(f"未知的报告章节：{'、'.join(sorted(unknown))}")
    texts = {key: (text or "").strip() for key, text in texts.items()}
    changed = sorted(key for key, text in texts.items() if text != current[key].strip())
    if not changed:
        raise InvalidInput("内容没有修改。")
    report.content = documents.with_section_texts(report.content, texts)
    report.save(update_fields=["content"])
    version = save_version(
        report, data=documents.render_docx(report.content), content=report.content, actor=actor, note="编辑修改"
    )
    audit.record(
        actor,
        "report_edited",
        report,
        before={k: current[k] for k in changed},
        after={k: texts[k] for k in changed} | {"version": version.number},
        ip=ip,
        incident=report.incident,
        ticket=report.ticket,
    )
    return version


def _issue_recipients(report: Report) -> list[User]:
    if report.kind in Report.PERIODIC:
        return list(ReportSettings.current().distribution.filter(is_active=True))
    if report.kind in Report.RECALLABLE:
        return _unit_people(report.unit)
    return list(report.recipients.filter(is_active=True))


def _section_text(report: Report, key: str) -> str:
    return next((s.get("text", "") for s in report.content.get("sections", []) if s["key"] == key), "")


ISSUED_ACTIONS: dict[str, str] = {
    Report.Kind.SUPERVISION: "supervision_issued",
    Report.Kind.RISK_NOTICE: "risk_notice_issued",
}


def _number_on_issue(report: Report, now: datetime.datetime) -> None:
    """A 督报 or 风险提示函 takes its 发文字号 and 成文日期 when it is issued (GB/T 9704-2012 7.2.4, 7.3.5.1: the
    number is given to what is sent, so a draft that is never issued leaves no gap), and is rendered again with
    them as the issued version; the office's edits of the draft are kept."""
    numbers = documents.take_number(report.kind, now)
    for field, value in numbers.items():
        setattr(report, field, value)
    main_recipient = report.content.get("main_recipient", "")
    report.content = {
        **report.content,
        **documents.letterhead(report.kind, numbers, now=now, main_recipient=main_recipient),
    }


@transaction.atomic
def issue_report(actor: User, report: Report | int, *, ip: str | None = None) -> Report:
    """签发: the report becomes final, who and when are recorded, and its recipients are told (the
    distribution list for the 日报 and periodic reports; the leaders chosen at creation for a 专报; the unit's
    liaisons and leaders for a 督报 or 风险提示函, which are numbered now and may be recalled for a while,
    recall_report); the 日报 also by SMS (004 三(二))."""
    require_role(actor, "is_office", "只有办公室值班员可以签发报告。")
    now = timezone.now()
    report = _locked_report(report)
    if report.status == Report.Status.ISSUED:
        raise Conflict("该报告已签发。")
    if report.status == Report.Status.RECALLED:
        raise Conflict("该文书已撤回，不能再签发；如需发出，请重新编制。")
    people = _issue_recipients(report)
    if not people:
        if report.kind in Report.RECALLABLE:
            raise InvalidInput(f"{report.unit}没有在岗的联络员或领导，无法签发：请管理员先配置该单位人员。")
        raise InvalidInput("没有报送对象：请管理员在“报告设置”中配置报送领导名单。")
    extra: dict = {}
    if report.kind == Report.Kind.SUPERVISION:
        extra = _issue_supervision(report, now)
    elif report.kind == Report.Kind.RISK_NOTICE:
        extra = _issue_risk_notice(report, now)
    if report.kind in Report.RECALLABLE:
        _number_on_issue(report, now)
    report.status, report.issued_by, report.issued_at = Report.Status.ISSUED, actor, now
    report.save()
    report.recipients.set(people)
    if report.kind in Report.RECALLABLE:
        save_version(
            report, data=documents.render_docx(report.content), content=report.content, actor=actor, note="签发"
        )
    if report.kind == Report.Kind.DAILY:
        # 004 三(二): the 日报 goes to the leaders "以手机短信形式", besides the inbox; the SMS is the title and link.
        notify(
            people,
            title=daily.sms_text(report),
            link=report_link(report),
            channels="inbox,sms",
            body="\n".join(s.get("text", "") for s in report.content.get("sections", [])[:1]),
        )
    else:
        _notify_issued(report, people)
    audit.record(
        actor,
        ISSUED_ACTIONS.get(report.kind, "report_issued"),
        report,
        before={"status": Report.Status.DRAFT},
        after={"status": report.status, "recipients": [p.pk for p in people], "doc_number": report.doc_number} | extra,
        reason=_section_text(report, "reason") if report.kind == Report.Kind.SUPERVISION else "",
        ip=ip,
        incident=report.incident,
        ticket=report.ticket,
    )
    if report.kind == Report.Kind.SPECIAL and report.incident_id:
        _special_report_reached_leaders(actor, report, report.incident_id, people, ip)
    return report


def _special_report_reached_leaders(
    actor: User, report: Report, incident_id: int, people: Iterable[User], ip: str | None
) -> None:
    """A 专报 issued to the leaders the grade requires is the report to the leaders (`004` 三(三); 002 第八条 2 hours,
    001 #4 第十三条 30 minutes): it is recorded as a LeaderReport by the system, which meets that deadline and
    shows in the incident's history of reports."""
    names = "、".join(p.get_full_name() or p.get_username() for p in people)
    services.record_leader_report(
        actor,
        incident_id,
        channel=LeaderReport.Channel.SYSTEM,
        reported_to=names if len(names) <= 200 else names[:199] + "…",
        note=f"签发{report.get_kind_display()}：{report.title}",
        reported_at=report.issued_at,
        ip=ip,
    )


# --- 舆情专报 -------------------------------------------------------------------------------------


@transaction.atomic
def create_special_report(actor: User, incident: Incident | int, *, ip: str | None = None) -> Report:
    """A 专报 for a 重大/特别重大 incident (`004` 三(三); docs/rules.md §4.6), drafted from the template for the
    office to edit, addressed to the county leaders and the lead and involved units' leaders."""
    pk = incident.pk if isinstance(incident, Incident) else incident
    found = visible_incidents(actor).select_related("subject_unit").filter(pk=pk).first()
    if found is None:
        raise NotFound("舆情不存在或无权查看。")
    incident = found
    require_role(actor, "is_office", "只有办公室值班员可以编制舆情专报。")
    if incident.grade not in special.SPECIAL_GRADES:
        grade = incident.get_grade_display() if incident.grade else "未定级"
        raise InvalidInput(f"舆情专报仅用于重大、特别重大舆情；该舆情当前等级为「{grade}」。")
    tickets = list(incident.tickets.select_related("unit").order_by("role", "id"))
    links = list(incident.links.all())
    sequence = Report.objects.filter(kind=Report.Kind.SPECIAL, incident=incident).count() + 1
    numbers = documents.take_number(Report.Kind.SPECIAL)
    content = special.compile_special_content(incident, tickets, links, sequence=sequence, numbers=numbers)
    lead = special.lead_ticket_of(tickets)
    report = Report.objects.create(
        kind=Report.Kind.SPECIAL,
        title=f"{content['title']}：{incident.title}"[:200],
        incident=incident,
        unit=lead.unit if lead else incident.subject_unit,
        content=content,
        created_by=actor,
        **numbers,
    )
    report.recipients.set(special.required_recipients(incident, lead))
    save_version(report, data=documents.render_docx(content), content=content, actor=actor, note="按模板生成")
    audit.record(
        actor,
        "special_report_created",
        report,
        after={"title": report.title, "grade": incident.grade},
        ip=ip,
        incident=incident,
    )
    return report


# --- 舆情督报 -------------------------------------------------------------------------------------


def supervision_count(ticket: Ticket) -> int:
    """How many 督报 the ticket's unit has received: issued ones only (a draft was never sent, a recalled one was
    withdrawn; docs/rules.md §9.17 counts notices that went out)."""
    return Report.objects.filter(kind=Report.Kind.SUPERVISION, ticket=ticket, status=Report.Status.ISSUED).count()


@transaction.atomic
def draft_supervision_notice(
    actor: User,
    ticket: Ticket | int,
    *,
    reason: str | None,
    due_at: datetime.datetime | None,
    urgency: str = "",
    ip: str | None = None,
) -> Report:
    """A 督报 to the ticket's unit (`004` 二(五)) drafted for the office to preview, edit and then issue
    (issue_report): nobody is told yet, no number is taken and no deadline runs until it is issued."""
    now = timezone.now()
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    locked = (
        visible_tickets(actor).select_for_update(of=("self",)).select_related("incident", "unit").filter(pk=pk).first()
    )
    if locked is None:
        raise NotFound("转办单不存在或无权查看。")
    ticket = locked
    require_role(actor, "is_office", "只有办公室值班员可以编制舆情督报。")
    if not ticket.is_open:
        raise Conflict(f"转办单已{ticket.get_status_display()}，无需督报。")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写督办原因。", {"reason": ["请填写督办原因。"]})
    due_at = _future_due(due_at, now, required=True)
    urgency = _urgency(urgency)
    sequence = supervision_count(ticket) + 1
    content = supervision.compile_supervision_content(ticket, reason=reason, due_at=due_at, sequence=sequence) | (
        {"urgency": urgency} if urgency else {}
    )
    report = Report.objects.create(
        kind=Report.Kind.SUPERVISION,
        title=supervision.title_of(sequence, ticket),
        incident=ticket.incident,
        ticket=ticket,
        unit=ticket.unit,
        content=content,
        due_at=due_at,
        created_by=actor,
    )
    save_version(report, data=documents.render_docx(content), content=content, actor=actor, note="草稿")
    audit.record(
        actor,
        "supervision_drafted",
        report,
        after={"unit": ticket.unit.name, "due_at": due_at, "urgency": urgency},
        reason=reason,
        ip=ip,
        incident=ticket.incident,
        ticket=ticket,
    )
    return report


def _issue_supervision(report: Report, now: datetime.datetime) -> dict:
    """What issuing a 督报 adds: the ticket must still be open and the time limit still ahead; the notice is
    counted (第N次) among the issued ones, and its deadline starts now. Returns the audit's extra fields."""
    assert report.ticket_id is not None  # a 督报 is always on a ticket (draft_supervision_notice)
    ticket = (
        county_tickets().select_for_update(of=("self",)).select_related("incident", "unit").get(pk=report.ticket_id)
    )
    if not ticket.is_open:
        raise Conflict(f"转办单已{ticket.get_status_display()}，无需督报；该草稿不能签发。")
    _issuable_due(report, now)
    sequence = supervision_count(ticket) + 1
    report.title = supervision.title_of(sequence, ticket)
    report.content = {
        **report.content,
        "title": f"舆情督报（第{sequence}次）",
        "figures": {**report.content.get("figures", {}), "sequence": sequence},
    }
    report.deadline = create_deadline(
        kind=DeadlineKind.SUPERVISION,
        incident=ticket.incident,
        ticket=ticket,
        started_at=now,
        calendar=WorkCalendar.load(),
        due_at=report.due_at,
    )
    return {"unit": ticket.unit.name, "count": sequence, "due_at": report.due_at, "deadline": report.deadline.pk}


def _issuable_due(report: Report, now: datetime.datetime) -> None:
    if report.due_at is not None and report.due_at <= now:
        message = "办理时限已过，不能按此草稿签发；请重新编制并填写新的时限。"
        raise InvalidInput(message, {"due_at": [message]})


def _urgency(value: str | None) -> str:
    """紧急程度 as GB/T 9704-2012 7.2.3 names it for a 公文: 特急 or 加急, or none."""
    value = (value or "").strip()
    if value and value not in documents.URGENCIES:
        raise InvalidInput("紧急程度只能是“特急”“加急”或不标注。", {"urgency": ["请选择特急、加急或不标注。"]})
    return value


@transaction.atomic
def issue_supervision_notice(
    actor: User,
    ticket: Ticket | int,
    *,
    reason: str | None,
    due_at: datetime.datetime | None,
    urgency: str = "",
    ip: str | None = None,
) -> Report:
    """Draft and issue a 督报 in one step, for callers that do not preview (scripts, tests); the pages draft first.
    Either both happen or neither."""
    report = draft_supervision_notice(actor, ticket, reason=reason, due_at=due_at, urgency=urgency, ip=ip)
    return issue_report(actor, report, ip=ip)


# --- 网络风险提示函 ---------------------------------------------------------------------------------


@transaction.atomic
def draft_risk_notice(
    actor: User,
    topic: RiskTopic | int,
    *,
    requirements: str = "",
    due_at: datetime.datetime | None = None,
    urgency: str = "",
    ip: str | None = None,
) -> Report:
    """A 网络风险提示函 to the risk point's unit (`004` 二(二), 五(二)) drafted for the office to preview, edit and
    then issue (issue_report); nobody is told and no number is taken until then."""
    now = timezone.now()
    require_role(actor, "is_office", "只有办公室值班员可以编制网络风险提示函。")
    pk = topic.pk if isinstance(topic, RiskTopic) else topic
    found = RiskTopic.objects.select_related("unit").filter(pk=pk).first()
    if found is None:
        raise NotFound("风险点不存在。")
    topic = found
    if not topic.is_active:
        raise Conflict("该风险点已停用。")
    due_at = _future_due(due_at, now, required=False)
    urgency = _urgency(urgency)
    content = risk.compile_risk_notice_content(topic, now=now, requirements=requirements, due_at=due_at) | (
        {"urgency": urgency} if urgency else {}
    )
    report = Report.objects.create(
        kind=Report.Kind.RISK_NOTICE,
        title=f"网络风险提示函：{topic.name}"[:200],
        unit=topic.unit,
        risk_topic=topic,
        content=content,
        due_at=due_at,
        created_by=actor,
    )
    save_version(report, data=documents.render_docx(content), content=content, actor=actor, note="草稿")
    audit.record(
        actor,
        "risk_notice_drafted",
        report,
        after={
            "topic": topic.name,
            "unit": topic.unit.name,
            "matches": content["figures"]["matches"],
            "due_at": due_at,
            "urgency": urgency,
        },
        ip=ip,
    )
    return report


def _issue_risk_notice(report: Report, now: datetime.datetime) -> dict:
    _issuable_due(report, now)
    topic = report.risk_topic
    return {
        "topic": topic.name if topic else "",
        "unit": report.unit.name if report.unit else "",
        "matches": report.content.get("figures", {}).get("matches"),
        "due_at": report.due_at,
    }


@transaction.atomic
def issue_risk_notice(
    actor: User,
    topic: RiskTopic | int,
    *,
    requirements: str = "",
    due_at: datetime.datetime | None = None,
    urgency: str = "",
    ip: str | None = None,
) -> Report:
    """Draft and issue a 网络风险提示函 in one step, for callers that do not preview; the pages draft first."""
    report = draft_risk_notice(actor, topic, requirements=requirements, due_at=due_at, urgency=urgency, ip=ip)
    return issue_report(actor, report, ip=ip)


# --- recalling a 督报 or 风险提示函 ------------------------------------------------------------------


def recall_deadline(report: Report) -> datetime.datetime | None:
    """Until when the issuer may still recall `report` (None: not recallable, or the window is 0)."""
    minutes = ReportSettings.current().recall_minutes
    if report.kind not in Report.RECALLABLE or report.issued_at is None or not minutes:
        return None
    return report.issued_at + datetime.timedelta(minutes=minutes)


@transaction.atomic
def recall_report(actor: User, report: Report | int, *, reason: str | None, ip: str | None = None) -> Report:
    """撤回: the issuer withdraws a 督报 or 网络风险提示函 within ReportSettings.recall_minutes of issuing it (a
    product default, the seeds set none; docs/rules.md §5). Its recipients are told, it is marked 已撤回 and kept
    with its versions for the audit trail, a 督报's own deadline is cancelled and it no longer counts in the
    assessment. Its 发文字号 stays with it and is not given again: the next document takes the next number."""
    now = timezone.now()
    require_role(actor, "is_office", "只有办公室值班员可以撤回文书。")
    report = _locked_report(report)
    if report.kind not in Report.RECALLABLE:
        raise Conflict(f"{report.get_kind_display()}不能撤回。")
    if report.status == Report.Status.RECALLED:
        raise Conflict("该文书已撤回。")
    if report.status != Report.Status.ISSUED:
        raise Conflict("该文书尚未签发，无需撤回。")
    if report.issued_by_id != actor.pk:
        raise NotPermitted("只有签发人可以撤回该文书。")
    until = recall_deadline(report)
    if until is None or now > until:
        minutes = ReportSettings.current().recall_minutes
        window = f"签发后{minutes}分钟内" if minutes else "签发后即不能撤回"
        raise Conflict(f"已超过撤回时限（{window}），不能撤回；如需更正，请另行发文说明。")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写撤回原因。", {"reason": ["请填写撤回原因。"]})
    report.status, report.recalled_by, report.recalled_at, report.recall_reason = (
        Report.Status.RECALLED,
        actor,
        now,
        reason,
    )
    report.save(update_fields=["status", "recalled_by", "recalled_at", "recall_reason"])
    if report.deadline_id:
        cancel(county_deadlines().filter(pk=report.deadline_id), outcome="recalled")
    people = list(report.recipients.filter(is_active=True))
    notify(
        people,
        title=f"【撤回】{report.get_kind_display()}{report.doc_number}已撤回：{report.title}",
        body=f"撤回原因：{reason}。该文书作废，请勿执行；如有更正将另行发文。",
        link=report_link(report),
        incident=report.incident,
        ticket=report.ticket,
    )
    audit.record(
        actor,
        "report_recalled",
        report,
        before={"status": Report.Status.ISSUED},
        after={"status": report.status, "doc_number": report.doc_number, "recipients": [p.pk for p in people]},
        reason=reason,
        ip=ip,
        incident=report.incident,
        ticket=report.ticket,
    )
    return report


# --- units' daily submissions ----------------------------------------------------------------------


def collecting_units_for(actor: User) -> list[Unit]:
    """The collecting units this person files the daily submission for (`000` 二.1): the units they are a
    liaison of, and the office's own unit for its duty officers (县委网信办 collects too, and its people are duty
    officers, not liaisons) — each only if the admin listed it among the collecting units."""
    access = access_for(actor)
    if access.user_id is None:
        return []
    own = set(access.liaison_unit_ids)
    if access.is_office:
        own |= set(
            Membership.objects.filter(
                user_id=access.user_id, role=Role.DUTY_OFFICER, is_active=True, unit__is_active=True
            ).values_list("unit_id", flat=True)
        )
    return list(ReportSettings.current().collecting_units.filter(pk__in=own, is_active=True).order_by("path"))


def submit_daily_items(
    actor: User,
    *,
    unit: Unit | int,
    content: str,
    incidents: Iterable[Incident | int] = (),
    ip: str | None = None,
) -> DailySubmission:
    """A collecting unit's items for today ("标题+链接地址" lines or "无"). One per unit per day: submitting
    again the same day updates it. Late when first submitted after the configured time (docs/rules.md L1: "17时前");
    a later correction does not change when the unit first reported."""
    now = timezone.now()
    unit_pk = unit.pk if isinstance(unit, Unit) else unit
    found = next((u for u in collecting_units_for(actor) if u.pk == unit_pk), None)
    if found is None:
        raise NotPermitted("只有每日报送单位的联络员或值班员可以报送本单位的舆情信息（依据 000 二.1）。")
    unit = found
    submissions.parse_items(content)
    incident_ids = {i.pk if isinstance(i, Incident) else i for i in incidents}
    linked = list(visible_incidents(actor).filter(pk__in=incident_ids))
    if len(linked) != len(incident_ids):
        raise InvalidInput("关联的舆情不存在或无权查看。", {"incidents": ["关联的舆情不存在或无权查看。"]})
    day = timezone.localdate(now)
    try:
        submission = _save_submission(actor, unit, day, now, content.strip(), linked, ip)
    except IntegrityError:  # a colleague's first submission of the day won the insert: update it instead
        submission = _save_submission(actor, unit, day, now, content.strip(), linked, ip)
    candidates.candidates_from_submission(submission, actor=actor)  # each line a candidate for the office (issue 15)
    return submission


@transaction.atomic
def _save_submission(
    actor: User,
    unit: Unit,
    day: datetime.date,
    now: datetime.datetime,
    content: str,
    linked: list[Incident],
    ip: str | None,
) -> DailySubmission:
    existing = DailySubmission.objects.select_for_update().filter(unit=unit, date=day).first()
    if existing is None:
        cutoff = timezone.make_aware(datetime.datetime.combine(day, ReportSettings.current().submission_time))
        submission = DailySubmission.objects.create(
            unit=unit, date=day, submitted_at=now, submitted_by=actor, content=content, is_late=now > cutoff
        )
        submission.incidents.set(linked)
        audit.record(
            actor,
            "daily_submission",
            submission,
            after={
                "unit": unit.name,
                "date": day,
                "is_late": submission.is_late,
                "content": content,
                "incidents": [i.pk for i in linked],
            },
            ip=ip,
        )
        return submission
    before = {"content": existing.content, "incidents": sorted(existing.incidents.values_list("pk", flat=True))}
    existing.content, existing.submitted_by = content, actor
    existing.save(update_fields=["content", "submitted_by"])
    existing.incidents.set(linked)
    audit.record(
        actor,
        "daily_submission_updated",
        existing,
        before=before,
        after={"content": content, "incidents": [i.pk for i in linked], "updated_at": now},
        ip=ip,
    )
    return existing
