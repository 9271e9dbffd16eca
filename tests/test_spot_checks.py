"""销号抽查复核 (000 四.3 销号管理): each period a reproducible, audited random sample of the incidents closed in
the period before is drawn once, and the supervising office records a verdict per sampled incident; 虚假反馈 and
反馈不及时 lead to a 通报批评 counted in 考核, 问题未解决 reopens the incident."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.errors import Conflict, InvalidInput, NotPermitted
from core.models import AuditEvent
from incidents import services
from incidents.models import Feedback, TicketRole
from reporting.assessment import assess_units
from reporting.models import Criticism
from review import services as review
from review import tasks
from review.models import PeriodKind, SpotCheck, SpotCheckDraw, SpotCheckSettings, Verdict

SH = ZoneInfo("Asia/Shanghai")
OCTOBER = datetime(2026, 10, 12, 10, 0, tzinfo=SH)
NOVEMBER_2 = date(2026, 11, 2)


@pytest.fixture
def closed_in_october(org, make_incident):
    """Six incidents handled by 教育局 and closed in October 2026."""

    def make(n=6):
        made = []
        with time_machine.travel(OCTOBER, tick=False):
            for i in range(n):
                incident = make_incident(title=f"十月舆情{i}", grade="IV")
                (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
                services.claim_ticket(org.edu_liaison, lead)
                services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="已整改并回应。")
                services.close_incident(org.duty, incident, opinion="同意")
                incident.refresh_from_db()
                made.append(incident)
        return made

    return make


def _settings(size=3, percent=0, period=PeriodKind.MONTH):
    SpotCheckSettings.objects.all().delete()
    return SpotCheckSettings.objects.create(period=period, sample_size=size, sample_percent=percent)


def test_the_draw_is_reproducible_from_its_recorded_seed_and_audited(org, closed_in_october):
    """000 四.3: the sample is drawn at random yet reproducible: the recorded seed gives the same sample again."""
    incidents = closed_in_october(6)
    _settings(size=3)
    draw = review.draw_spot_checks(org.duty, today=NOVEMBER_2)
    picked = list(draw.checks.values_list("incident_id", flat=True))
    assert len(picked) == 3 and set(picked) <= {i.pk for i in incidents}
    assert (draw.period_start, draw.period_end, draw.population) == (date(2026, 10, 1), date(2026, 11, 1), 6)
    assert review.sample(draw, [i.pk for i in incidents], 3) == sorted(picked)
    event = AuditEvent.objects.get(action="spot_check.draw")
    assert event.after["seed"] == draw.seed and event.after["sampled"] == sorted(picked)


def test_the_draw_is_made_once_per_period_beat_and_office_alike(org, closed_in_october):
    """000 四.3: a period is drawn once; the beat catches up a missed period and re-running changes nothing."""
    closed_in_october(4)
    _settings(size=2)
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=SH), tick=False):
        tasks.draw_due_spot_checks()  # catch-up: weeks after the period started
        tasks.draw_due_spot_checks()
        first = SpotCheckDraw.objects.get()
        again = review.draw_spot_checks(org.duty)
    assert again.pk == first.pk and SpotCheckDraw.objects.count() == 1 and SpotCheck.objects.count() == 2
    assert AuditEvent.objects.filter(action="spot_check.draw").count() == 1


def test_the_sample_size_takes_the_larger_of_count_and_percentage(org, closed_in_october):
    """000 四.3: the office sets how many are checked, as a number or a share of the period's closed items."""
    closed_in_october(6)
    _settings(size=1, percent=50)
    assert review.draw_spot_checks(org.duty, today=NOVEMBER_2).checks.count() == 3


def test_only_the_office_draws_and_checks(org, closed_in_october):
    """000 四.3: the re-check is the supervising office's."""
    closed_in_october(2)
    _settings(size=1)
    with pytest.raises(NotPermitted, match="依据 000 四.3"):
        review.draw_spot_checks(org.edu_liaison, today=NOVEMBER_2)
    check = review.draw_spot_checks(org.duty, today=NOVEMBER_2).checks.get()
    with pytest.raises(NotPermitted):
        review.record_verdict(org.edu_leader, check, verdict=Verdict.CONFIRMED)


def test_false_feedback_is_a_criticism_counted_in_the_assessment(org, closed_in_october):
    """000 四.3: 虚假反馈 (and 反馈不及时) → 通报批评 of the lead unit, counted in 考核."""
    closed_in_october(2)
    _settings(size=2)
    first, second = review.draw_spot_checks(org.duty, today=NOVEMBER_2).checks.all()
    with pytest.raises(InvalidInput, match="复核说明"):
        review.record_verdict(org.duty, first, verdict=Verdict.FALSE_FEEDBACK, note=" ")
    with pytest.raises(InvalidInput, match="复核结论"):
        review.record_verdict(org.duty, first, verdict="maybe", note="x")
    assert not Criticism.objects.exists()
    with time_machine.travel(datetime(2026, 11, 3, 10, 0, tzinfo=SH), tick=False):
        review.record_verdict(org.duty, first, verdict=Verdict.FALSE_FEEDBACK, note="回访群众，整改未落实。")
        review.record_verdict(org.duty, second, verdict=Verdict.LATE_FEEDBACK, note="超期三日才反馈。")
    causes = sorted(Criticism.objects.filter(unit=org.edu).values_list("cause", flat=True))
    assert causes == ["false", "late"]
    assert "销号抽查复核" in Criticism.objects.first().reason
    with pytest.raises(Conflict):
        review.record_verdict(org.duty, first, verdict=Verdict.CONFIRMED)
    scores = {
        row.unit_id: row for row in assess_units(datetime(2026, 11, 1, tzinfo=SH), datetime(2026, 12, 1, tzinfo=SH))
    }
    assert scores[org.edu.pk].criticisms == 2


def test_problem_not_solved_reopens_the_incident_citing_the_spot_check(org, closed_in_october):
    """000 四.3: 问题未解决 → the incident comes back (舆情反复), its reason citing the spot check."""
    closed_in_october(1)
    _settings(size=1)
    check = review.draw_spot_checks(org.duty, today=NOVEMBER_2).checks.get()
    review.record_verdict(org.duty, check, verdict=Verdict.NOT_DONE, note="现场仍有垃圾堆放。")
    check.incident.refresh_from_db()
    assert check.incident.status == "reopened" and check.incident.closed_at is None
    reopen = AuditEvent.objects.filter(incident_id=check.incident_id).order_by("-pk").first()
    assert "销号抽查复核：问题未解决" in reopen.reason
    assert not Criticism.objects.exists()


def test_a_confirmed_verdict_changes_nothing_else(org, closed_in_october):
    """000 四.3: a confirmed 销号 stays closed, no criticism."""
    closed_in_october(1)
    _settings(size=1)
    check = review.draw_spot_checks(org.duty, today=NOVEMBER_2).checks.get()
    review.record_verdict(org.duty, check, verdict=Verdict.CONFIRMED)
    check.incident.refresh_from_db()
    assert check.incident.status == "closed" and not Criticism.objects.exists()


def test_the_office_draws_and_records_verdicts_on_the_page(org, closed_in_october, client):
    """000 四.3 on the page: the office draws, a bad verdict is a 400 with a Chinese error and changes nothing, a
    good one is recorded; a liaison is refused."""
    closed_in_october(1)
    _settings(size=1)
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=SH)):
        client.force_login(org.edu_liaison)
        assert client.get(reverse("spot_checks")).status_code == 403
        client.force_login(org.duty)
        response = client.post(reverse("spot_check_draw_new"))
        draw = SpotCheckDraw.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse("spot_check_draw", args=[draw.pk])
        shown = client.get(response["Location"])
        assert shown.status_code == 200, shown
        page = shown.content.decode()
        assert "十月舆情0" in page and draw.seed in page and "依据 000 四.3" in page
        check = draw.checks.get()
        prefix = f"c{check.pk}-"
        bad = client.post(
            reverse("spot_check_verdict", args=[check.pk]), {prefix + "verdict": "false_feedback", prefix + "note": ""}
        )
        assert bad.status_code == 400 and "结论不是“核实无误”时须填写复核说明" in bad.content.decode()
        check.refresh_from_db()
        assert check.verdict == ""
        good = client.post(
            reverse("spot_check_verdict", args=[check.pk]),
            {prefix + "verdict": "not_done", prefix + "note": "群众再次反映，问题依旧。"},
        )
        assert good.status_code == 302
        check.refresh_from_db()
        check.incident.refresh_from_db()
        assert check.verdict == "not_done" and check.incident.status == "reopened"


def test_the_navigation_leads_to_the_spot_checks_and_the_log(client, org):
    """000 四.3 and 002 第八条: the office reaches 销号抽查 and 舆情日志 from every page; a liaison its 舆情日志 only."""
    client.force_login(org.duty)
    html = client.get(reverse("ticket_list")).content.decode()
    assert f'href="{reverse("spot_checks")}"' in html and f'href="{reverse("incident_log")}"' in html
    client.force_login(org.edu_liaison)
    html = client.get(reverse("ticket_list")).content.decode()
    assert f'href="{reverse("incident_log")}"' in html and f'href="{reverse("spot_checks")}"' not in html
