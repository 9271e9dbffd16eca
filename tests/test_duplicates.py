"""查重 at intake (issue 14): near titles in Chinese are found by their character bigrams, over the admin's window and
threshold (查重设置), with the reason shown (the similarity and the words shared, or the same link); an officer is
never told of a confidential (敏感) item they are not cleared for."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.desk import dice, possible_duplicates, shared_runs
from incidents.models import DuplicateCheckSettings
from org.models import Role
from tests.factories import person

EXISTING = "网传某小学食堂饭菜变质，家长群热议"
TODAY = "网传县实验小学食堂饭菜变质，多名学生腹痛"


def test_the_pair_from_the_issue_matches_and_says_why(org, make_incident):
    existing = make_incident(title=EXISTING)
    (match,) = possible_duplicates(org.duty, title=TODAY)
    assert match.incident == existing and not match.same_link
    assert match.score == pytest.approx(16 / 33)  # 8 shared bigrams of 19 and 14
    assert match.reason == "标题相似度 48%：共同词 小学食堂饭菜变质、网传"
    assert [text for text, shared in match.segments if shared] == ["网传", "小学食堂饭菜变质"]


@pytest.mark.parametrize(
    "title",
    [
        "网传县实验小学门口交通拥堵",  # shares only 网传 and 小学
        "网传县人民医院急诊科医生态度恶劣",
        "网传县一中学生食堂饭菜不卫生",  # another school's canteen: 29%, under the default 35%
    ],
)
def test_different_matters_do_not_match(org, make_incident, title):
    make_incident(title=EXISTING)
    assert possible_duplicates(org.duty, title=title) == []


def test_the_summary_counts_when_the_titles_differ(org, make_incident):
    make_incident(title="家长反映学校伙食问题", summary="县实验小学食堂饭菜变质，多名学生腹痛就医")
    assert possible_duplicates(org.duty, title="学生腹痛", summary="") == []
    (match,) = possible_duplicates(org.duty, title="学生集体腹痛", summary="县实验小学食堂饭菜变质多名学生腹痛")
    assert match.where == "标题与摘要" and match.reason.startswith("标题与摘要相似度")


def test_the_same_link_matches_whatever_the_title(org, make_incident):
    make_incident(title=EXISTING, links=[{"platform": "论坛", "url": "https://bbs.example.cn/t/9"}])
    (match,) = possible_duplicates(org.duty, title="完全无关的标题", url="https://bbs.example.cn/t/9")
    assert match.same_link and match.reason == "同一链接"


def test_the_window_and_threshold_are_the_admins(org, make_incident):
    with time_machine.travel(timezone.now() - timedelta(days=20), tick=False):
        make_incident(title=EXISTING)
    assert len(possible_duplicates(org.duty, title=TODAY)) == 1  # default: 30 days, 35%
    DuplicateCheckSettings.objects.create(window_days=10, threshold=35)
    assert possible_duplicates(org.duty, title=TODAY) == []
    DuplicateCheckSettings.objects.update(window_days=30, threshold=60)
    assert possible_duplicates(org.duty, title=TODAY) == []
    DuplicateCheckSettings.objects.update(threshold=45)
    assert len(possible_duplicates(org.duty, title=TODAY)) == 1


def test_merged_items_are_not_offered(org, make_incident):
    target = make_incident(title="网传某地拖欠农民工工资")
    merged = make_incident(title=EXISTING)
    services.merge_incident(org.duty, merged, into=target.pk, reason="重复")
    assert possible_duplicates(org.duty, title=TODAY) == []


def test_a_confidential_item_is_not_revealed_to_an_officer_not_cleared(org, make_incident, client):
    other_officer = person("duty2", org.office, Role.DUTY_OFFICER)
    services.report_incident(other_officer, title=EXISTING, is_confidential=True)
    assert possible_duplicates(org.duty, title=TODAY) == []
    client.force_login(org.duty)
    html = client.post(reverse("desk_duplicates"), {"title": TODAY}).content.decode()
    assert "食堂" not in html and "可能重复" not in html
    # Its reporter sees it.
    assert len(possible_duplicates(other_officer, title=TODAY)) == 1


def test_the_intake_helper_shows_the_reason_with_the_shared_words_marked(org, make_incident, client):
    make_incident(title=EXISTING)
    client.force_login(org.duty)
    html = client.post(reverse("desk_duplicates"), {"title": TODAY, "summary": "", "url": ""}).content.decode()
    assert "标题相似度 48%：共同词 小学食堂饭菜变质、网传" in html
    assert "<mark>小学食堂饭菜变质</mark>" in html


def test_bigram_helpers():
    assert dice({"食堂", "饭菜"}, {"食堂"}) == pytest.approx(2 / 3)
    assert dice(set(), {"食堂"}) == 0
    assert shared_runs("食堂，饭菜", {"食堂", "堂饭"}) == (("食堂", True), ("，", False), ("饭", True), ("菜", False))
