import pytest

from incidents.grading import suggest_grade


@pytest.mark.parametrize(
    "metrics, grade",
    [
        ({"views": 100, "comments": 5}, "IV"),
        ({"views": 1000}, "II"),  # plan #8: clicks 1,000–2,999 → 重大
        ({"comments": 499}, "II"),
        ({"views": 3000}, "I"),  # ≥ 3,000 → 特别重大
        ({"comments": 500}, "I"),
        ({"site_count": 5}, "I"),  # "5家以下" and "5家以上" both include 5: the higher grade wins
        ({"site_count": 1}, "II"),
        ({"media_level": "central"}, "I"),
        ({"media_level": "provincial"}, "II"),
        ({"media_level": "local"}, "IV"),
    ],
)
def test_thresholds_suggest_a_grade(db, metrics, grade):
    assert suggest_grade(**metrics).grade == grade


def test_suggestion_names_the_rule_and_follows_admin_edits(db):
    from incidents.models import GradeSetting

    suggestion = suggest_grade(views=1200, comments=20)
    assert suggestion.explanation == "浏览量 1200 ≥ 1000"
    GradeSetting.objects.filter(grade="III").update(min_views=500)
    assert suggest_grade(views=600).grade == "III"
