"""The incident search box (issue 14): number, title, summary, source URL and unit names, for Chinese text (character
bigrams, incidents/search.py), through the visibility selector (a 敏感 item never matches for someone not cleared),
and on PostgreSQL answered from the GIN index at scale."""

import importlib
import random
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from incidents import search, selectors, services
from incidents.models import Incident, TicketRole
from org.models import Role

from .factories import person

NEAR = "网传县实验小学食堂饭菜变质，多名学生腹痛"


def found(user, q):
    return [i.title for i in selectors.incident_list(user, q=q)]


@pytest.fixture
def items(org, make_incident):
    school = make_incident(NEAR, summary="家长在微信群反映孩子午餐后呕吐。", grade="IV")
    road = make_incident(
        "城关镇道路积水严重",
        links=[{"platform": "微博", "url": "https://weibo.com/7788/Qabc123"}],
        subject_unit=org.town,
    )
    other = make_incident("某小区物业收费纠纷")
    return SimpleNamespace(school=school, road=road, other=other)


def test_chinese_title_words_in_any_spacing_find_the_item(org, items):
    assert found(org.duty, "食堂饭菜") == [NEAR]
    assert found(org.duty, "小学 变质") == [NEAR]  # words apart, no bigram across the space
    assert found(org.duty, "腹痛，食堂") == [NEAR]
    assert found(org.duty, "食堂漏水") == []  # every bigram must be there: 堂漏 漏水 are not


def test_summary_url_subject_unit_and_responsible_unit_are_searched(org, items):
    assert found(org.duty, "午餐后呕吐") == [NEAR]
    assert found(org.duty, "weibo.com/7788") == ["城关镇道路积水严重"]
    assert found(org.duty, "城关镇") == ["城关镇道路积水严重"]
    assert found(org.duty, "公安局") == []
    services.dispatch_incident(org.duty, items.school, assignments=[(org.police, TicketRole.LEAD)])
    assert found(org.duty, "公安局") == [NEAR]


def test_a_merged_duplicates_links_find_the_item_it_went_into(org, items, make_incident):
    duplicate = make_incident("重复报送", links=[{"platform": "抖音", "url": "https://douyin.com/video/555999"}])
    services.merge_incident(org.duty, duplicate, into=items.road)
    assert "城关镇道路积水严重" in found(org.duty, "douyin.com/video/555999")


def test_number_exact_and_prefix(org, items):
    assert found(org.duty, items.road.number) == ["城关镇道路积水严重"]
    assert found(org.duty, items.road.number.lower()) == ["城关镇道路积水严重"]
    day = items.road.number[:10]  # YQ20261130
    assert len(found(org.duty, day)) == 3
    assert found(org.duty, "YQ19990101") == []
    assert found(org.duty, "YQ20261399") == []  # no such day: nothing, no error


def test_a_confidential_title_never_matches_for_someone_not_cleared(org, make_incident):
    make_incident("网传某局长违规接受宴请", is_confidential=True)
    other_officer = person("duty2", org.office, Role.DUTY_OFFICER)
    assert found(org.duty, "局长 宴请") == ["网传某局长违规接受宴请"]  # the reporter
    assert found(other_officer, "局长 宴请") == []
    assert found(org.leader, "宴请") == []
    assert found(org.edu_liaison, "宴请") == []
    client = Client()
    client.force_login(other_officer)
    page = client.get("/incidents/", {"q": "局长宴请"}).content.decode()
    assert "宴请" not in page.replace("局长宴请", "")  # only the typed query is echoed, no result
    incident = Incident.objects.get(title="网传某局长违规接受宴请")
    services.grant_confidential_access(org.duty, incident, user=other_officer)
    assert found(other_officer, "局长 宴请") == ["网传某局长违规接受宴请"]


def test_a_liaison_finds_only_their_units_items(org, items):
    services.dispatch_incident(org.duty, items.school, assignments=[(org.edu, TicketRole.LEAD)])
    assert found(org.edu_liaison, "食堂") == [NEAR]
    assert found(org.police_liaison, "食堂") == []


def test_one_character_is_a_bounded_scan_and_the_page_says_so(org, items):
    assert found(org.duty, "堂") == [NEAR]
    assert search.parse("堂").bounded and not search.parse("食堂").bounded
    client = Client()
    client.force_login(org.duty)
    page = client.get("/incidents/", {"q": "堂"}).content.decode()
    assert "单字检索只在最近" in page and NEAR in page


def test_the_search_box_on_the_page(org, items):
    client = Client()
    client.force_login(org.duty)
    response = client.get("/incidents/", {"q": "小学 食堂"})
    page = response.content.decode()
    assert response.status_code == 200
    assert NEAR in page and "城关镇道路积水严重" not in page
    assert 'value="小学 食堂"' in page


def test_backfill_fills_the_terms_of_rows_written_before_the_column(org, items):
    Incident.objects.update(search_terms="")
    migration = importlib.import_module("incidents.migrations.0011_incident_search_terms")
    migration.backfill(apps, SimpleNamespace(connection=connection))
    assert found(org.duty, "食堂饭菜") == [NEAR]
    assert Incident.objects.get(pk=items.road.pk).search_terms == search.terms_for(items.road)


def test_terms_are_the_bigrams_of_every_piece():
    # Split at punctuation first: no bigram spans "s:" or "a.", as none spans a space in a query.
    assert search.terms_from("食堂饭菜", None, "https://a.cn/x") == "cn ht ps tp tt 堂饭 食堂 饭菜"
    assert search.parse("YQ20261130-00042").pk == 42
    assert search.parse("  ").bigrams == ()


# --- PostgreSQL: the plan uses the GIN index -------------------------------------------------------------------

WORDS = "网传 县城 某地 小学 中学 医院 道路 积水 物业 收费 纠纷 食堂 饭菜 变质 拆迁 补偿 噪音 扰民 停水 停电 交通 拥堵".split()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL only")
def test_search_on_postgresql_uses_the_gin_index_at_scale(org, make_incident):
    """20,000 incidents of realistic titles (common words repeat, one rare phrase); with the statistics ANALYZE
    gathers and no planner switches turned off, the rare search is a bitmap scan of the GIN index."""
    rng = random.Random(7)
    rows = []
    for n in range(20_000):
        title = "".join(rng.sample(WORDS, 4)) + f"第{n}号"
        rows.append(Incident(title=title, reported_by=org.duty, search_terms=search.terms_from(title)))
    rows[1234].title = "网传温泉度假村污水直排入河"
    rows[1234].search_terms = search.terms_from(rows[1234].title)
    Incident.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        # Other planner tests in this database insert thousands of rows and roll back: their entries stay in the GIN
        # index's pending list, which the planner charges to every GIN scan. A fresh index is what a county has.
        cursor.execute(f"REINDEX INDEX {search.INDEX_NAME}")
        cursor.execute("ANALYZE incidents_incident")
    qs = selectors.incident_list(org.duty, q="温泉 污水")
    assert [i.title for i in qs] == ["网传温泉度假村污水直排入河"]
    plan = qs.explain()
    assert search.INDEX_NAME in plan, plan
    common = selectors.incident_list(org.duty, q="网传")  # in a quarter of the rows: whichever plan is cheaper
    assert common.count() > 1000
