"""The office maintains the keyword library on its own page (issue 15; 004 二(二) 及时更新舆情关键词): add, edit,
stop and restart keywords per risk topic and per 属事 unit, search them, see each keyword's history (who, when,
before → after, the admin's changes too) and hit counts, import a sheet (.xlsx, all or nothing, bad rows by row
number); every change is matched from the next item on, in this process and in any other (the version stamp)."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent
from monitoring import keyword_import, keyword_library, matching
from monitoring.keyword_library import KeywordData
from monitoring.models import Keyword, KeywordHit, KeywordLibrary
from reporting.models import RiskTopic


@pytest.fixture
def food(org):
    return RiskTopic.objects.create(name="食品安全", keywords="", unit=org.health)


def sheet(*rows) -> bytes:
    book = Workbook()
    book.active.append(["关键词", "风险点", "属事单位", "建议等级", "说明"])
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_office_adds_edits_and_stops_a_keyword_and_the_matcher_follows_at_once(org, food):
    assert not matching.match("学校食堂饭菜变质")
    keyword = keyword_library.create_keyword(org.duty, KeywordData("饭菜变质", food, None, "III"))
    result = matching.match("学校食堂饭菜变质")
    assert result.words == ("饭菜变质",) and result.topic_name == "食品安全" and result.grade == "III"
    keyword_library.update_keyword(org.duty, keyword, KeywordData("食物中毒", food, org.edu, "II", "校园"))
    assert not matching.match("学校食堂饭菜变质")
    assert matching.match("疑似食物中毒").unit_name == "教育局"
    keyword_library.set_keyword_active(org.duty, keyword, False, reason="合并到其他词")
    assert not matching.match("疑似食物中毒")
    keyword_library.set_keyword_active(org.duty, keyword, True)
    assert matching.match("疑似食物中毒")
    events = AuditEvent.objects.filter(object_type="keyword", object_id=str(keyword.pk)).order_by("id")
    assert [e.actor_id for e in events] == [org.duty.pk] * 4
    assert events[1].before == {"phrase": "饭菜变质", "unit": None, "raise_to": "III", "note": ""}
    assert events[1].after == {"phrase": "食物中毒", "unit": org.edu.pk, "raise_to": "II", "note": "校园"}
    assert events[2].after == {"is_active": False} and events[2].reason == "合并到其他词"


def test_a_change_made_by_another_process_is_seen_by_this_ones_next_match(org, food):
    """Each process keeps its automaton and reads the version stamp at each match: a bump elsewhere rebuilds it."""
    Keyword.objects.create(phrase="霉变大米", topic=food)
    assert matching.match("发现霉变大米")
    built = matching.matcher()
    # Another worker changed the library: the row and the version stamp, nothing in this process' memory.
    Keyword.objects.filter(phrase="霉变大米").update(phrase="过期牛奶")
    KeywordLibrary.objects.filter(pk=1).update(stamp="00000000-0000-0000-0000-000000000001")
    assert matching.matcher() is not built
    assert not matching.match("发现霉变大米") and matching.match("超市卖过期牛奶")


def test_a_stopped_risk_topic_stops_its_keywords(org, food):
    keyword_library.create_keyword(org.duty, KeywordData("地沟油", food, None))
    assert matching.match("网传地沟油")
    food.is_active = False
    food.save()
    assert not matching.match("网传地沟油")
    with pytest.raises(InvalidInput, match="该风险点已停用"):
        keyword_library.create_keyword(org.duty, KeywordData("过期食品", food, None))


def test_refusals_say_what_is_wrong_and_change_nothing(org, food):
    keyword_library.create_keyword(org.duty, KeywordData("食物中毒", food, None))
    for data, field, words in [
        (KeywordData(" ", food, None), "phrase", "请填写关键词"),
        (KeywordData("毒", food, None), "phrase", "至少2个字"),
        (KeywordData("食物中毒", None, None), "topic", "至少一项"),
        (KeywordData("食物 中毒", food, None), "phrase", "已有相同的关键词"),  # the same once normalised
    ]:
        with pytest.raises(InvalidInput) as caught:
            keyword_library.create_keyword(org.duty, data)
        assert words in caught.value.field_errors[field][0]
    with pytest.raises(NotPermitted):
        keyword_library.create_keyword(org.edu_liaison, KeywordData("校园欺凌", food, None))
    assert Keyword.objects.count() == 1


def test_the_page_searches_filters_shows_hits_and_a_keywords_history(client, org, food):
    kept = keyword_library.create_keyword(org.duty, KeywordData("食物中毒", food, None))
    keyword_library.create_keyword(org.duty, KeywordData("校园欺凌", None, org.edu))
    KeywordHit.objects.create(keyword=kept, phrase="食物中毒", topic=food, matched_at=kept.updated_at)
    client.force_login(org.duty)
    page = client.get("/monitoring/keywords/", {"q": "中毒"}).content.decode()
    assert "食物中毒" in page and "校园欺凌" not in page and "命中 1（近30天 1）" in page
    by_unit = client.get("/monitoring/keywords/", {"unit": org.edu.pk}).content.decode()
    assert "校园欺凌" in by_unit and "食物中毒" not in by_unit
    response = client.post(
        reverse("monitoring:keyword", args=[kept.pk]),
        {"action": "save", "phrase": "集体食物中毒", "topic": food.pk, "unit": "", "raise_to": "II", "note": ""},
    )
    assert response.status_code == 302
    detail = client.get(reverse("monitoring:keyword", args=[kept.pk])).content.decode()
    assert "食物中毒 → 集体食物中毒" in detail and "— → II级（重大）" in detail
    assert (org.duty.get_full_name() or org.duty.get_username()) in detail
    assert client.post(reverse("monitoring:keyword", args=[kept.pk]), {"action": "deactivate"}).status_code == 302
    assert (
        client.get("/monitoring/keywords/", {"state": "inactive"}).content.decode().count('data-testid="keyword"') == 1
    )
    client.force_login(org.edu_liaison)
    assert client.get("/monitoring/keywords/").status_code == 403


def test_the_admins_changes_show_in_the_history_too(client, org, food):
    client.force_login(org.admin)
    client.post(
        reverse("admin:monitoring_keyword_add"),
        {"phrase": "地沟油", "topic": food.pk, "unit": "", "raise_to": "", "is_active": "on", "note": ""},
    )
    keyword = Keyword.objects.get(phrase="地沟油")
    history = keyword_library.keyword_history(org.duty, keyword)
    assert len(history) == 1 and ("关键词/短语", "—", "地沟油") in history[0].lines


def test_import_adds_all_rows_or_none_with_the_bad_rows_by_number(client, org, food):
    bad = sheet(
        ["地沟油", "食品安全", "", "III", ""],
        ["", "食品安全", "", "", ""],
        ["校园欺凌", "不存在的风险点", "", "", ""],
        ["过期食品", "食品安全", "", "V", ""],
        ["地沟油", "食品安全", "", "", ""],
        ["公式", "=A1", "", "", ""],
    )
    with pytest.raises(InvalidInput) as caught:
        keyword_import.import_keywords(org.duty, bad)
    problems = caught.value.field_errors["file"]
    assert [p.split("：")[0] for p in problems] == ["第3行", "第4行", "第5行", "第6行", "第7行"]
    assert "与第2行重复" in problems[3]
    assert not Keyword.objects.exists()
    client.force_login(org.duty)
    page = client.post("/monitoring/keywords/", {"action": "import", "file": io.BytesIO(bad)})
    assert page.status_code == 400 and "第4行" in page.content.decode()
    good = io.BytesIO(sheet(["地沟油", "食品安全", "", "III级", "每日抽查"], ["校园欺凌", "", "教育局", "", ""]))
    good.name = "keywords.xlsx"
    assert client.post("/monitoring/keywords/", {"action": "import", "file": good}).status_code == 302
    assert matching.match("网传地沟油").grade == "III"  # bulk_create sends no signal: the import bumps
    assert matching.match("校园欺凌事件").unit_name == "教育局"
    made = Keyword.objects.get(phrase="地沟油")
    event = AuditEvent.objects.get(object_type="keyword", object_id=str(made.pk))
    assert event.reason == "从 .xlsx 导入（第2行）" and event.actor_id == org.duty.pk


def test_the_blank_sheet_downloads_and_its_example_row_imports(client, org, food):
    client.force_login(org.duty)
    response = client.get(reverse("monitoring:keyword_sheet"))
    assert response.status_code == 200 and response["Content-Type"].endswith("spreadsheetml.sheet")
    made = keyword_import.import_keywords(org.duty, response.content)
    assert [(k.phrase, k.topic, k.raise_to) for k in made] == [("食堂饭菜变质", food, "III")]
    client.force_login(org.edu_liaison)
    assert client.get(reverse("monitoring:keyword_sheet")).status_code == 403


def test_a_file_that_is_not_xlsx_is_refused(org):
    with pytest.raises(InvalidInput, match="无法读取该文件"):
        keyword_import.import_keywords(org.duty, b"not a workbook")
