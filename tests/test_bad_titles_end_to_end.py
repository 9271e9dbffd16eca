"""Issue 10 §1, must show: a 200-character title, and one with a control character already stored, go all the
way: report → dispatch → breach → escalation → 延期申请 and 回应稿 → 专报 and 督报 → the 17:00 日报 (issued) → the
ledger, with every notice written (titles that fit their column) and every document opening with the title in
it. Lengths are asserted explicitly, since SQLite does not enforce varchar limits and PostgreSQL does."""

import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.db import models
from docx import Document
from openpyxl import load_workbook

from core.text import first_control_character
from deadlines import services as monitoring_services
from deadlines.models import Deadline, DeadlineStep, ExtensionRequest
from deadlines.sweep import run_timed_checks
from incidents import services
from incidents.models import Incident, ReplyDraft, TicketRole
from notifications.models import Notification
from notifications.notify import TITLE_MAX
from org.models import Membership
from reporting import services as reporting_services
from reporting.daily import compile_due_daily_reports
from reporting.forms import ReportEditForm
from reporting.ledger import INCIDENT_SHEET, TICKET_SHEET, build_ledger
from reporting.models import Report, ReportSettings

SH = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 23)

LONG_TITLE = ("网传城关镇第二小学食堂饭菜变质多名学生腹痛就医家长聚集校门要求说法。" * 7)[:200]
# What the office sees of the control-character title: the part before the invisible character is distinctive.
SHOWN = "网传城关二小食堂饭菜变质"
CONTROL_TITLE = SHOWN + "\x0b家长聚集\x1f校门要求说法"
CLEANED_TITLE = SHOWN + "家长聚集校门要求说法"  # how documents must print CONTROL_TITLE


def at(hh, mm=0, day=MONDAY):
    return datetime.combine(day, time(hh, mm), tzinfo=SH)


def _report_with_stored_title(org, title):
    """Reported and graded through the services; a control-character title can no longer be typed (every form
    and the API refuse it), so it is put into the row directly, as data stored before the rule would be."""
    typed = title if first_control_character(title) is None else "待替换的标题"
    incident = services.report_incident(
        org.duty,
        title=typed,
        summary="家长群截图流传，多名学生腹痛就医。",
        views=32000,
        comments=800,
        reposts=260,
        links=[{"platform": "微博", "url": "https://weibo.com/1234567/abc"}],
    )
    Incident.objects.filter(pk=incident.pk).update(title=title)
    services.grade_incident(org.duty, incident, grade="II", reason="点击量过万，家长聚集")
    incident.refresh_from_db()
    assert incident.title == title
    return incident


def _document_text(data):
    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    texts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(texts)


def _latest_document(report):
    version = report.versions.order_by("-number").first()
    with version.file.open("rb") as f:
        return f.read()


def _inbox(step_filter):
    return set(
        Notification.objects.filter(channel="inbox", **step_filter).values_list("recipient__username", flat=True)
    )


def _every_text_fits_its_column():
    """Every row the walk wrote, in every model of the project: no text longer than its column (PostgreSQL would
    have refused it; SQLite stores it silently)."""
    for model in apps.get_models():
        if model._meta.app_label not in (
            "core",
            "org",
            "workcalendar",
            "incidents",
            "deadlines",
            "notifications",
            "reporting",
        ):
            continue
        limited = [f for f in model._meta.concrete_fields if isinstance(f, models.CharField) and f.max_length]
        for row in model.objects.values_list("pk", *[f.attname for f in limited]):
            for field, value in zip(limited, row[1:], strict=True):
                assert value is None or len(value) <= field.max_length, (model.__name__, row[0], field.name, len(value))


@pytest.mark.parametrize("title", [LONG_TITLE, CONTROL_TITLE], ids=["200-characters", "control-character"])
def test_a_bad_title_goes_through_every_step_every_notice_and_every_document(
    org, title, django_capture_on_commit_callbacks
):
    assert len(LONG_TITLE) == 200
    shown = CLEANED_TITLE if title == CONTROL_TITLE else title
    head = title[:24] if title == LONG_TITLE else SHOWN  # what every notice about it must still say
    Membership.objects.filter(user=org.edu_leader).update(phone="13800000000")
    ReportSettings.current().distribution.set([org.leader, org.edu_leader])

    # 10:00 报送, 研判 (较大), 转办 to 教育局 (lead) and 卫健委 (assist).
    with time_machine.travel(at(10), tick=False), django_capture_on_commit_callbacks(execute=True):
        incident = _report_with_stored_title(org, title)
        lead, assist = services.dispatch_incident(
            org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )

    # Nobody claims: the claim deadline (2 h) breaches at 12:00 and escalates 2 h later (002 第六条).
    for hour in (12, 14):
        with time_machine.travel(at(hour), tick=False), django_capture_on_commit_callbacks(execute=True):
            fired = run_timed_checks()
        assert fired and all(not f.outcome.startswith("failed") for f in fired), fired
    assert not DeadlineStep.objects.filter(state=DeadlineStep.State.FAILED).exists()
    assert not DeadlineStep.objects.filter(state=DeadlineStep.State.PENDING, fire_at__lte=at(14)).exists()
    claim = Deadline.objects.get(ticket=lead, kind="claim")
    claim_assist = Deadline.objects.get(ticket=assist, kind="claim")
    assert claim.state == "breached"
    # 督办: the unit's liaisons, the office, and (逾期未认领) the unit's leader; 升级: the leaders and the office.
    assert _inbox({"step__deadline": claim, "step__step": "breach"}) == {"edu_l", "edu_l2", "duty", "edu_leader"}
    assert _inbox({"step__deadline": claim, "step__step": "escalate"}) == {"edu_leader", "duty"}
    assert _inbox({"step__deadline": claim_assist, "step__step": "breach"}) == {"health_l", "duty", "leader"}
    assert _inbox({"step__deadline": claim_assist, "step__step": "escalate"}) == {"leader", "duty"}
    breach_sms = Notification.objects.get(
        step__deadline=claim, step__step="breach", channel="sms", recipient=org.edu_leader
    )
    assert breach_sms.status == "sent"
    for notice in Notification.objects.filter(step__deadline__in=[claim, claim_assist]):
        assert head in notice.title and notice.title.startswith(("【督办】", "【逾期升级】")), notice.title

    # 14:30 the unit claims late, asks for more time and drafts a reply: neither may fail for this title.
    with time_machine.travel(at(14, 30), tick=False), django_capture_on_commit_callbacks(execute=True):
        services.claim_ticket(org.edu_liaison, lead)
        current = monitoring_services.extendable_deadline(lead)
        monitoring_services.request_extension(
            org.edu_liaison,
            lead,
            requested_due_at=current.due_at + timedelta(days=2),
            reason="需调取监控，核查时间较长",
        )
        services.draft_reply(
            org.edu_liaison,
            lead,
            kind="initial",
            channel="县教育局官方微博",
            content="我局已关注网民反映的情况，正在核查。",
        )
    assert ExtensionRequest.objects.filter(ticket=lead, state="pending").exists()
    assert ReplyDraft.objects.filter(ticket=lead).exists()
    asked = Notification.objects.get(channel="inbox", title__startswith="【延期申请】", recipient=org.duty)
    assert head in asked.title

    # 15:00 the office drafts a 专报 for the leaders and issues a 督报 to the unit that still has not claimed.
    with time_machine.travel(at(15), tick=False), django_capture_on_commit_callbacks(execute=True):
        special = reporting_services.create_special_report(org.duty, incident)
        supervision = reporting_services.issue_supervision_notice(
            org.duty, assist, reason="逾期未认领，请立即认领并核查", due_at=at(17)
        )
    for report in (special, supervision):
        assert shown in _document_text(_latest_document(report)), report.kind

    # 17:00 the beat compiles the 日报; the office issues it to the distribution list.
    with time_machine.travel(at(17, 1), tick=False), django_capture_on_commit_callbacks(execute=True):
        daily = compile_due_daily_reports()
        reporting_services.issue_report(org.duty, daily)
    assert daily is not None and daily.kind == Report.Kind.DAILY
    # The office can edit the compiled 日报 as it is: its stored text carries nothing the edit form would refuse.
    texts = {part["key"]: part.get("text", "") for part in daily.content["sections"]}
    assert ReportEditForm(data=texts, report=daily).is_valid()
    text = _document_text(_latest_document(daily))
    assert shown in text
    assert first_control_character(text.replace("\t", "").replace("\n", "")) is None
    issued = set(
        Notification.objects.filter(incident=None, title__contains="舆情日报", channel="inbox").values_list(
            "recipient__username", flat=True
        )
    )
    assert issued == {"leader", "edu_leader"}

    # The ledger of the day: one row for the incident, one per ticket, the title readable in each.
    with time_machine.travel(at(17, 30), tick=False):
        book = load_workbook(io.BytesIO(build_ledger(start=at(0), end=at(0, day=MONDAY + timedelta(days=1)))))
    incident_rows = list(book[INCIDENT_SHEET].iter_rows(min_row=2, values_only=True))
    ticket_rows = list(book[TICKET_SHEET].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in incident_rows] == [shown]
    assert [row[1] for row in ticket_rows] == [shown, shown]

    # Every notice the walk produced, and every other row, fits its column.
    assert Notification.objects.exists()
    assert max(len(t) for t in Notification.objects.values_list("title", flat=True)) <= TITLE_MAX
    assert not any(first_control_character(t) for t in Notification.objects.values_list("title", flat=True))
    _every_text_fits_its_column()
