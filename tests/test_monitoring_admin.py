"""The watch list, the patrol policy and the roster are maintained in the admin, in Chinese, every change on the
audit trail (004 二(一) who watches which site; 002 第五条、第六条 the schedule)."""

import pytest

from core.models import AuditEvent
from monitoring.models import PatrolPolicy, Shift, Site

from .factories import UnitFactory


@pytest.fixture
def centre(org):
    return UnitFactory(code="jiankong", name="网络舆情应急监控中心", parent=org.county)


def test_a_site_added_in_the_admin_is_audited(client, org, centre):
    client.force_login(org.admin)
    page = client.get("/admin/monitoring/site/add/")
    assert page.status_code == 200 and "监测单位" in page.content.decode() and "留言板/信箱" in page.content.decode()
    response = client.post(
        "/admin/monitoring/site/add/",
        {
            "name": "人民网领导留言板",
            "url": "https://liuyan.people.com.cn/",
            "kind": "message_board",
            "unit": centre.pk,
            "is_active": "on",
            "sort_order": 0,
        },
    )
    assert response.status_code == 302
    site = Site.objects.get()
    event = AuditEvent.objects.get(action="setting_change", object_type="site")
    assert event.object_id == str(site.pk) and event.after["name"] == "人民网领导留言板"


def test_the_patrol_policy_is_edited_in_the_admin_audited(client, org):
    policy = PatrolPolicy.objects.create()
    client.force_login(org.admin)
    data = {
        "working_interval": 60,
        "evening_interval": 90,
        "holiday_interval": 120,
        "overnight_interval": "",
        "morning_round": "09:00",
        "afternoon_round": "15:00",
        "evening_round": "20:00",
        "reminder_lead": 0,
        "escalate_after": 60,
        "plan_ahead_hours": 36,
    }
    assert client.post(f"/admin/monitoring/patrolpolicy/{policy.pk}/change/", data).status_code == 302
    assert PatrolPolicy.current().evening_interval == 90
    event = AuditEvent.objects.get(action="setting_change", object_type="patrolpolicy")
    assert event.before == {"evening_interval": 120} and event.after == {"evening_interval": 90}


def test_people_put_on_a_shift_in_the_admin_are_audited(client, org, centre):
    client.force_login(org.admin)
    data = {
        "unit": centre.pk,
        "date": "2026-12-01",
        "kind": "day",
        "starts_at_0": "2026-12-01",
        "starts_at_1": "08:30",
        "ends_at_0": "2026-12-01",
        "ends_at_1": "17:30",
        "assignments-TOTAL_FORMS": 1,
        "assignments-INITIAL_FORMS": 0,
        "assignments-MIN_NUM_FORMS": 0,
        "assignments-MAX_NUM_FORMS": 1000,
        "assignments-0-user": org.duty.pk,
    }
    response = client.post("/admin/monitoring/shift/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    shift = Shift.objects.get()
    assert list(shift.people.all()) == [org.duty]
    events = AuditEvent.objects.filter(action="setting_change", object_type="shift")
    assert events.order_by("id").last().after == {"people": [org.duty.pk]}
