"""The monitoring pages: the patrol page (current slot, the officer's sites checked, one tap for 未发现, one for a
finding that goes straight to 报送舆情 prefilled), patrol compliance per unit and person, the roster page, and the
on-duty panel for the desk. Bad input is a Chinese error with status 400 and nothing stored."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from monitoring.models import DutyAssignment, PatrolRecord, PatrolSlot, Shift, Site
from monitoring.planning import plan_patrol_slots
from org.models import Role

from .factories import UnitFactory, person

SH = ZoneInfo("Asia/Shanghai")
TUESDAY = datetime(2026, 12, 1, 0, 0, tzinfo=SH)
MORNING = TUESDAY.replace(hour=9, minute=40)


@pytest.fixture
def watch(org):
    centre = UnitFactory(code="jiankong", name="网络舆情应急监控中心", parent=org.county)
    forum = Site.objects.create(name="县城论坛", url="https://bbs.example.cn/", kind=Site.Kind.FORUM, unit=centre)
    board = Site.objects.create(name="县长信箱", kind=Site.Kind.MESSAGE_BOARD, unit=centre)
    watcher = person("watcher", centre, Role.LIAISON, first_name="刘监测")
    shift = Shift.objects.create(
        unit=centre,
        date=TUESDAY.date(),
        kind=Shift.Kind.DAY,
        starts_at=TUESDAY.replace(hour=8),
        ends_at=TUESDAY.replace(hour=17, minute=30),
    )
    DutyAssignment.objects.create(shift=shift, user=watcher)
    with time_machine.travel(TUESDAY, tick=False):
        plan_patrol_slots(until=TUESDAY + timedelta(days=1))
    return centre, forum, board, watcher


def test_the_patrol_page_preselects_the_slot_and_the_sites_and_records_nothing_found_in_one_tap(client, watch):
    centre, forum, board, watcher = watch
    with time_machine.travel(MORNING, tick=False):
        client.force_login(watcher)
        page = client.get(reverse("monitoring:patrol"))
        html = page.content.decode()
        assert page.status_code == 200 and "09:30–10:30" in html and "待巡查" in html
        assert html.count("checked") == 2  # both sites of the unit ticked
        response = client.post(
            reverse("monitoring:patrol"), {"unit": centre.pk, "sites": [forum.pk, board.pk], "result": "nothing"}
        )
        assert response.status_code == 302
        record = PatrolRecord.objects.get()
        assert not record.found and record.officer == watcher
        assert PatrolSlot.objects.get(starts_at=TUESDAY.replace(hour=9, minute=30)).record == record
        assert "已巡查" in client.get(reverse("monitoring:patrol")).content.decode()


def test_a_finding_goes_to_intake_prefilled(client, watch):
    centre, forum, board, watcher = watch
    with time_machine.travel(MORNING, tick=False):
        client.force_login(watcher)
        response = client.post(
            reverse("monitoring:patrol"),
            {"unit": centre.pk, "sites": [forum.pk], "result": "found", "findings": "网传县城某小区停水三天"},
        )
    assert response.status_code == 302 and PatrolRecord.objects.get().found
    url = urlparse(response["Location"])
    assert url.path == reverse("incident_create")
    params = parse_qs(url.query)
    assert params["platform"] == ["县城论坛"] and params["url"] == ["https://bbs.example.cn/"]
    assert params["summary"] == ["网传县城某小区停水三天"] and params["first_seen_at"] == ["2026-12-01T09:40"]
    form = client.get(response["Location"]).content.decode()
    assert 'value="县城论坛"' in form and "网传县城某小区停水三天" in form


def test_a_patrol_without_sites_is_a_400_in_chinese_and_nothing_is_stored(client, watch):
    centre, forum, board, watcher = watch
    with time_machine.travel(MORNING, tick=False):
        client.force_login(watcher)
        response = client.post(reverse("monitoring:patrol"), {"unit": centre.pk, "result": "nothing"})
    assert response.status_code == 400 and "请至少选择一个巡查的网站" in response.content.decode()
    assert not PatrolRecord.objects.exists()


def test_someone_of_no_watching_unit_cannot_open_the_patrol_page(client, org, watch):
    client.force_login(org.edu_liaison)
    assert client.get(reverse("monitoring:patrol")).status_code == 403


def test_compliance_per_unit_and_person(client, org, watch):
    centre, forum, board, watcher = watch
    with time_machine.travel(MORNING, tick=False):
        client.force_login(watcher)
        client.post(reverse("monitoring:patrol"), {"unit": centre.pk, "sites": [forum.pk], "result": "nothing"})
    with time_machine.travel(TUESDAY.replace(hour=12, minute=5), tick=False):
        client.force_login(org.duty)
        page = client.get(reverse("monitoring:compliance"), {"from": "2026-12-01", "to": "2026-12-01"})
        bad = client.get(reverse("monitoring:compliance"), {"from": "2026-12-09", "to": "2026-12-01"})
    html = page.content.decode()
    assert page.status_code == 200
    # Due by 12:05: 08:30 (late, covered at 09:40), 09:30 (on time), 10:30 and 11:30 (missed).
    assert "<td>网络舆情应急监控中心</td><td>4</td><td>1</td><td>1</td><td>2</td><td>25%</td><td>1</td>" in html
    assert "<td>刘监测</td><td>1</td><td>2</td><td>1</td><td>1</td>" in html
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
    with time_machine.travel(TUESDAY.replace(hour=12, minute=5), tick=False):
        client.force_login(org.edu_liaison)
        assert client.get(reverse("monitoring:compliance")).status_code == 403


def test_the_roster_page_refuses_a_bad_file_in_chinese(client, org, watch):
    centre, forum, board, watcher = watch
    with time_machine.travel(MORNING, tick=False):
        client.force_login(org.duty)
        response = client.post(
            reverse("monitoring:roster"),
            {"action": "import", "unit": centre.pk, "month": "2027-01", "file": SimpleUploadedFile("r.xlsx", b"junk")},
        )
        assert response.status_code == 400 and "无法读取该文件" in response.content.decode()
        page = client.get(reverse("monitoring:roster"), {"unit": centre.pk, "month": "2026-12"})
    assert page.status_code == 200 and "刘监测" in page.content.decode()


def test_the_on_duty_panel_for_the_desk(org, watch):
    request = RequestFactory().get("/")
    request.user = org.duty
    with time_machine.travel(MORNING, tick=False):
        html = Template("{% load monitoring_tags %}{% on_duty_panel %}").render(Context({"request": request}))
    assert "当前值班" in html and "网络舆情应急监控中心" in html and "刘监测" in html


def test_the_desk_shows_who_is_on_duty_now(client, org, watch):
    """004 三(一) 24-hour duty: the duty officer sees on the 研判台 who is on duty now, with the patrol link."""
    with time_machine.travel(MORNING, tick=False):
        client.force_login(org.duty)
        html = client.get(reverse("desk")).content.decode()
    assert 'data-testid="on-duty"' in html and "刘监测" in html and reverse("monitoring:patrol") in html


def test_the_last_evening_slot_ends_at_24_00(client, watch):
    centre, forum, board, watcher = watch
    with time_machine.travel(TUESDAY.replace(hour=23, minute=40), tick=False):
        client.force_login(watcher)
        html = client.get(reverse("monitoring:patrol")).content.decode()
    assert "23:30–24:00（晚间）" in html


def test_the_roster_page_swaps_and_hands_over(client, org, watch):
    centre, forum, board, watcher = watch
    other = person("zhang", centre, Role.LIAISON, first_name="张监测")
    later = Shift.objects.create(
        unit=centre,
        date=TUESDAY.date() + timedelta(days=1),
        kind=Shift.Kind.DAY,
        starts_at=TUESDAY.replace(hour=8) + timedelta(days=1),
        ends_at=TUESDAY.replace(hour=17, minute=30) + timedelta(days=1),
    )
    evening = Shift.objects.create(
        unit=centre,
        date=TUESDAY.date() + timedelta(days=1),
        kind=Shift.Kind.EVENING,
        starts_at=TUESDAY.replace(hour=17, minute=30) + timedelta(days=1),
        ends_at=TUESDAY.replace(hour=23, minute=30) + timedelta(days=1),
    )
    first = DutyAssignment.objects.create(shift=later, user=watcher)
    second = DutyAssignment.objects.create(shift=evening, user=other)
    with time_machine.travel(MORNING, tick=False):
        client.force_login(org.duty)
        swapped = client.post(
            reverse("monitoring:roster"),
            {"action": "swap", "unit": centre.pk, "month": "2026-12", "first": first.pk, "second": second.pk},
        )
        assert swapped.status_code == 302
        assert DutyAssignment.objects.get(pk=first.pk).shift == evening
        client.force_login(watcher)
        shift = DutyAssignment.objects.filter(user=watcher, shift__date=TUESDAY.date()).get().shift
        handed = client.post(
            reverse("monitoring:roster"),
            {"action": "handover", "unit": centre.pk, "month": "2026-12", "shift": shift.pk, "note": "无"},
        )
        assert handed.status_code == 302 and shift.handovers.get().note == "无"
        empty = client.post(
            reverse("monitoring:roster"),
            {"action": "handover", "unit": centre.pk, "month": "2026-12", "shift": shift.pk, "note": ""},
        )
        assert empty.status_code == 400 and "交接事项" in empty.content.decode()
    html = Template("{% load monitoring_tags %}{{ user|can_patrol }}").render(Context({"user": watcher}))
    assert html == "True"


def test_the_navigation_leads_to_the_patrol_and_its_compliance(client, org, watch):
    """002 第六条: the person who patrols reaches 巡查 from every page; the office reaches 巡查情况 (考核)."""
    centre, forum, board, watcher = watch
    client.force_login(watcher)
    html = client.get(reverse("ticket_list")).content.decode()
    assert f'href="{reverse("monitoring:patrol")}"' in html
    assert f'href="{reverse("monitoring:compliance")}"' not in html
    client.force_login(org.duty)
    html = client.get(reverse("ticket_list")).content.decode()
    assert f'href="{reverse("monitoring:compliance")}"' in html
