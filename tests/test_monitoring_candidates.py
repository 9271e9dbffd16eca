"""Candidates from the units' 17:00 submissions (issue 15; 000 二.1): one per "标题+链接" line, never twice (re-processing
and a corrected resubmission make no second one), none for a link already in an incident or another candidate, a near
title marked 疑似重复; the office accepts (an incident through intake), merges (the link joins the incident) or
discards with a reason, each audited; the page for the office only."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.errors import Conflict, InvalidInput, NotPermitted
from core.models import AuditEvent
from incidents.models import SourceLink
from monitoring import candidates
from monitoring.models import Candidate, Keyword
from reporting import services
from reporting.models import ReportSettings, RiskTopic

SH = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 11, 24, 12, 0, tzinfo=SH)

CONTENT = """某中学食堂饭菜变质引家长不满 https://tieba.example.cn/p/1001
城关镇道路积水严重 https://weibo.example.cn/2002
已报过的链接 https://bbs.example.cn/t/3003
网传某校食堂问题再起 https://bbs.example.cn/t/4004"""


@pytest.fixture
def submitted(org, make_incident):
    ReportSettings.current().collecting_units.set([org.edu, org.health, org.police])
    topic = RiskTopic.objects.create(name="食品安全", keywords="霉变", unit=org.health)
    Keyword.objects.create(phrase="食堂饭菜变质", topic=topic)
    with time_machine.travel(NOON, tick=False):
        known = make_incident(
            title="县城论坛热帖", links=[{"platform": "论坛", "url": "https://bbs.example.cn/t/3003"}]
        )
        similar = make_incident(title="网传某校食堂问题")
        submission = services.submit_daily_items(org.edu_liaison, unit=org.edu, content=CONTENT)
    return submission, known, similar


def test_each_line_becomes_one_candidate_and_known_links_none(org, submitted):
    submission, known, similar = submitted
    rows = {c.line_no: c for c in Candidate.objects.filter(submission=submission)}
    assert sorted(rows) == [1, 2, 4]  # line 3's link is already an incident's
    assert rows[1].title == "某中学食堂饭菜变质引家长不满" and rows[1].url == "https://tieba.example.cn/p/1001"
    assert rows[1].unit == org.edu and rows[1].status == Candidate.Status.PENDING
    assert rows[1].matched == ["食堂饭菜变质"] and rows[1].topic.name == "食品安全"
    assert rows[1].responsible_unit == org.health
    assert rows[4].similar_to == similar and "相似度" in rows[4].similar_reason
    assert rows[2].similar_to is None
    event = AuditEvent.objects.get(action="candidates_from_submission")
    assert event.after["duplicate_lines"] == [3]


def test_reprocessing_and_resubmitting_make_no_second_candidate(org, submitted):
    submission, *_ = submitted
    assert candidates.candidates_from_submission(submission) == []
    assert Candidate.objects.count() == 3
    with time_machine.travel(NOON.replace(hour=16), tick=False):
        # The unit corrects its submission: the same links in another order plus one new line.
        services.submit_daily_items(
            org.edu_liaison,
            unit=org.edu,
            content="城关镇道路积水严重 https://weibo.example.cn/2002\n新增一条 https://news.example.cn/5005\n"
            + CONTENT,
        )
    assert Candidate.objects.count() == 4
    assert Candidate.objects.filter(url="https://weibo.example.cn/2002").count() == 1


def test_nothing_submitted_makes_no_candidate(org):
    ReportSettings.current().collecting_units.set([org.police])
    with time_machine.travel(NOON, tick=False):
        services.submit_daily_items(org.police_liaison, unit=org.police, content="无")
    assert not Candidate.objects.exists()


def test_accept_merge_discard(org, submitted):
    submission, known, similar = submitted
    rows = {c.line_no: c for c in Candidate.objects.filter(submission=submission)}
    accepted = candidates.accept_candidate(org.duty, rows[1])
    incident = accepted.incident
    assert incident.title == "某中学食堂饭菜变质引家长不满" and incident.subject_unit == org.health
    assert list(incident.links.values_list("url", flat=True)) == ["https://tieba.example.cn/p/1001"]
    assert incident.keyword_hits.filter(phrase="食堂饭菜变质").exists()

    merged = candidates.merge_candidate(org.duty, rows[4], into=similar)
    assert merged.status == Candidate.Status.MERGED and merged.incident == similar
    assert SourceLink.objects.filter(incident=similar, url="https://bbs.example.cn/t/4004").exists()

    with pytest.raises(InvalidInput):
        candidates.discard_candidate(org.duty, rows[2], reason="  ")
    discarded = candidates.discard_candidate(org.duty, rows[2], reason="与本县无关")
    assert discarded.status == Candidate.Status.DISCARDED and discarded.reason == "与本县无关"
    with pytest.raises(Conflict):
        candidates.accept_candidate(org.duty, rows[2])
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"candidate_accepted", "candidate_merged", "candidate_discarded", "candidate_merge_received"} <= actions


def test_only_the_office_decides(org, submitted):
    candidate = Candidate.objects.first()
    with pytest.raises(NotPermitted):
        candidates.accept_candidate(org.edu_liaison, candidate)
    with pytest.raises(NotPermitted):
        candidates.discard_candidate(org.leader, candidate, reason="x")


def test_candidates_page(client, org, submitted):
    submission, known, similar = submitted
    client.force_login(org.edu_liaison)
    assert client.get(reverse("monitoring:candidates")).status_code == 403
    client.force_login(org.duty)
    page = client.get(reverse("monitoring:candidates"))
    body = page.content.decode()
    assert page.status_code == 200 and "某中学食堂饭菜变质引家长不满" in body and "疑似重复" in body
    row = Candidate.objects.get(line_no=2)
    response = client.post(reverse("monitoring:candidates"), {"candidate": row.pk, "action": "discard", "reason": ""})
    assert response.status_code == 400 and "请填写舍弃原因" in response.content.decode()
    row.refresh_from_db()
    assert row.status == Candidate.Status.PENDING
    bad = client.post(reverse("monitoring:candidates"), {"candidate": row.pk, "action": "merge", "into": "YQ1"})
    assert bad.status_code == 400
    ok = client.post(reverse("monitoring:candidates"), {"candidate": row.pk, "action": "merge", "into": similar.number})
    assert ok.status_code == 302
    row.refresh_from_db()
    assert row.status == Candidate.Status.MERGED
