"""The in-app inbox and the admins' calendar warning."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from deadlines.sweep import run_timed_checks
from incidents import services
from incidents.models import TicketRole
from notifications.models import Notification
from workcalendar.models import CalendarYear

SH = ZoneInfo("Asia/Shanghai")


def test_breach_notice_reaches_the_liaisons_inbox_and_can_be_read(client, org, make_incident):
    start = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
    with time_machine.travel(start, tick=False):
        incident = make_incident(grade="IV")
        (ticket,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    run_timed_checks(start + timedelta(hours=3))
    client.force_login(org.edu_liaison)
    page = client.get(reverse("inbox")).content.decode()
    assert "【督办】认领时限已于11月23日 12:00逾期" in page
    unread = Notification.objects.filter(recipient=org.edu_liaison, channel="inbox", read_at__isnull=True)
    count = unread.count()
    assert count >= 1 and f'data-testid="unread">{count}<' in client.get(reverse("ticket_list")).content.decode()
    client.post(reverse("inbox_mark_read"), {"ids": list(unread.values_list("pk", flat=True))})
    assert not unread.all().exists()
    # Nobody else's notices are listed or can be marked.
    client.force_login(org.police_liaison)
    assert "督办" not in client.get(reverse("inbox")).content.decode()


def test_admins_are_warned_while_next_years_holidays_are_unconfirmed(client, org):
    client.force_login(org.admin)
    with time_machine.travel(datetime(2026, 11, 22, 9, 0, tzinfo=SH), tick=False):
        page = client.get(reverse("incident_list")).content.decode()
        assert "2027 年节假日安排尚未确认" in page
        CalendarYear.objects.create(year=2027, confirmed=True, source="国办发明电〔2026〕")
        page = client.get(reverse("incident_list")).content.decode()
        assert "2027 年节假日安排尚未确认" not in page
    client.force_login(org.edu_liaison)
    with time_machine.travel(datetime(2026, 11, 22, 9, 0, tzinfo=SH), tick=False):
        CalendarYear.objects.filter(year=2027).delete()
        assert "节假日安排尚未确认" not in client.get(reverse("ticket_list")).content.decode()
