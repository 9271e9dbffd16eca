"""The whole incident walk through HTTP, switching logins as the real users would."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from incidents.models import Incident, Ticket


def login(client, username):
    client.logout()
    response = client.post(reverse("login"), {"username": username, "password": "pw-123456"})
    assert response.status_code == 302, f"login failed for {username}"


def actions(incident):
    return list(AuditEvent.objects.filter(incident=incident).order_by("id").values_list("action", flat=True))


@pytest.mark.parametrize("grade, closer", [("IV", "duty"), ("II", "leader")])
def test_incident_walk_from_report_to_close_out(client, org, grade, closer):
    login(client, "duty")
    response = client.post(
        reverse("incident_create"),
        {
            "title": "网传某小学食堂饭菜变质",
            "summary": "家长群截图流传",
            "category": "livelihood",
            "subject_unit": org.edu.pk,
            "first_seen_at": "2026-11-20T09:00",
            "views": 1200,
            "comments": 150,
            "reposts": 20,
            "site_count": 1,
            "media_level": "local",
            "platform": "本地论坛",
            "url": "https://bbs.example.cn/t/1",
        },
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.status == "reported"
    assert incident.links.get().url == "https://bbs.example.cn/t/1"

    response = client.post(
        reverse("incident_action", args=[incident.pk, "grade"]), {"grade-grade": grade, "grade-reason": "点击量过千"}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.grade, incident.graded_by) == ("graded", grade, org.duty)

    response = client.post(
        reverse("incident_action", args=[incident.pk, "dispatch"]),
        {"dispatch-lead": org.edu.pk, "dispatch-assists": [org.health.pk], "dispatch-instructions": "请核实并反馈"},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "dispatched"
    lead = Ticket.objects.get(incident=incident, role="lead")
    assist = Ticket.objects.get(incident=incident, role="assist")
    assert (lead.unit, assist.unit) == (org.edu, org.health)

    login(client, "health_l")
    assert client.post(reverse("ticket_action", args=[assist.pk, "claim"])).status_code == 302
    response = client.post(
        reverse("ticket_action", args=[assist.pk, "feedback"]),
        {"feedback-kind": "feedback", "feedback-content": "已配合核查食品留样"},
    )
    assert response.status_code == 302
    assist.refresh_from_db()
    assert assist.status == "feedback_submitted"

    login(client, "edu_l")
    assert client.post(reverse("ticket_action", args=[lead.pk, "claim"])).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "in_progress"
    client.post(
        reverse("ticket_action", args=[lead.pk, "feedback"]),
        {"feedback-kind": "progress", "feedback-content": "已约谈校长"},
    )
    lead.refresh_from_db()
    assert lead.status == "in_progress"
    response = client.post(
        reverse("ticket_action", args=[lead.pk, "feedback"]),
        {"feedback-kind": "report", "feedback-content": "核实调查报告：情况部分属实，已整改"},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "under_review"

    # For 重大 the office may not sign off; a leader must.
    if closer == "leader":
        login(client, "duty")
        response = client.post(reverse("incident_action", args=[incident.pk, "close"]), {"close-reason": "同意"})
        assert response.status_code == 400
        assert "须由县领导审核销号" in response.content.decode()
        incident.refresh_from_db()
        assert incident.status == "under_review"

    login(client, closer)
    response = client.post(
        reverse("incident_action", args=[incident.pk, "close"]), {"close-reason": "处置到位，同意销号"}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "closed"
    assert set(incident.tickets.values_list("status", flat=True)) == {"closed"}

    assert actions(incident) == [
        "report",
        "grade",
        "dispatch",
        "dispatch",
        "dispatch",
        "claim",
        "start",
        "submit_feedback",
        "claim",
        "progress",
        "submit_feedback",
        "submit_for_review",
        "close",
        "close",
        "close",
    ]
    report = AuditEvent.objects.get(incident=incident, action="report")
    assert report.ip == "10.1.2.3" and report.actor == org.duty
    grade_event = AuditEvent.objects.get(incident=incident, action="grade")
    assert grade_event.before == {"status": "reported", "grade": ""}
    assert grade_event.after["grade"] == grade and grade_event.after["metrics"]["views"] == 1200
    assert grade_event.reason == "点击量过千"
    final = AuditEvent.objects.filter(incident=incident, action="close", ticket__isnull=True).get()
    assert final.actor.username == closer and final.reason == "处置到位，同意销号"

    # The timeline on the incident page shows who did what and why.
    page = client.get(reverse("incident_detail", args=[incident.pk])).content.decode()
    for text in ("报送舆情", "研判定级", "转办", "认领", "提交反馈", "审核销号", "处置到位，同意销号", "点击量过千"):
        assert text in page


def test_returned_lead_goes_back_to_the_office_for_redispatch(client, org, dispatched):
    login(client, "edu_l")
    response = client.post(reverse("ticket_action", args=[dispatched.lead.pk, "return"]), {"return-reason": ""})
    assert response.status_code == 400
    assert "请填写理由。" in response.content.decode()
    dispatched.lead.refresh_from_db()
    assert dispatched.lead.status == "dispatched"

    response = client.post(
        reverse("ticket_action", args=[dispatched.lead.pk, "return"]), {"return-reason": "不属于本单位职责"}
    )
    assert response.status_code == 302
    dispatched.incident.refresh_from_db()
    assert dispatched.incident.status == "returned"

    login(client, "duty")
    response = client.post(
        reverse("incident_action", args=[dispatched.incident.pk, "dispatch"]), {"dispatch-lead": org.police.pk}
    )
    assert response.status_code == 302
    dispatched.incident.refresh_from_db()
    assert dispatched.incident.status == "dispatched"
    assert dispatched.incident.tickets.get(role="lead", status="dispatched").unit == org.police


def test_merge_and_reopen(client, org, dispatched, make_incident):
    duplicate = make_incident(title="同一事件的另一帖")
    login(client, "duty")
    response = client.post(
        reverse("incident_action", args=[duplicate.pk, "merge"]),
        {"merge-into": dispatched.incident.number, "merge-reason": "重复"},
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == "merged" and duplicate.merged_into == dispatched.incident
    assert AuditEvent.objects.filter(incident=dispatched.incident, action="merge_received").exists()
