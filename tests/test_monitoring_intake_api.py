"""POST /api/v1/intake/ (issue 15): monitoring platforms push items, signed (HMAC-SHA256 over timestamp + body with the
source's secret, the timestamp within 5 minutes) or with the source account's API token; a batch validated whole
before anything is stored (a bad item → 400 problem+json and nothing stored); each item once by the source's own id,
with a per-item result; a trusted source's items become incidents at once; rate-limited per source."""

import json
import time

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from core.models import AuditEvent
from incidents.selectors import county_incidents
from monitoring.intake_api import signature
from monitoring.models import Candidate, IntakeSource, Keyword
from org.models import Role
from reporting.models import RiskTopic
from tests.api_support import relaxed_throttles, token_client  # noqa: F401  (fixture)
from tests.factories import person

URL = "/api/v1/intake/"
SECRET = "s3cret-for-tests"


@pytest.fixture
def source(org, relaxed_throttles):  # noqa: F811
    cache.clear()
    account = person("platform", org.office, Role.LIAISON)
    return IntakeSource.objects.create(name="舆情监测平台", code="jiance", secret=SECRET, account=account)


def item(n, **extra):
    return {"id": f"weibo:{n}", "title": f"网友反映第{n}件事", "url": f"https://weibo.example.cn/{n}", **extra}


def signed(body, *, secret=SECRET, code="jiance", timestamp=None, offset=0, client=None, **headers):
    """`offset` seconds from now, taken when the request is made (a timestamp fixed at collection would drift
    into the 5-minute window over a long run)."""
    raw = json.dumps(body, ensure_ascii=False).encode()
    ts = str(int(time.time()) + offset if timestamp is None else timestamp)
    client = client or APIClient()
    return client.post(
        URL,
        raw,
        content_type="application/json",
        HTTP_X_YUQING_SOURCE=code,
        HTTP_X_YUQING_TIMESTAMP=ts,
        HTTP_X_YUQING_SIGNATURE=signature(secret, ts, raw),
        **headers,
    )


def test_a_signed_batch_becomes_candidates_with_a_result_per_item(org, source):
    topic = RiskTopic.objects.create(name="食品安全", keywords="霉变", unit=org.health)
    Keyword.objects.create(phrase="食堂饭菜变质", topic=topic)
    response = signed({"items": [item(1, title="某中学食堂饭菜变质", platform="微博"), item(2)]})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["source"], data["received"], data["created"], data["duplicates"]) == ("jiance", 2, 2, 0)
    first = data["results"][0]
    assert first["id"] == "weibo:1" and first["result"] == "created" and first["status"] == "pending"
    assert first["matched"] == ["食堂饭菜变质"] and first["incident"] is None
    row = Candidate.objects.get(pk=first["candidate"])
    assert row.source == source and row.external_id == "weibo:1" and row.platform == "微博"
    assert row.topic == topic
    assert AuditEvent.objects.filter(action="intake_received").count() == 1


def test_the_same_item_is_taken_once_by_its_id(org, source):
    assert signed({"items": [item(1)]}).json()["created"] == 1
    again = signed({"items": [item(1, title="标题改了"), item(3)]}).json()
    assert [r["result"] for r in again["results"]] == ["duplicate", "created"]
    assert Candidate.objects.filter(source=source, external_id="weibo:1").count() == 1
    assert Candidate.objects.get(external_id="weibo:1").title == "网友反映第1件事"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"secret": "wrong-secret"},
        {"offset": -301},  # stale: more than 5 minutes
        {"offset": 400},  # from the future
        {"timestamp": "yesterday"},
        {"code": "nobody"},
    ],
    ids=["bad-signature", "stale", "future", "not-a-number", "unknown-source"],
)
def test_bad_signatures_are_401_and_store_nothing(org, source, kwargs):
    response = signed({"items": [item(1)]}, **kwargs)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert not Candidate.objects.exists()


def test_a_body_changed_after_signing_is_refused(org, source):
    raw = json.dumps({"items": [item(1)]}).encode()
    ts = str(int(time.time()))
    response = APIClient().post(
        URL,
        raw.replace(b"weibo:1", b"weibo:9"),
        content_type="application/json",
        HTTP_X_YUQING_SOURCE="jiance",
        HTTP_X_YUQING_TIMESTAMP=ts,
        HTTP_X_YUQING_SIGNATURE=signature(SECRET, ts, raw),
    )
    assert response.status_code == 401 and not Candidate.objects.exists()


def test_no_credentials_is_401(org, source):
    assert APIClient().post(URL, {"items": [item(1)]}, format="json").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"items": [item(1), {"id": "weibo:2"}]},  # the second has no title
        {"items": [item(1), item(2, url="not a link")]},
        {"items": [item(1), item(2, colour="red")]},  # unknown field
        {"items": [item(1), item(1)]},  # the same id twice in one batch
        {"items": []},
        {"items": [item(n) for n in range(4)]},  # above the source's max_batch (3 here)
        {"things": [item(1)]},
    ],
    ids=["missing-title", "bad-url", "unknown-field", "repeated-id", "empty", "too-many", "no-items"],
)
def test_a_bad_batch_is_400_and_nothing_is_stored(org, source, body):
    source.max_batch = 3
    source.save()
    response = signed(body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "invalid"
    assert not Candidate.objects.exists()
    assert not AuditEvent.objects.filter(action="intake_received").exists()


def test_api_token_of_the_source_account(org, source):
    response = token_client(source.account).post(URL, {"items": [item(5)]}, format="json")
    assert response.status_code == 200 and response.json()["created"] == 1
    # A token of an account that is no intake source: 403, nothing stored.
    other = token_client(org.edu_liaison).post(URL, {"items": [item(6)]}, format="json")
    assert other.status_code == 403 and Candidate.objects.count() == 1


def test_a_trusted_source_makes_incidents_directly(org, source):
    source.account = org.duty  # a trusted source's account registers incidents: a duty officer
    source.trusted = True
    source.save()
    data = signed({"items": [item(7)]}).json()
    result = data["results"][0]
    assert result["status"] == "accepted" and result["incident"].startswith("YQ")
    incident = county_incidents().get(external_id="jiance:weibo:7")
    assert incident.title == "网友反映第7件事"
    again = signed({"items": [item(7)]}).json()["results"][0]
    assert again["result"] == "duplicate" and again["incident"] == result["incident"]
    assert county_incidents().filter(external_id="jiance:weibo:7").count() == 1


def test_rate_limited_per_source(org, source):
    source.rate_per_minute = 2
    source.save()
    assert signed({"items": [item(1)]}).status_code == 200
    assert signed({"items": [item(2)]}).status_code == 200
    third = signed({"items": [item(3)]})
    assert third.status_code == 429 and third.json()["code"] == "throttled"
    assert Candidate.objects.count() == 2


def test_idempotency_key_replays_the_answer(org, source):
    first = signed({"items": [item(1)]}, HTTP_IDEMPOTENCY_KEY="key-1")
    second = signed({"items": [item(1)]}, HTTP_IDEMPOTENCY_KEY="key-1")
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()


def test_documented_in_the_schema(org, source):
    client = APIClient()
    client.force_login(org.duty)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content.decode()
    assert "/api/v1/intake/" in schema and "weibo:4981234567" in schema and "X-Yuqing-Signature" in schema
