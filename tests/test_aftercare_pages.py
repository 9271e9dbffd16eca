"""后期处置 on the pages and in the quarterly 通报 (issue 17; 000 三.3): the office writes the 总结评估 on the follow-up
page (bad input is a 400 with the Chinese error and nothing written), the incident page shows it in its folded
follow-through, the report downloads for whoever sees the incident, and the quarter's 通报 counts the watches and the
evaluations done and overdue, read back from its .docx."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from docx import Document

from followup import aftercare, tasks
from followup.models import AftercareEvaluation, AftercareSettings
from incidents import services
from incidents.models import Feedback, TicketRole
from reporting.models import Report
from reporting.periodic import generate_periodic_report

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
CLOSED_AT = MONDAY + timedelta(hours=2)
FORM = {
    "trend": "销号后舆情平稳。",
    "worked": "当日核实、当日回应。",
    "went_wrong": "首次回应偏晚。",
    "to_change": "完善节假日值班安排。",
}


def docx_text(data):
    document = Document(io.BytesIO(bytes(data)))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.fixture(autouse=True)
def applies_from_last_week(db):
    AftercareSettings.objects.update_or_create(pk=1, defaults={"applies_from": MONDAY - timedelta(days=7)})


@pytest.fixture
def close(org):
    def make(title="网传某校食堂饭菜变质", when=MONDAY, **fields):
        with time_machine.travel(when, tick=False):
            incident = services.report_incident(org.duty, title=title, **fields)
            services.grade_incident(org.duty, incident, grade="IV", reason="测试研判")
            (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
            services.claim_ticket(org.edu_liaison, lead)
            services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="已整改。")
        with time_machine.travel(when + timedelta(hours=2), tick=False):
            services.close_incident(org.duty, incident, opinion="同意销号")
        incident.refresh_from_db()
        return incident

    return make


def test_the_office_writes_it_on_the_page_and_the_incident_page_shows_it(client, org, close):
    """000 三.3: the duty officer (who owns the 总结评估 deadline) reaches the form from the incident's follow-up page;
    the evaluation then shows on the incident page with its report, which downloads and reads back."""
    incident = close()
    with time_machine.travel(CLOSED_AT + timedelta(minutes=5), tick=False):
        tasks.run_aftercare()
    with time_machine.travel(CLOSED_AT + timedelta(days=1), tick=False):  # the session's idle timeout runs on it
        client.force_login(org.duty)
        page = client.get(reverse("followup_page", args=[incident.pk])).content.decode()
        assert "填写总结评估" in page and "000 三.3" in page and 'data-testid="form-aftercare"' in page
        done = client.post(reverse("followup_act", args=[incident.pk, "aftercare"]), FORM)
        assert done.status_code == 302
        evaluation = AftercareEvaluation.objects.get(incident=incident)
        response = client.get(reverse("incident_detail", args=[incident.pk]))
        assert response.status_code == 200
        detail = response.content.decode()
        assert 'data-testid="aftercare-evaluation"' in detail and "完善节假日值班安排。" in detail
        assert "填写总结评估" not in detail
        download = client.get(reverse("followup_evaluation_document", args=[evaluation.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert "完善节假日值班安排。" in docx_text(download.content)


def test_bad_input_is_a_400_in_chinese_and_nothing_is_written(client, org, close):
    """000 三.3: every part of the evaluation is required; the refusal is shown on the form, never a 500."""
    incident = close()
    with time_machine.travel(CLOSED_AT + timedelta(hours=1), tick=False):
        client.force_login(org.duty)
        response = client.post(reverse("followup_act", args=[incident.pk, "aftercare"]), FORM | {"worked": " "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请改正以下错误后重新提交。" in page and 'id="aftercare_worked_error"><li>该字段是必填项。' in page
    assert not AftercareEvaluation.objects.exists()


def test_a_unit_sees_no_form_and_a_hidden_incident_is_404(client, org, close):
    """000 三.3: the 总结评估 is the office's; a unit's liaison reads the section without the form, and whoever may
    not see the incident gets a 404 for its report."""
    incident = close()
    with time_machine.travel(CLOSED_AT + timedelta(hours=1), tick=False):
        evaluation = aftercare.write_evaluation(org.duty, incident, **FORM)
    client.force_login(org.edu_liaison)  # at the real time, after the evaluation
    page = client.get(reverse("followup_page", args=[incident.pk])).content.decode()
    assert "填写总结评估" not in page and "当日核实、当日回应。" in page
    refused = client.post(reverse("followup_act", args=[incident.pk, "aftercare"]), FORM)
    assert refused.status_code == 400
    client.force_login(org.police_liaison)
    assert client.get(reverse("followup_evaluation_document", args=[evaluation.pk])).status_code == 404


def test_the_quarterly_report_counts_watches_and_evaluations_done_and_overdue(org, close):
    """000 三.3 counted in the quarterly 通报 (002 第十二条 the quarter's handling): watches started, prompts, and the
    总结评估 due in the quarter written on time or overdue, read back from the generated .docx."""
    evaluated = close(title="网传某校食堂饭菜变质")
    close(title="县医院停车难问题", when=MONDAY + timedelta(hours=1))
    with time_machine.travel(CLOSED_AT + timedelta(hours=2), tick=False):
        tasks.run_aftercare()
    with time_machine.travel(CLOSED_AT + timedelta(days=2), tick=False):
        aftercare.write_evaluation(org.duty, evaluated, **FORM)
    with time_machine.travel(datetime(2027, 1, 1, 9, 0, tzinfo=SH), tick=False):
        tasks.run_aftercare()
        report = generate_periodic_report(Report.Kind.QUARTERLY, date(2026, 10, 1))
    figures = report.content["figures"]["aftercare"]
    assert figures["watches"] == 2 and figures["evaluations"] == 1
    assert (figures["on_time"], figures["overdue"], figures["pending"]) == (1, 1, 0)
    text = docx_text(report.versions.order_by("-number").first().file.read())
    assert "八、后期处置情况" in text
    assert "销号后进入持续关注2件" in text and "完成总结评估1件" in text and "逾期1件" in text
