"""The follow-through over the API (issue 17), with the pages' rules: 会商研判 (002 第七条, 002 第九条), upward reports
(000 三; 004 二(三)3), 市级交办 (000 三.2), 销号抽查 (000 四.3) and the 舆情日志 (002 第八条). Each write is the
service the page calls; whoever may see the incident sees its records; bad input is a 400 problem+json and stores
nothing; the documents are read back."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from core.models import AuditEvent
from followup.models import CityAssignment, JointReview, UpperBody, UpwardReport
from incidents import services
from incidents.models import Feedback, Ticket, TicketRole
from reporting.models import Criticism
from review.models import SpotCheck, SpotCheckDraw, SpotCheckSettings

from .api_support import api_as, relaxed_throttles  # noqa: F401

SH = ZoneInfo("Asia/Shanghai")
PROBLEM = "application/problem+json"


def review_body(org, **over):
    body = {
        "held_at": (timezone.now() - timedelta(minutes=30)).isoformat(),
        "units": [org.edu.pk, org.health.pk],
        "experts": "张某（某大学新闻学院教授）",
        "nature": "属实的食品安全投诉",
        "trend": "转发量仍在上升",
        "risks": "可能引发对监管部门的质疑",
        "handling": "教育局牵头，卫健委配合",
        "caliber": "以事实为准，公布抽检结果",
    }
    return body | over


@pytest.fixture
def item(org, make_incident):
    """A 重大 item first seen yesterday, led by 教育局 (assisted by 卫健委)."""
    incident = make_incident(grade="II", first_seen_at=timezone.now() - timedelta(days=1))
    services.dispatch_incident(
        org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
    )
    incident.refresh_from_db()
    return incident


def refused(response, status=400):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    return response.json()


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


# --- 会商研判 --------------------------------------------------------------------------------------------------


def test_joint_review_recorded_listed_and_its_minutes_read_back(org, item, api_as):  # noqa: F811
    """002 第七条: the office records the review over the API (the service the page calls, audited); whoever sees
    the incident lists it; the 会商纪要 downloads as a .docx holding the judgement and the 口径."""
    url = f"/api/v1/incidents/{item.pk}/joint-reviews/"
    created = api_as(org.duty).post(url, review_body(org), format="json")
    assert created.status_code == 201, created.content[:300]
    body = created.json()
    assert body["units"] == ["教育局", "卫健委"] and body["caliber"] == "以事实为准，公布抽检结果"
    assert AuditEvent.objects.filter(incident=item, action="joint_review_recorded").count() == 1
    listed = api_as(org.edu_liaison).get(url)
    assert listed.status_code == 200 and [r["id"] for r in listed.json()["results"]] == [body["id"]]
    document = api_as(org.edu_liaison).get(body["document_url"])
    assert document.status_code == 200 and document["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in document["Content-Disposition"]
    text = docx_text(document.content)
    assert "会商纪要" in text and "以事实为准，公布抽检结果" in text and "教育局" in text


def test_joint_review_needs_the_office_and_visibility(org, item, api_as):  # noqa: F811
    """002 第七条 (the office convenes it): a unit's liaison may not record one (403), anonymous callers get 401,
    and a unit that does not see the incident gets 404 for its reviews and their minutes."""
    url = f"/api/v1/incidents/{item.pk}/joint-reviews/"
    assert refused(api_as(org.edu_liaison).post(url, review_body(org), format="json"), 403)["code"] == (
        "permission_denied"
    )
    assert refused(api_as(None).get(url), 401)["code"] == "not_authenticated"
    assert not JointReview.objects.exists()
    review = api_as(org.duty).post(url, review_body(org), format="json").json()
    assert refused(api_as(org.police_liaison).get(url), 404)["code"] == "not_found"
    assert refused(api_as(org.police_liaison).get(review["document_url"]), 404)["code"] == "not_found"
    assert refused(api_as(org.police_liaison).post(url, review_body(org), format="json"), 404)


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"nature": ""}, "nature"),
        ({"units": []}, "units"),
        ({"units": [999999]}, "units"),
        ({"held_at": "明天"}, "held_at"),
        ({"held_at": "2999-01-01T09:00:00+08:00"}, "held_at"),
    ],
)
def test_bad_joint_review_input_is_400_and_stores_nothing(org, item, api_as, over, field):  # noqa: F811
    """002 第七条: a review missing its judgement, its units or a sane time is refused field by field (Chinese)."""
    body = refused(
        api_as(org.duty).post(f"/api/v1/incidents/{item.pk}/joint-reviews/", review_body(org, **over), format="json")
    )
    assert body["code"] == "invalid" and field in body["errors"]
    assert not JointReview.objects.exists() and not AuditEvent.objects.filter(action="joint_review_recorded").exists()


def test_a_future_review_time_is_the_services_refusal(org, item, api_as):  # noqa: F811
    """002 第七条: a review "held" in the future is refused by the service (400 with the field error), not stored."""
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    body = refused(
        api_as(org.duty).post(
            f"/api/v1/incidents/{item.pk}/joint-reviews/", review_body(org, held_at=future), format="json"
        )
    )
    assert body["errors"]["held_at"] == ["会商时间不能晚于现在。"] and not JointReview.objects.exists()


# --- 向上报送 --------------------------------------------------------------------------------------------------


def test_upward_report_recorded_and_its_special_report_read_back(org, item, api_as):  # noqa: F811
    """000 三; 004 二(三)3: the office reports the item upward; the 专报 is a 上行文 naming its 签发人 and reads back."""
    body = UpperBody.objects.filter(is_active=True).first()
    url = f"/api/v1/incidents/{item.pk}/upward-reports/"
    created = api_as(org.duty).post(
        url,
        {
            "body": body.pk,
            "signer": org.leader.pk,
            "reason": "责任主体不在本区",
            "reported_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        },
        format="json",
    )
    assert created.status_code == 201, created.content[:300]
    report = created.json()
    assert report["body"] == body.name and report["reason"] == "责任主体不在本区"
    listed = api_as(org.edu_liaison).get(url).json()["results"]
    assert [r["id"] for r in listed] == [report["id"]]
    document = api_as(org.duty).get(report["document_url"])
    assert document.status_code == 200
    text = docx_text(document.content)
    assert "签发人" in text and "责任主体不在本区" in text
    assert refused(api_as(org.police_liaison).get(report["document_url"]), 404)


def test_bad_upward_report_is_400_and_stores_nothing(org, item, api_as):  # noqa: F811
    """000 三: the 签发人 must be a county or office leader and the body an active upper body (field errors)."""
    body = refused(
        api_as(org.duty).post(
            f"/api/v1/incidents/{item.pk}/upward-reports/",
            {"body": 999999, "signer": org.edu_liaison.pk, "reason": "", "reported_at": timezone.now().isoformat()},
            format="json",
        )
    )
    assert {"body", "signer"} <= set(body["errors"]) or "reason" in body["errors"]
    assert not UpwardReport.objects.exists()


# --- 市级交办 --------------------------------------------------------------------------------------------------


def test_city_assignment_received_dispatched_and_reported_back(org, make_incident, api_as):  # noqa: F811
    """000 三.2: an item the city hands down is received with the city's limit, dispatched with it as the explicit
    limit of every ticket, and reported back to the city (its own deadline met)."""
    incident = make_incident(grade="III", first_seen_at=timezone.now() - timedelta(hours=3))
    city = UpperBody.objects.filter(is_active=True).first()
    due = timezone.now() + timedelta(days=2)
    url = f"/api/v1/incidents/{incident.pk}/city-assignment/"
    assert refused(api_as(org.duty).get(url), 404)["detail"] == "该舆情没有市级交办。"
    received = api_as(org.duty).post(
        url,
        {
            "body": city.pk,
            "reference": "市交〔2026〕12号",
            "received_at": (timezone.now() - timedelta(hours=1)).isoformat(),
            "city_due_at": due.isoformat(),
        },
        format="json",
    )
    assert received.status_code == 201, received.content[:300]
    assert received.json()["reference"] == "市交〔2026〕12号" and received.json()["deadline"] == "pending"
    dispatched = api_as(org.duty).post(
        url + "dispatch/", {"lead": org.edu.pk, "assists": [org.health.pk]}, format="json"
    )
    assert dispatched.status_code == 200, dispatched.content[:300]
    assert {t["unit_name"] for t in dispatched.json()} == {"教育局", "卫健委"}
    assert all(t.due_at == due for t in Ticket.objects.filter(incident=incident))
    back = api_as(org.duty).post(
        url + "report-back/", {"content": "已核实处置", "reported_at": timezone.now().isoformat()}, format="json"
    )
    assert back.status_code == 200 and back.json()["report_back"] == "已核实处置"
    assert back.json()["deadline"] == "met"
    again = api_as(org.duty).post(
        url + "report-back/", {"content": "再次反馈", "reported_at": timezone.now().isoformat()}, format="json"
    )
    assert refused(again, 409)["code"] == "illegal_transition"
    assert api_as(org.edu_liaison).get(url).json()["reference"] == "市交〔2026〕12号"


def test_city_assignment_refuses_a_past_limit_and_a_unit(org, make_incident, api_as):  # noqa: F811
    """000 三.2: the city's limit must be in the future; only the office receives (403); nothing is stored."""
    incident = make_incident(grade="III", first_seen_at=timezone.now() - timedelta(hours=3))
    city = UpperBody.objects.filter(is_active=True).first()
    body = {
        "body": city.pk,
        "reference": "市交〔2026〕13号",
        "received_at": timezone.now().isoformat(),
        "city_due_at": (timezone.now() - timedelta(hours=1)).isoformat(),
    }
    url = f"/api/v1/incidents/{incident.pk}/city-assignment/"
    assert "city_due_at" in refused(api_as(org.duty).post(url, body, format="json"))["errors"]
    assert refused(api_as(org.duty).post(url, {"reference": "x"}, format="json"))["code"] == "invalid"
    later = body | {"city_due_at": (timezone.now() + timedelta(days=1)).isoformat()}
    assert refused(api_as(org.edu_liaison).post(url, later, format="json"), 404)  # not the liaison's incident
    assert not CityAssignment.objects.exists()


# --- 销号抽查 --------------------------------------------------------------------------------------------------

OCTOBER = datetime(2026, 10, 12, 10, 0, tzinfo=SH)
NOVEMBER_2 = datetime(2026, 11, 2, 9, 0, tzinfo=SH)


@pytest.fixture
def closed_in_october(org, make_incident):
    """Three incidents handled by 教育局 and closed in October 2026; one drawn per period."""
    with time_machine.travel(OCTOBER, tick=False):
        for i in range(3):
            incident = make_incident(title=f"十月舆情{i}", grade="IV")
            (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
            services.claim_ticket(org.edu_liaison, lead)
            services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="已整改并回应。")
            services.close_incident(org.duty, incident, opinion="同意")
    SpotCheckSettings.objects.all().delete()
    SpotCheckSettings.objects.create(period="month", sample_size=2, sample_percent=0)


def test_spot_check_draw_and_verdict_over_the_api(org, closed_in_october, api_as):  # noqa: F811
    """000 四.3: the office draws last period's sample on demand (once: a second call returns the same draw), lists
    and reads it, and records a verdict; 虚假反馈 leads to a 通报批评 of the lead unit; a second verdict is 409."""
    with time_machine.travel(NOVEMBER_2, tick=False):
        duty = api_as(org.duty)
        drawn = duty.post("/api/v1/spot-check-draws/", format="json")
        assert drawn.status_code == 200, drawn.content[:300]
        draw = drawn.json()
        assert (draw["period_start"], draw["population"], len(draw["checks"])) == ("2026-10-01", 3, 2)
        assert duty.post("/api/v1/spot-check-draws/", format="json").json()["id"] == draw["id"]
        assert SpotCheckDraw.objects.count() == 1
        assert [d["id"] for d in duty.get("/api/v1/spot-check-draws/").json()["results"]] == [draw["id"]]
        check = draw["checks"][0]
        assert (
            duty.get(f"/api/v1/spot-check-draws/{draw['id']}/")
            .json()["checks"][0]["incident_title"]
            .startswith("十月舆情")
        )
        url = f"/api/v1/spot-checks/{check['id']}/verdict/"
        assert "note" in refused(duty.post(url, {"verdict": "false_feedback"}, format="json"))["errors"]
        assert "verdict" in refused(duty.post(url, {"verdict": "maybe"}, format="json"))["errors"]
        assert not SpotCheck.objects.exclude(verdict="").exists()
        done = duty.post(url, {"verdict": "false_feedback", "note": "反馈与实际不符"}, format="json")
        assert done.status_code == 200 and done.json()["verdict"] == "false_feedback"
        assert done.json()["checked_by"]
        assert Criticism.objects.filter(unit=org.edu, cause=Criticism.Cause.FALSE).count() == 1
        assert refused(duty.post(url, {"verdict": "confirmed"}, format="json"), 409)["code"] == "conflict"


def test_spot_checks_are_the_offices_only(org, closed_in_october, api_as):  # noqa: F811
    """000 四.3 (the supervising office re-checks): units and leaders get 403, anonymous 401, nothing is drawn."""
    with time_machine.travel(NOVEMBER_2, tick=False):
        for user in (org.edu_liaison, org.edu_leader):
            assert refused(api_as(user).post("/api/v1/spot-check-draws/", format="json"), 403)
            assert refused(api_as(user).get("/api/v1/spot-check-draws/"), 403)
        assert refused(api_as(None).get("/api/v1/spot-check-draws/"), 401)
        assert not SpotCheckDraw.objects.exists()
        assert refused(
            api_as(org.duty).post("/api/v1/spot-checks/999/verdict/", {"verdict": "confirmed"}, format="json"), 404
        )


# --- 舆情日志 --------------------------------------------------------------------------------------------------


def test_incident_log_per_unit_with_its_downloads(org, item, api_as):  # noqa: F811
    """002 第八条: a unit's 舆情日志 lists the items it handled; it downloads as .xlsx and .docx that read back; a
    liaison reads only its own unit's log (another unit's is 404); bad dates are 400."""
    edu = api_as(org.edu_liaison)
    log = edu.get("/api/v1/incident-log/", {"unit": org.edu.pk})
    assert log.status_code == 200, log.content[:300]
    rows = log.json()["rows"]
    assert log.json()["unit_name"] == "教育局" and [r["number"] for r in rows] == [item.number]
    assert rows[0]["role"] == "主办" and rows[0]["grade"] == item.get_grade_display()
    sheet = edu.get("/api/v1/incident-log/download/", {"unit": org.edu.pk, "type": "xlsx"})
    assert sheet.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(sheet.streaming_content)))
    values = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert values[0][:3] == ["日期", "编号", "标题"] and values[1][1] == item.number
    document = edu.get("/api/v1/incident-log/download/", {"unit": org.edu.pk, "type": "docx"})
    assert document.status_code == 200 and item.number in docx_text(document.content)
    assert "教育局舆情日志" in docx_text(document.content)
    assert refused(api_as(org.police_liaison).get("/api/v1/incident-log/", {"unit": org.edu.pk}), 404)
    today = timezone.localdate()
    bad = edu.get("/api/v1/incident-log/", {"start": today.isoformat(), "end": (today - timedelta(days=1)).isoformat()})
    assert "start" in refused(bad)["errors"]
    assert "type" in refused(edu.get("/api/v1/incident-log/download/", {"type": "pdf"}))["errors"]
    assert refused(api_as(None).get("/api/v1/incident-log/"), 401)


def test_incident_log_dates_filter(org, item, api_as):  # noqa: F811
    """002 第八条: the log covers the dates asked for (inclusive)."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    empty = api_as(org.duty).get("/api/v1/incident-log/", {"unit": org.edu.pk, "start": tomorrow.isoformat()})
    assert empty.status_code == 200 and empty.json()["rows"] == []
    assert empty.json()["start"] == tomorrow.isoformat()
    assert date.fromisoformat(empty.json()["start"]) == tomorrow
