"""Upward reports (issue 17): "属地在本区、责任主体不在本区的舆情，报市委办公厅、市委网宣办" (000 三); important items to
the city 网信办 (004 二(三)3). Recorded with the upper body (an admin-kept list), the time and the 专报 sent as a
上行文 whose 签发人 is the leader the office chose."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from docx import Document

from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent
from followup import services
from followup.models import UpperBody, UpwardReport
from reporting.documents import numbering
from reporting.models import Report, ReportSettings

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=SH)


def document_text(report):
    doc = Document(io.BytesIO(bytes(report.document)))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        parts += [c.text for row in t.rows for c in row.cells]
    return "\n".join(parts)


@pytest.fixture
def incident(make_incident):
    with time_machine.travel(MONDAY, tick=False):
        return make_incident(title="外区企业在本县施工扰民", grade="III")


def report(org, incident, **over):
    fields = {
        "body": UpperBody.objects.get(name="市委办公厅"),
        "signer": org.leader,
        "reason": "属地在本区、责任主体不在本区",
        "reported_at": MONDAY + timedelta(hours=2),
    } | over
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        return services.record_upward_report(org.duty, incident, **fields)


def test_recorded_audited_and_the_document_reads_back(org, incident):
    """000 三: the report names the upper body, the time and the leader who signed it off; the 专报 is a 上行文 to
    that body with the 签发人 printed in its 版头."""
    made = report(org, incident)
    assert made.body.name == "市委办公厅" and made.signer == org.leader
    text = document_text(made)
    assert "签发人" in text and org.leader.get_username() in text
    assert "市委办公厅" in text and "外区企业在本县施工扰民" in text
    event = AuditEvent.objects.get(action="upward_report_recorded")
    assert event.after["body"] == "市委办公厅" and event.incident_id == incident.pk


def test_the_signer_is_a_chosen_leader(org, incident):
    """004 二(三)3: the 签发人 of a 上行文 is a leader; a duty officer or a unit's liaison is refused."""
    with pytest.raises(InvalidInput) as err:
        report(org, incident, signer=org.edu_liaison)
    assert err.value.field_errors["signer"] == ["签发人须为县领导或办公室领导。"]
    assert not UpwardReport.objects.exists()


def test_an_inactive_upper_body_or_missing_reason_is_refused(org, incident):
    """000 三: only a body on the administrator's active list; nothing changes on bad input."""
    body = UpperBody.objects.create(name="已撤销的单位", is_active=False)
    with pytest.raises(InvalidInput) as err:
        report(org, incident, body=body, reason="  ", reported_at=MONDAY + timedelta(days=2))
    assert set(err.value.field_errors) == {"body", "reason", "reported_at"}
    assert not UpwardReport.objects.exists() and not AuditEvent.objects.filter(action="upward_report_recorded")


def test_only_the_office_reports_upward(org, incident):
    """004 二(三)3: the office reports to the city; a unit's liaison cannot."""
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False), pytest.raises(NotPermitted):
        services.record_upward_report(org.leader, incident, body=1, signer=org.leader, reason="x", reported_at=MONDAY)
    assert not UpwardReport.objects.exists()


def test_each_upward_report_gets_its_own_document_number_printed_in_the_masthead(org, incident):
    """GB/T 9704-2012 7.2.4 发文字号 of the 专报 sent upward (000 三; 004 二(三)3): the administrator's 专报（上行文）
    代字, the year in 〔〕 and the sequence of the year, stored on the record, printed in the 版头, audited."""
    ReportSettings.objects.update_or_create(pk=1, defaults={"number_prefix_special": "示县网舆报"})
    first = report(org, incident)
    second = report(org, incident, body=UpperBody.objects.get(name="市委网信办"))
    assert (first.year, first.sequence, first.doc_number) == (2026, 1, "示县网舆报〔2026〕1号")
    assert (second.sequence, second.doc_number) == (2, "示县网舆报〔2026〕2号")
    assert "示县网舆报〔2026〕1号" in document_text(first)
    assert "示县网舆报〔2026〕2号" in document_text(second) and "〔2026〕1号" not in document_text(second)
    assert AuditEvent.objects.filter(action="upward_report_recorded").last().after["doc_number"] == second.doc_number


def test_the_sequence_restarts_each_year_and_follows_the_reporting_series(org, incident):
    """GB/T 9704-2012 7.2.4: numbered within the year of sending; a 专报 the office already numbered as 上行文 in the
    reporting app with the same 代字 is not numbered again (one series, no duplicate 发文字号)."""
    Report.objects.create(
        kind=Report.Kind.SPECIAL, title="专报", year=2026, sequence=4, doc_number="县网舆报〔2026〕4号"
    )
    this_year = report(org, incident)
    assert this_year.sequence == 5 and this_year.doc_number.endswith("〔2026〕5号")
    new_year = datetime(2027, 1, 2, 9, 0, tzinfo=SH)
    with time_machine.travel(new_year + timedelta(hours=1), tick=False):
        next_year = services.record_upward_report(
            org.duty,
            incident,
            body=UpperBody.objects.get(name="市委办公厅"),
            signer=org.leader,
            reason="续报",
            reported_at=new_year,
        )
    assert (next_year.year, next_year.sequence) == (2027, 1)
    assert next_year.doc_number.endswith("〔2027〕1号") and next_year.doc_number in document_text(next_year)


def test_the_reporting_series_counts_the_upward_numbers_too(org, incident):
    """GB/T 9704-2012 7.2.4: with 专报按上行文印发 on, the reporting app's next 专报 number follows the upward 专报 of
    the same year, so the shared 代字 never gives a 发文字号 twice (000 三 upward reports)."""
    ReportSettings.objects.update_or_create(pk=1, defaults={"special_upward": True})
    upward = report(org, incident)
    assert upward.sequence == 1
    taken = numbering.take_number(Report.Kind.SPECIAL)
    assert taken["sequence"] == 2 and taken["doc_number"].endswith(f"〔{upward.year}〕2号")
    ReportSettings.objects.filter(pk=1).update(special_upward=False)
    assert numbering.take_number(Report.Kind.SPECIAL)["sequence"] == 1  # a 简报's 第N期 is its own series


def test_the_page_shows_each_upward_reports_document_number(client, org, incident):
    """GB/T 9704-2012 7.2.4: the office finds the 发文字号 it sent beside the upward report on the follow-up page
    (000 三 upward reports)."""
    sent = report(org, incident)
    client.force_login(org.duty)
    page = client.get(reverse("followup_page", args=[incident.pk])).content.decode()
    assert f'data-testid="upward-number">{sent.doc_number}<' in page
