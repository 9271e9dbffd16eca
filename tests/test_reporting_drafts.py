"""督报 and 网络风险提示函 go out in three steps (issues 14, 18): a draft the office previews and edits, the
签发 by a duty officer (numbered then, the unit told, a 督报's deadline started), and a recall window
(ReportSettings.recall_minutes, 30 by default) in which the issuer may withdraw it: the unit is told, the document
is marked 已撤回 and kept, its number is not given again. After the window recall is refused in Chinese."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from docx import Document

from core.errors import Conflict, InvalidInput, NotPermitted
from core.models import AuditEvent
from deadlines.models import Deadline
from incidents import services as incident_services
from incidents.models import TicketRole
from notifications.models import Notification
from org.models import Role
from reporting import services
from reporting.models import Report, ReportSettings, RiskTopic
from tests.factories import person

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=SH)  # a Tuesday
UNIT_PEOPLE = {"edu_l", "edu_l2", "edu_leader"}


@pytest.fixture(autouse=True)
def tuesday_morning():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def lead(org, make_incident):
    incident = make_incident("网传某校食堂饭菜变质", grade="III")
    [lead] = incident_services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    return lead


@pytest.fixture
def topic(org, make_incident):
    make_incident("某校食堂饭菜变质")
    make_incident("校车超载")
    return RiskTopic.objects.create(name="校园安全", keywords="食堂，校车", unit=org.edu, threshold=2)


def docx_text(report):
    with report.latest_version.file.open("rb") as f:
        return "\n".join(p.text for p in Document(io.BytesIO(f.read())).paragraphs)


def told(report, word=""):
    rows = Notification.objects.filter(link=f"/reports/{report.pk}/", title__contains=word)
    return set(rows.values_list("recipient__username", flat=True))


# --- the draft ------------------------------------------------------------------------------------


def test_a_supervision_draft_tells_nobody_takes_no_number_and_starts_no_deadline(org, lead):
    draft = services.draft_supervision_notice(
        org.duty, lead, reason="逾期未反馈", due_at=NOW + timedelta(days=1), urgency="加急"
    )
    assert draft.status == Report.Status.DRAFT and draft.issued_at is None
    assert (draft.sequence, draft.doc_number) == (None, "")
    assert told(draft) == set() and not Deadline.objects.filter(kind="supervision").exists()
    assert services.supervision_count(lead) == 0
    assert draft.latest_version.note == "草稿" and "逾期未反馈" in docx_text(draft)
    assert AuditEvent.objects.filter(action="supervision_drafted", ticket=lead, reason="逾期未反馈").count() == 1


def test_the_draft_is_edited_then_issued_numbered_told_and_tracked(org, lead):
    draft = services.draft_supervision_notice(org.duty, lead, reason="逾期未反馈", due_at=NOW + timedelta(days=1))
    texts = {s["key"]: s["text"] for s in draft.content["sections"]} | {"reason": "反馈内容与事实不符。"}
    services.edit_report(org.duty, draft, texts=texts)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        issued = services.issue_report(org.duty, draft)
    assert issued.status == Report.Status.ISSUED and issued.issued_by == org.duty
    assert issued.doc_number == "县网舆督〔2026〕1号" and issued.title.startswith("舆情督报（第1次）")
    text = docx_text(issued)
    assert "县网舆督〔2026〕1号" in text and "反馈内容与事实不符" in text  # the edit is what went out
    assert [v.note for v in issued.versions.order_by("number")] == ["草稿", "编辑修改", "签发"]
    assert told(issued, "舆情督报") == UNIT_PEOPLE
    deadline = Deadline.objects.get(kind="supervision", ticket=lead)
    assert issued.deadline == deadline and deadline.due_at == NOW + timedelta(days=1)
    event = AuditEvent.objects.get(action="supervision_issued", ticket=lead)
    assert event.after["doc_number"] == "县网舆督〔2026〕1号" and event.reason == "反馈内容与事实不符。"
    with pytest.raises(Conflict, match="已签发"):
        services.issue_report(org.duty, issued)


def test_a_draft_whose_time_limit_has_passed_cannot_be_issued(org, lead, tuesday_morning):
    draft = services.draft_supervision_notice(org.duty, lead, reason="逾期", due_at=NOW + timedelta(hours=1))
    with time_machine.travel(NOW + timedelta(hours=2), tick=False), pytest.raises(InvalidInput, match="办理时限已过"):
        services.issue_report(org.duty, draft)
    draft.refresh_from_db()
    assert draft.status == Report.Status.DRAFT and told(draft) == set() and draft.sequence is None


def test_only_the_office_drafts_and_issues(org, lead, topic):
    with pytest.raises(NotPermitted):
        services.draft_supervision_notice(org.leader, lead, reason="x", due_at=NOW + timedelta(days=1))
    with pytest.raises(NotPermitted):
        services.draft_risk_notice(org.edu_liaison, topic)
    draft = services.draft_risk_notice(org.duty, topic)
    with pytest.raises(NotPermitted):
        services.issue_report(org.leader, draft)
    assert Report.objects.get().status == Report.Status.DRAFT


# --- recall ---------------------------------------------------------------------------------------


def test_the_issuer_recalls_within_the_window_and_the_unit_is_told(org, lead):
    notice = services.issue_supervision_notice(org.duty, lead, reason="逾期未反馈", due_at=NOW + timedelta(days=1))
    with time_machine.travel(NOW + timedelta(minutes=29), tick=False):
        services.recall_report(org.duty, notice, reason="督办对象有误")
    notice.refresh_from_db()
    assert notice.status == Report.Status.RECALLED and notice.recalled_by == org.duty
    assert notice.recall_reason == "督办对象有误" and notice.doc_number == "县网舆督〔2026〕1号"
    assert told(notice, "【撤回】") == UNIT_PEOPLE
    assert "督办对象有误" in Notification.objects.filter(title__contains="【撤回】").first().body
    assert Deadline.objects.get(kind="supervision").state == Deadline.State.CANCELLED
    assert services.supervision_count(lead) == 0  # no longer counted (nor in the assessment)
    assert notice.versions.count() == 2  # kept for the audit trail
    event = AuditEvent.objects.get(action="report_recalled")
    assert (event.reason, event.after["status"]) == ("督办对象有误", "recalled")
    # The number is not given again: the next notice takes the next one, and is the unit's first that counts.
    again = services.issue_supervision_notice(org.duty, lead, reason="逾期", due_at=NOW + timedelta(days=2))
    assert again.doc_number == "县网舆督〔2026〕2号" and again.title.startswith("舆情督报（第1次）")


def test_recall_after_the_window_is_refused_in_chinese_and_changes_nothing(org, topic):
    notice = services.issue_risk_notice(org.duty, topic)
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        with pytest.raises(Conflict, match="已超过撤回时限（签发后30分钟内）"):
            services.recall_report(org.duty, notice, reason="有误")
    notice.refresh_from_db()
    assert notice.status == Report.Status.ISSUED and told(notice, "【撤回】") == set()
    assert not AuditEvent.objects.filter(action="report_recalled").exists()


def test_the_window_is_the_admins_setting(org, topic):
    ReportSettings.current()
    ReportSettings.objects.filter(pk=1).update(recall_minutes=120)
    notice = services.issue_risk_notice(org.duty, topic)
    with time_machine.travel(NOW + timedelta(minutes=100), tick=False):
        services.recall_report(org.duty, notice, reason="风险点判断有误")
    assert Report.objects.get().status == Report.Status.RECALLED
    ReportSettings.objects.filter(pk=1).update(recall_minutes=0)
    second = services.issue_risk_notice(org.duty, topic)
    with pytest.raises(Conflict, match="签发后即不能撤回"):
        services.recall_report(org.duty, second, reason="有误")


def test_only_the_issuer_recalls_an_issued_notice_and_with_a_reason(org, lead, topic):
    colleague = person("duty2", org.office, Role.DUTY_OFFICER)
    notice = services.issue_risk_notice(org.duty, topic)
    with pytest.raises(NotPermitted, match="签发人"):
        services.recall_report(colleague, notice, reason="有误")
    with pytest.raises(NotPermitted):
        services.recall_report(org.edu_liaison, notice, reason="有误")
    with pytest.raises(InvalidInput, match="撤回原因"):
        services.recall_report(org.duty, notice, reason="  ")
    draft = services.draft_supervision_notice(org.duty, lead, reason="逾期", due_at=NOW + timedelta(days=1))
    with pytest.raises(Conflict, match="尚未签发"):
        services.recall_report(org.duty, draft, reason="有误")
    services.recall_report(org.duty, notice, reason="有误")
    with pytest.raises(Conflict, match="已撤回"):
        services.recall_report(org.duty, notice, reason="有误")
    with pytest.raises(Conflict, match="已撤回"):
        services.issue_report(org.duty, notice)
    texts = {s["key"]: "改写" for s in notice.content["sections"]}
    with pytest.raises(Conflict, match="已撤回，不能再修改"):  # kept as it went out, for the audit trail
        services.edit_report(org.duty, notice, texts=texts)
    assert AuditEvent.objects.filter(action="report_recalled").count() == 1


def test_the_admin_sets_the_recall_window(org, client):
    client.force_login(org.admin)
    settings = ReportSettings.current()
    page = client.get(f"/admin/reporting/reportsettings/{settings.pk}/change/").content.decode()
    assert "签发后可撤回时限（分钟）" in page and 'name="recall_minutes"' in page and 'value="30"' in page


# --- through the pages ----------------------------------------------------------------------------


def test_risk_notice_draft_preview_issue_recall_through_the_pages(org, topic, client):
    client.force_login(org.duty)
    response = client.post(f"/reports/risks/{topic.pk}/notice/", {"requirements": "", "due_at": ""})
    report = Report.objects.get(kind="risk_notice")
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "草稿预览" in page and "（签发时编号）" in page and "签发人可在 30 分钟内撤回" in page
    client.force_login(org.edu_liaison)  # the unit sees nothing of a draft
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    client.force_login(org.duty)
    assert client.post(f"/reports/{report.pk}/issue/").status_code == 302
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "县网舆函〔2026〕1号" in page and 'data-action="recall"' in page and "2026-11-24 10:30 前撤回" in page
    empty = client.post(f"/reports/{report.pk}/recall/", {"reason": ""})
    assert empty.status_code == 400 and "请填写撤回原因" in empty.content.decode()
    assert client.post(f"/reports/{report.pk}/recall/", {"reason": "主送单位有误"}).status_code == 302
    client.force_login(org.edu_liaison)  # the unit, told of the recall, reads it marked as recalled
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "已撤回" in page and "主送单位有误" in page and "请勿执行" in page


def test_a_late_recall_through_the_page_is_a_chinese_form_error(org, lead, client):
    client.force_login(org.duty)
    client.post(f"/reports/supervision/new/{lead.pk}/", {"reason": "逾期未反馈", "due_at": "2026-11-25T10:00"})
    report = Report.objects.get(kind="supervision")
    assert report.status == Report.Status.DRAFT and "草稿预览" in client.get(f"/reports/{report.pk}/").content.decode()
    client.post(f"/reports/{report.pk}/issue/")
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        page = client.get(f"/reports/{report.pk}/").content.decode()
        assert 'data-action="recall"' not in page and "已过，不能撤回" in page
        late = client.post(f"/reports/{report.pk}/recall/", {"reason": "有误"})
    assert late.status_code == 400 and "已超过撤回时限" in late.content.decode()
    report.refresh_from_db()
    assert report.status == Report.Status.ISSUED
