"""The incident and ticket API as an integration uses it: intake, the workflow end to end, lists, errors."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from incidents import services
from incidents.models import Incident, TicketRole

from .api_support import api_as, relaxed_throttles  # noqa: F401


@pytest.fixture
def duty_api(api_as, org):  # noqa: F811
    return api_as(org.duty)


def test_monitoring_platform_push_is_idempotent(duty_api):
    item = {
        "title": "网传某校食堂问题",
        "external_id": "weibo:12345",
        "views": 1200,
        "links": [{"platform": "微博", "url": "https://weibo.com/12345"}],
    }
    first = duty_api.post("/api/incidents/", item, format="json")
    again = duty_api.post("/api/incidents/", {**item, "title": "标题改了也是同一条"}, format="json")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["title"] == "网传某校食堂问题"
    assert Incident.objects.filter(external_id="weibo:12345").count() == 1
    assert AuditEvent.objects.filter(action="report").count() == 1


def test_a_liaisons_repeated_push_finds_its_own_report(api_as, org):  # noqa: F811
    client = api_as(org.edu_liaison)
    first = client.post("/api/incidents/", {"title": "本单位发现的舆情", "external_id": "douyin:9"}, format="json")
    again = client.post("/api/incidents/", {"title": "本单位发现的舆情", "external_id": "douyin:9"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert client.get(f"/api/incidents/{first.json()['id']}/").status_code == 200


def test_an_external_id_taken_by_an_invisible_incident_is_a_neutral_conflict(api_as, org, make_incident):  # noqa: F811
    hidden = make_incident(title="公安局内部线索：某某", external_id="weibo:777")
    response = api_as(org.police_liaison).post(
        "/api/incidents/", {"title": "同一条", "external_id": "weibo:777"}, format="json"
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "已被占用" in response.json()["detail"]
    assert hidden.title not in body and str(hidden.pk) not in body and hidden.number not in body
    assert Incident.objects.filter(external_id="weibo:777").count() == 1


def test_pushes_without_external_id_are_separate_incidents(duty_api):
    for _ in range(2):
        assert duty_api.post("/api/incidents/", {"title": "同名舆情"}, format="json").status_code == 201
    assert Incident.objects.filter(title="同名舆情").count() == 2


def test_the_whole_workflow_through_the_api(api_as, org):  # noqa: F811
    duty, edu, health = api_as(org.duty), api_as(org.edu_liaison), api_as(org.health_liaison)
    incident = duty.post(
        "/api/incidents/", {"title": "网传某校食堂问题", "category": "livelihood"}, format="json"
    ).json()
    url = f"/api/incidents/{incident['id']}"
    assert duty.post(f"{url}/grade/", {"grade": "IV", "reason": "本地关注"}, format="json").json()["grade"] == "IV"
    due = (timezone.now() + timedelta(days=3)).isoformat()
    dispatched = duty.post(
        f"{url}/dispatch/",
        {
            "tickets": [{"unit": org.edu.pk, "role": "lead"}, {"unit": org.health.pk, "role": "assist"}],
            "due_at": due,
            "instructions": "请核实并回应",
        },
        format="json",
    )
    assert dispatched.status_code == 200 and dispatched.json()["status"] == "dispatched"

    lead = edu.get("/api/tickets/").json()["results"][0]
    assert lead["role"] == "lead" and lead["incident"] == incident["id"]
    assert edu.post(f"/api/tickets/{lead['id']}/claim/").json()["status"] == "claimed"
    report = edu.post(
        f"/api/tickets/{lead['id']}/feedback/", {"kind": "report", "content": "已核实处理"}, format="json"
    )
    assert report.status_code == 201
    assist = health.get("/api/tickets/").json()["results"][0]
    health.post(f"/api/tickets/{assist['id']}/claim/")
    health.post(f"/api/tickets/{assist['id']}/feedback/", {"kind": "feedback", "content": "已配合"}, format="json")

    assert duty.get(f"{url}/").json()["status"] == "under_review"
    closed = duty.post(f"{url}/close/", {"opinion": "同意销号"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    timeline = [e["action"] for e in duty.get(f"{url}/audit/").json()["results"]]
    assert timeline[0] == "report" and timeline[-1] == "close"
    assert "claim" in timeline and "submit_feedback" in timeline


def test_detail_shows_only_the_callers_tickets(api_as, org, dispatched):  # noqa: F811
    tickets = api_as(org.edu_liaison).get(f"/api/incidents/{dispatched.incident.pk}/").json()["tickets"]
    assert [t["unit"] for t in tickets] == [org.edu.pk]
    events = api_as(org.edu_liaison).get(f"/api/incidents/{dispatched.incident.pk}/audit/").json()["results"]
    assert {e["ticket"] for e in events} <= {None, dispatched.lead.pk}


def test_lists_filter_order_and_page(duty_api, org, make_incident):
    a = make_incident(title="甲", grade="IV")
    b = make_incident(title="乙", grade="II")
    c = make_incident(title="丙")
    services.dispatch_incident(org.duty, a, assignments=[(org.edu, TicketRole.LEAD)])
    ids = lambda response: [item["id"] for item in response.json()["results"]]  # noqa: E731

    assert ids(duty_api.get("/api/incidents/")) == [c.pk, b.pk, a.pk]  # newest first, id breaks ties
    assert ids(duty_api.get("/api/incidents/", {"grade": "II"})) == [b.pk]
    assert ids(duty_api.get("/api/incidents/", {"status": "reported"})) == [c.pk]
    assert ids(duty_api.get("/api/incidents/", {"unit": org.edu.pk})) == [a.pk]
    assert ids(duty_api.get("/api/incidents/", {"ordering": "grade"})) == [c.pk, b.pk, a.pk]  # "" < "II" < "IV"
    assert ids(duty_api.get("/api/incidents/", {"ordering": "reported_at"})) == [a.pk, b.pk, c.pk]
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    assert ids(duty_api.get("/api/incidents/", {"reported_after": tomorrow})) == []
    page = duty_api.get("/api/incidents/", {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert ids(duty_api.get("/api/tickets/", {"incident": a.pk})) == [a.tickets.get().pk]


def test_q_searches_as_the_list_pages_search_box_does(duty_api, org, make_incident):
    """The same search as /incidents/ (incidents/search.py): words of the title or summary, the 舆情编号, a unit."""
    canteen = make_incident(title="网传某小学食堂饭菜变质", summary="家长群热议")
    road = make_incident(title="网民反映农村道路年久失修")
    ids = lambda params: [item["id"] for item in duty_api.get("/api/incidents/", params).json()["results"]]  # noqa: E731
    assert ids({"q": "食堂饭菜"}) == [canteen.pk]
    assert ids({"q": "家长"}) == [canteen.pk]  # the summary
    assert ids({"q": "道路 失修"}) == [road.pk]  # every word
    assert ids({"q": canteen.number}) == [canteen.pk]
    assert ids({"q": "没有这样的舆情"}) == []
    too_long = duty_api.get("/api/incidents/", {"q": "食" * 101})
    assert too_long.status_code == 400 and "q" in too_long.json()["errors"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nonsense"},
        {"unit": "999999"},
        {"reported_after": "not-a-date"},
        {"reported_before": "1000-01-01T00:00:00Z"},
    ],
)
def test_bad_filters_are_400_in_chinese(duty_api, params):
    response = duty_api.get("/api/incidents/", params)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(params)
    assert response.json()["detail"].startswith("输入有误")


def test_error_bodies_say_why_in_chinese(api_as, org, dispatched):  # noqa: F811
    duty, url = api_as(org.duty), f"/api/incidents/{dispatched.incident.pk}"
    missing = duty.post(f"{url}/grade/", {"grade": "II"}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    assert missing.json()["code"] == "invalid" and missing["Content-Type"] == "application/problem+json"
    wrong_role = api_as(org.edu_liaison).post(f"{url}/grade/", {"grade": "II", "reason": "x"}, format="json")
    assert wrong_role.status_code == 403 and "权限" in wrong_role.json()["detail"]
    assert wrong_role.json()["code"] == "permission_denied"
    illegal = duty.post(f"{url}/dismiss/", {"reason": "x"}, format="json")
    assert illegal.status_code == 409 and "不能执行" in illegal.json()["detail"]
    assert illegal.json() == {
        "type": "urn:yuqing:problem:illegal_transition",
        "title": "当前状态不允许该操作",
        "status": 409,
        "detail": illegal.json()["detail"],
        "instance": f"{url}/dismiss/",
        "code": "illegal_transition",
        "errors": {},
    }
    invisible = api_as(org.police_liaison).get(f"{url}/")
    assert invisible.status_code == 404 and "不存在" in invisible.json()["detail"]
    assert invisible.json()["code"] == "not_found"
    assert api_as(None).get(f"{url}/").json()["detail"] == "身份认证信息未提供。"
    assert api_as(None).get(f"{url}/").json()["code"] == "not_authenticated"
    assert api_as(None).get(f"{url}/").status_code == 401
    garbled = duty.post(f"{url}/grade/", "{not json", content_type="application/json")
    assert garbled.status_code == 400 and "格式错误" in garbled.json()["detail"]
    unknown = duty.get("/api/incidents/abc/")
    assert unknown.status_code == 404 and unknown["Content-Type"] == "application/problem+json"
    two_leads = duty.post(f"{url}/dispatch/", {"tickets": [{"unit": org.town.pk, "role": "lead"}]}, format="json")
    assert two_leads.status_code == 400 and "主办" in two_leads.json()["detail"]


def test_dispatch_to_an_unknown_unit_is_a_field_error(api_as, org, make_incident):  # noqa: F811
    incident = make_incident(grade="IV")
    response = api_as(org.duty).post(
        f"/api/incidents/{incident.pk}/dispatch/", {"tickets": [{"unit": 987654, "role": "lead"}]}, format="json"
    )
    assert response.status_code == 400 and "tickets" in response.json()["errors"]
    assert not incident.tickets.exists()


def test_units_are_listed_for_dispatch(api_as, org):  # noqa: F811
    names = [u["name"] for u in api_as(org.edu_liaison).get("/api/units/", {"page_size": 100}).json()["results"]]
    assert {"教育局", "公安局", "城关镇"} <= set(names)
