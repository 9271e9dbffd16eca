"""A liaison's pages in the browser never show another unit's data: not in lists, filters, the inbox,
a shared incident, nor by typing another unit's id into the address bar."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deadlines.sweep import run_timed_checks
from incidents import services
from incidents.models import Feedback, TicketRole

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDU_ONLY = "教育局独有的舆情"
EDU_SECRET = "教育局内部核查：涉事教师已停职"


def test_a_liaison_sees_only_their_units_data(open_session, org, make_incident):
    shared = make_incident(title="两部门共办的舆情", grade="IV")
    edu_lead, health_assist = services.dispatch_incident(
        org.duty, shared, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
    )
    services.claim_ticket(org.edu_liaison, edu_lead)
    services.submit_feedback(org.edu_liaison, edu_lead, kind=Feedback.Kind.PROGRESS, content=EDU_SECRET)
    edu_only = make_incident(title=EDU_ONLY, grade="IV")
    (edu_ticket,) = services.dispatch_incident(org.duty, edu_only, assignments=[(org.edu, TicketRole.LEAD)])
    run_timed_checks(timezone.now() + timedelta(hours=3))  # reminders and breaches for both units

    health = open_session("health_l")
    pages = {
        "/tickets/": "两部门共办的舆情",
        "/tickets/?overdue=1": "两部门共办的舆情",  # the health ticket is overdue too
        f"/tickets/?unit={org.edu.pk}": None,  # filtering by another unit gives nothing, not its rows
        "/inbox/": "两部门共办的舆情",
        f"/tickets/{health_assist.pk}/": "两部门共办的舆情",
        f"/incidents/{shared.pk}/": "两部门共办的舆情",
    }
    for path, own in pages.items():
        response = health.go(path)
        # Another unit in the filter is refused in Chinese and left out (400, issue 18): never its rows.
        assert response.status == (400 if "unit=" in path else 200), path
        text = health.text()
        assert EDU_ONLY not in text and EDU_SECRET not in text, path
        if own:
            assert own in text, path
        assert "卫健委" in text  # each page says which unit one acts for
        health.fits()
    health.go(f"/incidents/{shared.pk}/")
    expect(health.page.get_by_test_id("tickets")).not_to_contain_text("教育局")
    health.go("/tickets/?overdue=1")
    health.shot("ticket-list-overdue-other-unit")

    for path in (f"/tickets/{edu_lead.pk}/", f"/tickets/{edu_ticket.pk}/", f"/incidents/{edu_only.pk}/"):
        response = health.go(path)
        assert response.status == 404, path
        assert EDU_ONLY not in health.text() and "页面不存在" in health.text()
    for path in ("/dashboard/", "/desk/", "/signoff/", "/settings/policies/", "/settings/calendar/"):
        assert health.go(path).status == 403, path
    assert "无权访问" in health.text()
