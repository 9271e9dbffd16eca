"""舆情日志 (002 第八条): each unit's log of the items it handled (date, number, title, grade, 主办/协办, claimed, fed
back, closed, on time), read by the unit's own people and the office; 敏感 titles masked for those not cleared;
filtered by date; exported to .xlsx and .docx (read back here)."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from incidents import services
from incidents.clearance import SENSITIVE_ONE
from incidents.models import TicketRole
from review import selectors

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def handled(org, make_incident):
    """教育局 leads one ordinary item (claimed) on 3 Nov, assists a confidential one on 10 Nov; its first liaison's
    clearance for the confidential one is withdrawn, the second keeps it."""
    with time_machine.travel(datetime(2026, 11, 3, 9, 0, tzinfo=SH), tick=False):
        plain = make_incident(title="网传某校食堂问题", grade="IV")
        (lead,) = services.dispatch_incident(org.duty, plain, assignments=[(org.edu, TicketRole.LEAD)])
        services.claim_ticket(org.edu_liaison, lead)
    with time_machine.travel(datetime(2026, 11, 10, 9, 0, tzinfo=SH), tick=False):
        secret = make_incident(title="涉腐线索某某", grade="III", is_confidential=True)
        services.dispatch_incident(
            org.duty, secret, assignments=[(org.health, TicketRole.LEAD), (org.edu, TicketRole.ASSIST)]
        )
    # Dispatch granted 教育局's liaisons; the office withdraws one grant (need-to-know ended).
    services.revoke_confidential_access(org.duty, secret, user=org.edu_liaison)
    return plain, secret


def test_a_unit_reads_only_its_own_log(org, handled):
    """002 第八条: the log is the unit's own; another unit's liaison reads none of it, the office every unit's."""
    assert [r.role for r in selectors.incident_log(org.edu_liaison, org.edu)] == ["主办", "协办"]
    assert selectors.incident_log(org.police_liaison, org.edu) == []
    assert list(selectors.log_units(org.police_liaison)) == [org.police]
    assert len(selectors.incident_log(org.duty, org.edu)) == 2
    row = selectors.incident_log(org.edu_liaison, org.edu)[0]
    assert row.number.startswith("YQ20261103") and row.grade.startswith("Ⅳ级") and row.claimed_at is not None
    # The page: another unit in the query string is refused as an invalid choice.
    from_page = _client(org.police_liaison).get(reverse("incident_log"), {"unit": org.edu.pk})
    assert from_page.status_code == 400 and "涉腐" not in from_page.content.decode()


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_sensitive_titles_are_masked_for_those_not_cleared(org, handled):
    """002 第八条 with 000 四.3 保密: the unit keeps the row of a 敏感 item; only cleared readers see its title."""
    masked = [r.title for r in selectors.incident_log(org.edu_liaison, org.edu)]
    cleared = [r.title for r in selectors.incident_log(org.edu_liaison2, org.edu)]
    assert masked == ["网传某校食堂问题", SENSITIVE_ONE]
    assert cleared == ["网传某校食堂问题", "涉腐线索某某"]
    page = _client(org.edu_liaison).get(reverse("incident_log")).content.decode()
    assert SENSITIVE_ONE in page and "涉腐线索某某" not in page


def test_the_log_filters_by_date(org, handled):
    """002 第八条: the log over a chosen period."""
    rows = selectors.incident_log(org.edu_liaison, org.edu, start=date(2026, 11, 1), end=date(2026, 11, 5))
    assert [r.title for r in rows] == ["网传某校食堂问题"]
    bad = _client(org.edu_liaison).get(
        reverse("incident_log"), {"unit": org.edu.pk, "start": "2026-11-09", "end": "2026-11-01"}
    )
    assert bad.status_code == 400 and "起始日期不能晚于截止日期" in bad.content.decode()


def test_the_log_exports_to_xlsx_and_docx(org, handled):
    """002 第八条: the log is exportable; both files are read back, the 敏感 title masked in them too."""
    client = _client(org.edu_liaison)
    xlsx = client.get(reverse("incident_log"), {"unit": org.edu.pk, "format": "xlsx"})
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:5] == ["日期", "编号", "标题", "等级", "承办类型"]
    assert [v[2] for v in values[1:]] == ["网传某校食堂问题", SENSITIVE_ONE]
    word = client.get(reverse("incident_log"), {"unit": org.edu.pk, "format": "docx"})
    document = docx.Document(io.BytesIO(word.content))
    assert "教育局舆情日志" in document.paragraphs[0].text
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert cells[1][2] == "网传某校食堂问题" and cells[2][2] == SENSITIVE_ONE and cells[2][4] == "协办"
    assert all("涉腐线索某某" not in text for row in cells for text in row)
