"""Backfill (issue 15; 000 二.1 每日下午17时前报送): the units' submissions made before candidates existed become
candidates on the office's request for a date range (the candidates page's button, and manage.py
backfill_candidates), one per "标题+链接" line, none for a link already known, none twice however often it runs;
each run audited; outside the range nothing; for the office only."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent
from monitoring.backfill import backfill_candidates
from monitoring.models import Candidate
from reporting.models import DailySubmission


@pytest.fixture
def old_submissions(org, make_incident):
    """Written straight to the table, as the submissions made before the candidate feature were: no candidates."""
    make_incident(title="县城论坛热帖", links=[{"platform": "论坛", "url": "https://bbs.example.cn/t/3003"}])

    def submit(unit, day, content):
        return DailySubmission.objects.create(
            unit=unit,
            date=day,
            submitted_by=org.edu_liaison,
            content=content,
            submitted_at=datetime.datetime.now(datetime.UTC),
        )

    return [
        submit(
            org.edu,
            datetime.date(2026, 11, 2),
            "某中学食堂饭菜变质 https://tieba.example.cn/p/1001\n已报过的链接 https://bbs.example.cn/t/3003\n无",
        ),
        submit(org.health, datetime.date(2026, 11, 3), "医院排队过长 https://weibo.example.cn/2002"),
        submit(org.edu, datetime.date(2026, 11, 20), "范围之外 https://weibo.example.cn/9009"),
    ]


def test_the_office_backfills_a_range_on_the_candidates_page_once(client, org, old_submissions):
    assert not Candidate.objects.exists()
    client.force_login(org.duty)
    form = {"action": "backfill", "backfill-start": "2026-11-01", "backfill-end": "2026-11-10"}
    response = client.post("/monitoring/candidates/", form, follow=True)
    assert "2份报送，新生成候选舆情2条" in response.content.decode()
    made = Candidate.objects.order_by("line_no", "pk")
    assert sorted(made.values_list("title", "line_no")) == [("医院排队过长", 1), ("某中学食堂饭菜变质", 1)]
    assert {c.origin for c in made} == {Candidate.Origin.SUBMISSION}
    assert not made.filter(url="https://weibo.example.cn/9009").exists()  # outside the range
    again = client.post("/monitoring/candidates/", form, follow=True)
    assert "新生成候选舆情0条" in again.content.decode()
    assert Candidate.objects.count() == 2
    runs = AuditEvent.objects.filter(action="candidates_backfilled").order_by("id")
    assert [(e.actor_id, e.after["created"]) for e in runs] == [(org.duty.pk, 2), (org.duty.pk, 0)]


def test_the_command_backfills_as_the_system_and_is_idempotent(org, old_submissions, capsys):
    call_command("backfill_candidates", "--from", "2026-11-01", "--to", "2026-11-30")
    assert "3份报送，新生成候选舆情3条" in capsys.readouterr().out
    call_command("backfill_candidates", "--from", "2026-11-01", "--to", "2026-11-30")
    assert "新生成候选舆情0条" in capsys.readouterr().out
    assert Candidate.objects.count() == 3
    assert AuditEvent.objects.filter(action="candidates_backfilled", actor_id=None).count() == 2
    with pytest.raises(CommandError, match="结束日期不能早于开始日期"):
        call_command("backfill_candidates", "--from", "2026-11-30", "--to", "2026-11-01")
    with pytest.raises(CommandError, match="日期应写成"):
        call_command("backfill_candidates", "--from", "11/01", "--to", "2026-11-30")


def test_only_the_office_backfills(client, org, old_submissions):
    with pytest.raises(NotPermitted):
        backfill_candidates(org.edu_liaison, start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30))
    with pytest.raises(InvalidInput):
        backfill_candidates(org.duty, start=datetime.date(2025, 1, 1), end=datetime.date(2026, 11, 30))
    client.force_login(org.edu_liaison)
    assert client.post("/monitoring/candidates/", {"action": "backfill"}).status_code == 403
    assert not Candidate.objects.exists()
