"""The keyword library (issue 15; 004 二(二) 及时更新舆情关键词): Chinese-aware matching (a phrase found across the
places a word segmenter cuts, full-width/half-width and case folded), the topic and 属事 unit suggested, the grade
suggestion raised with the matched words shown, the hits counted by the risk library's thresholds (风险提示函), the
matcher rebuilt only when the library's version moves, and the library's history on the audit trail."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditEvent
from incidents.grading import suggest_grade
from incidents.models import GradeSetting
from monitoring import matching
from monitoring.matching import normalise
from monitoring.models import Keyword, KeywordHit, KeywordLibrary
from reporting.models import RiskTopic
from reporting.risk import screen_risk_topics


@pytest.fixture
def library(org):
    food = RiskTopic.objects.create(name="食品安全", keywords="霉变", unit=org.health, threshold=2, window_days=7)
    school = RiskTopic.objects.create(name="校园安全", keywords="校园欺凌", unit=org.edu, threshold=5)
    Keyword.objects.create(phrase="食堂饭菜变质", topic=food, raise_to="III")
    Keyword.objects.create(phrase="学生", unit=org.edu)
    Keyword.objects.create(phrase="ABC幼儿园", topic=school)
    Keyword.objects.create(phrase="停用词", topic=school, is_active=False)
    return food, school


def test_a_phrase_is_found_across_segmentation_boundaries(library):
    # jieba cuts "学校食堂饭菜变质了" as 学校/食堂/饭菜/变质/了 and "饭堂食堂饭菜变质" differently again: the phrase is
    # no single token in either, Aho-Corasick over the characters finds it in both.
    for text in ("学校食堂饭菜变质了", "网传某中学食堂饭菜变质，家长很气愤", "饭堂食堂饭菜变质"):
        result = matching.match(text)
        assert "食堂饭菜变质" in result.words, text
        assert result.topic_name == "食品安全"
        assert result.unit_name == "卫健委"  # the topic's responsible unit when the keyword names none
        assert result.grade == "III"


def test_width_case_and_spaces_are_normalised(library):
    assert normalise("ＡＢＣ　幼儿园") == "abc幼儿园"
    assert matching.match("ａｂｃ 幼儿园 门口").words == ("ABC幼儿园",)
    assert matching.match("食堂 饭菜　变质").words == ("食堂饭菜变质",)


def test_no_match_and_inactive_keywords(library):
    assert not matching.match("今天天气很好")
    assert not matching.match("这是停用词")


def test_unit_keyword_suggests_the_responsible_unit(library):
    result = matching.match("学生在食堂饭菜变质后就医")
    assert set(result.words) == {"食堂饭菜变质", "学生"}
    assert {e.unit_name for e in result.hits} == {"卫健委", "教育局"}


def test_grade_suggestion_is_raised_with_the_reason(library):
    GradeSetting.objects.get_or_create(grade="IV", defaults={"label": "一般"})
    plain = suggest_grade(views=10)
    assert plain.grade == "IV"
    raised = suggest_grade(views=10, text="某中学食堂饭菜变质")
    assert raised.grade == "III"
    assert "食堂饭菜变质" in raised.explanation and "风险点：食品安全" in raised.explanation
    # A keyword that raises nothing still says what it matched, the grade stays.
    only_unit = suggest_grade(views=10, text="学生反映")
    assert only_unit.grade == "IV" and "学生" in only_unit.explanation


def test_the_desk_suggestion_shows_the_matched_words(client, org, library):
    client.force_login(org.duty)
    response = client.post(reverse("desk_suggest"), {"title": "网传食堂饭菜变质", "views": "1"})
    assert response.status_code == 200
    assert "食堂饭菜变质" in response.content.decode()
    assert 'data-grade="III"' in response.content.decode()


def test_new_incidents_store_hits_and_feed_the_risk_threshold(org, library, make_incident):
    food, _ = library
    make_incident(title="一中食堂饭菜变质")
    make_incident(title="城关小学食堂饭菜变质引关注")
    make_incident(title="无关的事")
    assert KeywordHit.objects.filter(topic=food, incident__isnull=False).count() == 2
    screening = {s.topic.pk: s for s in screen_risk_topics()}[food.pk]
    # RiskTopic.keywords ("霉变") matches neither title: the library's hits alone reach the threshold of 2.
    assert screening.matches == 2 and screening.flagged


def test_matcher_is_cached_per_version_and_rebuilt_on_change(library):
    first = matching.matcher()
    assert matching.matcher() is first
    with CaptureQueriesContext(connection) as queries:
        matching.match("食堂饭菜变质")
    assert len(queries) == 1  # the version check only
    Keyword.objects.create(phrase="暴雨积水", topic=library[0])
    assert KeywordLibrary.current_version() != first.version
    assert matching.matcher() is not first
    assert matching.match("暴雨积水严重").words == ("暴雨积水",)
    Keyword.objects.filter(phrase="暴雨积水").delete()  # a bulk delete sends post_delete per row as well
    assert not matching.match("暴雨积水严重")


def test_admin_edits_are_audited_history(client, org, library):
    client.force_login(org.admin)
    food, _ = library
    response = client.post(
        reverse("admin:monitoring_keyword_add"),
        {"phrase": "地沟油", "topic": food.pk, "unit": "", "raise_to": "", "is_active": "on", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    added = Keyword.objects.get(phrase="地沟油")
    assert AuditEvent.objects.filter(action="setting_change", object_type="keyword", object_id=str(added.pk)).exists()
    assert matching.match("食用地沟油").words == ("地沟油",)
    page = client.get(reverse("admin:monitoring_keyword_changelist"))
    assert "舆情关键词库" in page.content.decode()


def test_a_keyword_needs_a_topic_or_a_unit(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Keyword.objects.create(phrase="孤立的词")
