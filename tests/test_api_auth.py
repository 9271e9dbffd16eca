"""Signing in to the API: tokens, audited failures, and rate limits on guessing and on anonymous calls."""

import pytest
from rest_framework.test import APIClient

from core.models import AuditEvent

from .api_support import PASSWORD, fresh_address, relaxed_throttles  # noqa: F401


@pytest.fixture
def strict_throttles(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "5/min", "login": "3/min"},
    }


def client_from(address):
    return APIClient(REMOTE_ADDR=address)


def test_a_token_works_as_authorization(org, relaxed_throttles):  # noqa: F811
    client = client_from(fresh_address())
    response = client.post("/api/auth/token/", {"username": "duty", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert client.get("/api/incidents/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/incidents/").status_code == 200


def test_unauthenticated_is_401_with_a_challenge(org, relaxed_throttles):  # noqa: F811
    response = client_from(fresh_address()).get("/api/tickets/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    bad = client_from(fresh_address())
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert bad.get("/api/tickets/").status_code == 401
    assert bad.get("/api/tickets/").json()["detail"] == "认证令牌无效。"


def test_the_browser_session_works_too(client, org, relaxed_throttles):  # noqa: F811
    client.force_login(org.edu_liaison)
    assert client.get("/api/tickets/").status_code == 200


def test_failed_logins_are_audited_with_name_and_address(org, relaxed_throttles):  # noqa: F811
    address = fresh_address()
    response = client_from(address).post("/api/auth/token/", {"username": "duty", "password": "guess"}, format="json")
    assert response.status_code == 400
    assert "密码错误" in response.json()["detail"]
    event = AuditEvent.objects.get(action="login_failed")
    assert event.after == {"username": "duty"}
    assert event.ip == address and event.actor_id is None
    client_from(address).post("/api/auth/token/", {"username": "duty", "password": PASSWORD}, format="json")
    assert AuditEvent.objects.filter(action="login_failed").count() == 1


def test_password_guessing_is_throttled_per_address(org, strict_throttles):
    guesser, other = client_from(fresh_address()), client_from(fresh_address())
    codes = [
        guesser.post("/api/auth/token/", {"username": "duty", "password": f"guess{i}"}, format="json").status_code
        for i in range(5)
    ]
    assert codes == [400, 400, 400, 429, 429]
    # Even the right password waits now; the throttle counts attempts, not failures.
    throttled = guesser.post("/api/auth/token/", {"username": "duty", "password": PASSWORD}, format="json")
    assert throttled.status_code == 429 and "限流" in throttled.json()["detail"]
    assert AuditEvent.objects.filter(action="login_failed").count() == 3
    assert other.post("/api/auth/token/", {"username": "duty", "password": PASSWORD}, format="json").status_code == 200


def test_anonymous_requests_are_throttled_before_the_401(org, strict_throttles):
    anonymous = client_from(fresh_address())
    codes = [anonymous.get("/api/incidents/").status_code for _ in range(7)]
    assert codes == [401] * 5 + [429] * 2


def test_signed_in_callers_are_not_held_by_the_anonymous_limit(org, strict_throttles):
    client = client_from(fresh_address())
    client.force_authenticate(org.duty)
    assert {client.get("/api/units/").status_code for _ in range(8)} == {200}


def test_a_forged_forwarded_for_header_does_not_reset_the_count(org, strict_throttles, settings):
    settings.TRUST_X_FORWARDED_FOR = False
    address = fresh_address()
    codes = [
        client_from(address).get("/api/incidents/", HTTP_X_FORWARDED_FOR=fresh_address()).status_code for _ in range(6)
    ]
    assert codes[-1] == 429
