"""舆情专报, 舆情督报 and 网络风险提示函: who may create them, what they refuse, what the .docx holds, who is
told, who may see and download them (404 for everyone else), and the /reports/ pages."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from docx import Document

from core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from core.models import AuditEvent
from deadlines.models import Deadline
from deadlines.sweep import run_timed_checks
from incidents import services as incident_services
from incidents.models import TicketRole
from notifications.models import Notification
from reporting import services
from reporting.models import Report, ReportSettings, ReportVersion, RiskTopic
from reporting.risk import flagged_risk_topics, screen_risk_topics

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=SH)  # a Tuesday


@pytest.fixture(autouse=True)
def tuesday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def docx_text(report):
    version = report.versions.order_by("-number").first()
    with version.file.open("rb") as f:
        doc = Document(io.BytesIO(f.read()))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    return doc, headings, "\n".join(p.text for p in doc.paragraphs)


@pytest.fixture
def major(org, make_incident):
    incident = make_incident(
        "网传某镇化工厂泄漏",
        grade="II",
        summary="多名网民称闻到刺鼻气味。",
        views=120000,
        comments=3400,
        reposts=800,
        site_count=12,
        media_level="provincial",
        subject_unit=org.town,
        links=[{"platform": "微博", "url": "https://weibo.com/x"}, {"platform": "抖音", "url": "https://douyin.com/y"}],
    )
    lead, _ = incident_services.dispatch_incident(
        org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
    )
    return incident, lead


# --- 舆情专报 -------------------------------------------------------------------------------------


def test_special_report_from_the_template_to_the_leaders_the_grade_requires(org, major):
    incident, _ = major
    report = services.create_special_report(org.duty, incident)
    assert report.kind == "special" and report.status == "draft"
    # County leaders plus the lead unit's leaders (the town has none: its nearest is the county's).
    assert set(report.recipients.values_list("username", flat=True)) == {"leader", "edu_leader"}
    doc, headings, text = docx_text(report)
    assert headings == ["一、事件概况", "二、传播态势", "三、风险研判", "四、处置建议"]
    assert "网传某镇化工厂泄漏" in text and "多名网民称闻到刺鼻气味" in text and "浏览120000次" in text
    assert "省级媒体" in text and "教育局（主办）" in text
    links = doc.tables[0]
    assert [row.cells[0].text for row in links.rows[1:]] == ["微博", "抖音"]
    assert AuditEvent.objects.filter(action="special_report_created", incident=incident).count() == 1

    services.edit_report(org.duty, report, texts={"proposals": "建议县应急局牵头，今日内发布权威通报。"})
    services.issue_report(org.duty, report)
    notified = set(
        Notification.objects.filter(title__contains="舆情专报").values_list("recipient__username", flat=True)
    )
    assert notified == {"leader", "edu_leader"}
    assert "建议县应急局牵头，今日内发布权威通报。" in docx_text(report)[2]


def test_special_report_refused_for_lower_grades_and_non_office(org, make_incident, major):
    general = make_incident("一般事项", grade="IV")
    ungraded = make_incident("未定级事项")
    with pytest.raises(InvalidInput, match="仅用于重大、特别重大舆情.*Ⅳ级 一般"):
        services.create_special_report(org.duty, general)
    with pytest.raises(InvalidInput, match="未定级"):
        services.create_special_report(org.duty, ungraded)
    with pytest.raises(NotPermitted):
        services.create_special_report(org.leader, major[0])
    with pytest.raises(NotFound):  # the police liaison cannot see the incident at all
        services.create_special_report(org.police_liaison, major[0])
    assert not Report.objects.exists() and not ReportVersion.objects.exists()


# --- 舆情督报 -------------------------------------------------------------------------------------


def test_supervision_notice_is_counted_tracked_and_told_to_the_unit(org, major, django_capture_on_commit_callbacks):
    _, lead = major
    due = NOW + timedelta(hours=4)
    first = services.issue_supervision_notice(org.duty, lead, reason="逾期未认领", due_at=due)
    second = services.issue_supervision_notice(org.duty, lead, reason="反馈内容不实", due_at=due + timedelta(days=1))
    assert services.supervision_count(lead) == 2  # a count, not a flag (docs/rules.md §9.17)
    assert (first.title.startswith("舆情督报（第1次）"), second.title.startswith("舆情督报（第2次）")) == (True, True)
    assert first.status == "issued" and first.unit == org.edu and first.due_at == due
    _, headings, text = docx_text(first)
    assert headings == ["一、督办事项", "二、督办原因", "三、办理要求"]
    assert "逾期未认领" in text and "教育局" in text and "2026年11月24日14:00" in text
    told = set(Notification.objects.filter(link=f"/reports/{first.pk}/").values_list("recipient__username", flat=True))
    assert told == {"edu_l", "edu_l2", "edu_leader"}
    # The due time is a deadline of the engine: breached (督办 to the unit and office) when it passes.
    deadline = Deadline.objects.get(ticket=lead, kind="supervision", due_at=due)
    run_timed_checks(due)
    deadline.refresh_from_db()
    assert deadline.state == "breached"
    assert AuditEvent.objects.filter(action="supervision_issued", ticket=lead).count() == 2


def test_supervision_deadline_is_met_by_the_units_feedback(org, major):
    _, lead = major
    services.issue_supervision_notice(org.duty, lead, reason="处置不力", due_at=NOW + timedelta(days=1))
    incident_services.claim_ticket(org.edu_liaison, lead)
    incident_services.submit_feedback(org.edu_liaison, lead, kind="report", content="已核实并整改。")
    assert Deadline.objects.get(ticket=lead, kind="supervision").state == "met"


def test_supervision_notice_refuses_bad_input_and_changes_nothing(org, major, make_incident):
    _, lead = major
    with pytest.raises(NotPermitted):
        services.issue_supervision_notice(org.leader, lead, reason="x", due_at=NOW + timedelta(days=1))
    with pytest.raises(NotFound):
        services.issue_supervision_notice(org.police_liaison, lead, reason="x", due_at=NOW + timedelta(days=1))
    with pytest.raises(InvalidInput, match="督办原因"):
        services.issue_supervision_notice(org.duty, lead, reason="  ", due_at=NOW + timedelta(days=1))
    with pytest.raises(InvalidInput, match="晚于现在"):
        services.issue_supervision_notice(org.duty, lead, reason="逾期", due_at=NOW - timedelta(hours=1))
    with pytest.raises(InvalidInput, match="办理时限"):
        services.issue_supervision_notice(org.duty, lead, reason="逾期", due_at=None)
    incident_services.return_ticket(org.edu_liaison, lead, reason="不属于本单位职责")
    with pytest.raises(Conflict, match="无需督报"):
        services.issue_supervision_notice(org.duty, lead, reason="逾期", due_at=NOW + timedelta(days=1))
    assert not Report.objects.exists() and not Deadline.objects.filter(kind="supervision").exists()
    assert not AuditEvent.objects.filter(action="supervision_issued").exists()


# --- 网络风险提示函 ---------------------------------------------------------------------------------


@pytest.fixture
def school_topic(org, make_incident):
    topic = RiskTopic.objects.create(
        name="校园安全", keywords="食堂，校车", unit=org.edu, threshold=2, window_days=7, measures="加强食品安全检查。"
    )
    RiskTopic.objects.create(name="征地拆迁", keywords="拆迁", unit=org.town, threshold=1)
    RiskTopic.objects.create(name="停用的", keywords="食堂", unit=org.edu, threshold=1, is_active=False)
    with time_machine.travel(NOW - timedelta(days=8), tick=False):
        make_incident("旧的食堂问题")  # outside the 7-day window
    make_incident("某校食堂饭菜变质")
    make_incident("校车超载", summary="家长反映")
    make_incident("无关事项", summary="与学校无关")
    return topic


def test_risk_topics_flag_at_the_threshold_in_their_window(org, school_topic, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        screenings = {s.topic.name: s for s in screen_risk_topics()}
    assert set(screenings) == {"校园安全", "征地拆迁"}  # inactive topics are not screened
    assert screenings["校园安全"].matches == 2 and screenings["校园安全"].flagged
    assert screenings["征地拆迁"].matches == 0 and not screenings["征地拆迁"].flagged
    assert [s.topic for s in flagged_risk_topics()] == [school_topic]


def test_risk_notice_goes_to_the_topics_unit(org, school_topic):
    report = services.issue_risk_notice(org.duty, school_topic, due_at=NOW + timedelta(days=3))
    assert report.kind == "risk_notice" and report.status == "issued" and report.unit == org.edu
    doc, headings, text = docx_text(report)
    assert headings == ["一、风险情况", "二、防范措施", "三、工作要求"]
    assert "相关的网络信息2条" in text and "加强食品安全检查" in text
    assert sorted(row.cells[1].text for row in doc.tables[0].rows[1:]) == sorted(["校车超载", "某校食堂饭菜变质"])
    told = set(
        Notification.objects.filter(title__contains="网络风险提示函").values_list("recipient__username", flat=True)
    )
    assert told == {"edu_l", "edu_l2", "edu_leader"}
    with pytest.raises(NotPermitted):
        services.issue_risk_notice(org.edu_liaison, school_topic)
    with pytest.raises(InvalidInput, match="晚于现在"):
        services.issue_risk_notice(org.duty, school_topic, due_at=NOW - timedelta(days=1))
    assert Report.objects.filter(kind="risk_notice").count() == 1


# --- pages and downloads ---------------------------------------------------------------------------


def login(client, user):
    client.force_login(user)
    return client


def test_a_liaison_cannot_see_the_daily_report_and_another_unit_cannot_download_a_supervision_notice(
    org, major, client
):
    _, lead = major
    ReportSettings.current().distribution.set([org.leader])
    from reporting.daily import generate_daily_report

    with time_machine.travel(NOW.replace(hour=17), tick=False):
        daily = generate_daily_report(NOW.date(), actor=org.duty)
        services.issue_report(org.duty, daily)
        notice = services.issue_supervision_notice(org.duty, lead, reason="逾期", due_at=NOW + timedelta(days=1))
        daily_v, notice_v = daily.versions.get(), notice.latest_version

        login(client, org.edu_liaison)
        assert client.get(f"/reports/{daily.pk}/").status_code == 404
        assert client.get(f"/reports/{daily.pk}/versions/{daily_v.number}/download/").status_code == 404
        page = client.get("/reports/")
        assert daily.title not in page.content.decode() and notice.title in page.content.decode()
        response = client.get(f"/reports/{notice.pk}/versions/{notice_v.number}/download/")
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"] and ".docx" in response["Content-Disposition"]
        Document(io.BytesIO(b"".join(response.streaming_content)))  # a real document
        # The ticket page shows the liaison its notices.
        assert notice.title in client.get(f"/tickets/{lead.pk}/").content.decode()

        login(client, org.police_liaison)
        assert client.get(f"/reports/{notice.pk}/").status_code == 404
        assert client.get(f"/reports/{notice.pk}/versions/{notice_v.number}/download/").status_code == 404
        assert client.get(f"/reports/{daily.pk}/versions/{daily_v.number}/download/").status_code == 404

        login(client, org.leader)
        assert client.get(f"/reports/{daily.pk}/versions/{daily_v.number}/download/").status_code == 200
        assert client.get(f"/reports/{daily.pk}/").status_code == 200


def test_drafts_are_the_offices_only(org, major, client):
    report = services.create_special_report(org.duty, major[0])
    login(client, org.leader)  # a recipient, but not before it is issued
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    login(client, org.duty)
    page = client.get(f"/reports/{report.pk}/")
    assert page.status_code == 200 and "修改内容" in page.content.decode() and "签发" in page.content.decode()


def test_report_list_filters_by_kind_in_the_url_and_paginates(org, major, client):
    _, lead = major
    services.create_special_report(org.duty, major[0])
    for i in range(26):
        services.issue_supervision_notice(org.duty, lead, reason=f"第{i}次", due_at=NOW + timedelta(days=1))
    login(client, org.duty)
    body = client.get("/reports/?kind=special").content.decode()
    assert "舆情专报" in body and "舆情督报（第1次）" not in body
    first = client.get("/reports/?kind=supervision").content.decode()
    assert "第 1 / 2 页" in first and ("?kind=supervision&page=2" in first or "?kind=supervision&amp;page=2" in first)
    assert "舆情督报（第1次）" in client.get("/reports/?kind=supervision&page=2").content.decode()


def test_office_edits_and_issues_through_the_pages(org, major, client):
    report = services.create_special_report(org.duty, major[0])
    login(client, org.duty)
    texts = {s["key"]: s["text"] for s in report.content["sections"]} | {"risks": "存在线下聚集风险。"}
    assert client.post(f"/reports/{report.pk}/edit/", texts).status_code == 302
    assert report.versions.count() == 2
    same = client.post(f"/reports/{report.pk}/edit/", texts)  # nothing changed: refused, nothing written
    assert same.status_code == 400 and "内容没有修改" in same.content.decode() and report.versions.count() == 2
    client.post(f"/reports/{report.pk}/issue/")
    report.refresh_from_db()
    assert report.status == "issued" and report.issued_by == org.duty
    assert client.post(f"/reports/{report.pk}/edit/", texts).status_code == 400  # issued: no more edits


def test_special_and_supervision_buttons_on_the_incident_and_ticket_pages(org, major, client, make_incident):
    incident, lead = major
    login(client, org.duty)
    assert "编制舆情专报" in client.get(f"/incidents/{incident.pk}/").content.decode()
    general = make_incident("一般事项", grade="IV")
    assert "编制舆情专报" not in client.get(f"/incidents/{general.pk}/").content.decode()
    response = client.post(f"/reports/special/new/{incident.pk}/")
    report = Report.objects.get(kind="special")
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert "编制舆情督报" in client.get(f"/tickets/{lead.pk}/").content.decode()
    bad = client.post(f"/reports/supervision/new/{lead.pk}/", {"reason": "", "due_at": ""})
    assert bad.status_code == 400 and not Report.objects.filter(kind="supervision").exists()
    ok = client.post(f"/reports/supervision/new/{lead.pk}/", {"reason": "逾期未反馈", "due_at": "2026-11-25T10:00"})
    assert ok.status_code == 302 and Report.objects.filter(kind="supervision", ticket=lead).count() == 1
    login(client, org.edu_liaison)
    assert client.get(f"/reports/supervision/new/{lead.pk}/").status_code == 404


def test_risk_page_and_notice_through_the_pages(org, school_topic, client):
    login(client, org.duty)
    page = client.get("/reports/risks/").content.decode()
    assert "校园安全" in page and "预警" in page
    response = client.post(f"/reports/risks/{school_topic.pk}/notice/", {"requirements": "", "due_at": ""})
    assert response.status_code == 302 and Report.objects.filter(kind="risk_notice").count() == 1
    login(client, org.edu_liaison)
    assert client.get("/reports/risks/").status_code == 404


def test_admin_pages_for_reporting_models(org, major, school_topic, client):
    report = services.create_special_report(org.duty, major[0])
    ReportSettings.current().collecting_units.set([org.edu])
    services.submit_daily_items(org.edu_liaison, unit=org.edu, content="无")
    login(client, org.admin)
    for url in (
        "/admin/reporting/report/",
        f"/admin/reporting/report/{report.pk}/change/",
        "/admin/reporting/reportsettings/",
        "/admin/reporting/risktopic/add/",
        "/admin/reporting/dailysubmission/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    body = client.get(f"/admin/reporting/report/{report.pk}/change/").content.decode()
    assert "文档版本" in body and "下载 .docx" in body
    # Reports change only through the services (audit, versions): the admin cannot edit or delete them.
    assert client.post(f"/admin/reporting/report/{report.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Report.objects.filter(pk=report.pk).exists()


def test_notices_look_like_official_documents(org, major):
    """Black plain title and headings (not Word's blue), the 落款 right-aligned at the end, and every page A4
    portrait: a wide table narrows its type to the type area (issue 13; it used to take a landscape page)."""
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    from reporting import documents

    _, lead = major
    notice = services.issue_supervision_notice(org.duty, lead, reason="逾期未反馈", due_at=NOW + timedelta(days=1))
    doc, _, _ = docx_text(notice)
    office_line, date_line = [p for p in doc.paragraphs if p.style.name == "Signature"]
    assert (office_line.text, date_line.text) == ("县委办", "2026年11月24日")
    assert office_line.alignment == date_line.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    for style in ("Title", "Heading 1"):
        assert str(doc.styles[style].font.color.rgb) == "000000"
    assert doc.sections[0].orientation == WD_ORIENT.PORTRAIT

    ReportSettings.objects.filter(pk=1).update(issuer="示范县网络舆情工作领导小组办公室")
    second = services.issue_supervision_notice(org.duty, lead, reason="仍未反馈", due_at=NOW + timedelta(days=2))
    signature = [p.text for p in docx_text(second)[0].paragraphs if p.style.name == "Signature"]
    assert signature[0] == "示范县网络舆情工作领导小组办公室"  # the admin's 落款

    wide = {
        "title": "宽表",
        "sections": [documents.section("t", "一、表", "", documents.table(list("ABCDEFGHIJ"), [range(10)]))],
    }
    wide_doc = Document(io.BytesIO(documents.render_docx(wide)))
    page = wide_doc.sections[0]
    assert (page.orientation, round(page.page_width / Mm(1)), round(page.page_height / Mm(1))) == (
        WD_ORIENT.PORTRAIT,
        210,
        297,
    )
    grid = wide_doc.tables[0]._tbl.tblGrid
    assert sum(col.w for col in grid.gridCol_lst) <= page.page_width - page.left_margin - page.right_margin


def test_reading_a_report_on_a_confidential_incident_is_audited_and_hidden_from_the_uncleared(org, client):
    """A 专报 carries the incident's facts: it is no wider than the incident, and each read of it (page or
    download) leaves a confidential_read event, as reading the incident does."""
    from org.models import Role
    from tests.factories import person

    reporter = person("duty_secret", org.office, Role.DUTY_OFFICER)
    secret = incident_services.report_incident(reporter, title="涉密线索", is_confidential=True, views=9000)
    incident_services.grade_incident(reporter, secret, grade="II", reason="敏感")
    report = services.create_special_report(reporter, secret)
    reads = AuditEvent.objects.filter(action="confidential_read", incident=secret)

    client.force_login(org.duty)  # an office duty officer without the grant
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    assert not reads.exists()
    client.force_login(reporter)
    assert client.get(f"/reports/{report.pk}/").status_code == 200
    assert client.get(f"/reports/{report.pk}/versions/1/download/").status_code == 200
    assert [e.actor_id for e in reads] == [reporter.pk, reporter.pk]
