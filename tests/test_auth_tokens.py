"""API tokens (issue 11 §2, ASVS V3.5): stored as a hash, expire, revoked by their owner (page or DELETE) and by
an administrator, and dead after a password change. The endpoint keeps its URL and answer."""

from datetime import timedelta

import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, hash_key
from core.models import AuditEvent

from .api_support import PASSWORD, fresh_address, relaxed_throttles  # noqa: F401


def get_token(username="duty"):
    response = APIClient(REMOTE_ADDR=fresh_address()).post(
        "/api/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200 and set(response.json()) == {"token"}
    return response.json()["token"]


def with_token(token):
    client = APIClient(REMOTE_ADDR=fresh_address())
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_only_a_hash_of_the_key_is_stored(org, relaxed_throttles):  # noqa: F811
    key = get_token()
    stored = ApiToken.objects.get(user=org.duty)
    assert stored.key_hash == hash_key(key) and key not in (stored.key_hash, stored.prefix)
    assert with_token(key).get("/api/incidents/").status_code == 200
    assert AuditEvent.objects.filter(action="token_issued", actor_id=org.duty.pk).exists()


def test_a_token_expires(org, settings, relaxed_throttles):  # noqa: F811
    settings.API_TOKEN_TTL_DAYS = 30
    key = get_token()
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert with_token(key).get("/api/incidents/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = with_token(key).get("/api/incidents/")
        assert response.status_code == 401 and "过期" in response.json()["detail"]


def test_the_owner_revokes_with_delete(org, relaxed_throttles):  # noqa: F811
    key, other = get_token(), get_token()
    assert with_token(key).delete("/api/auth/token/").status_code == 204
    assert with_token(key).get("/api/incidents/").status_code == 401
    assert with_token(other).get("/api/incidents/").status_code == 200  # only the token used is revoked
    assert AuditEvent.objects.filter(action="token_revoked", actor_id=org.duty.pk).count() == 1


def test_delete_without_a_token_is_401(org, relaxed_throttles):  # noqa: F811
    assert APIClient(REMOTE_ADDR=fresh_address()).delete("/api/auth/token/").status_code == 401


def test_the_owner_revokes_on_the_page_and_nobody_else_can(client, org, relaxed_throttles):  # noqa: F811
    key = get_token()
    token = ApiToken.objects.get(user=org.duty)
    client.force_login(org.edu_liaison)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert with_token(key).get("/api/incidents/").status_code == 200
    client.force_login(org.duty)
    assert token.prefix in client.get("/accounts/tokens/").content.decode()
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert with_token(key).get("/api/incidents/").status_code == 401
    assert "已吊销" in client.get("/accounts/tokens/").content.decode()


def test_an_administrator_revokes_in_the_admin(client, org, relaxed_throttles):  # noqa: F811
    key = get_token("edu_l")
    token = ApiToken.objects.get(user=org.edu_liaison)
    client.force_login(org.admin)
    assert hash_key(key) not in client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    response = client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    assert with_token(key).get("/api/tickets/").status_code == 401
    assert AuditEvent.objects.filter(action="token_revoked", actor_id=org.admin.pk).exists()


def test_a_password_change_kills_every_token(client, org, relaxed_throttles):  # noqa: F811
    first, second = get_token(), get_token()
    client.force_login(org.duty)
    new = "Yuqing-2026-ok"
    client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert with_token(first).get("/api/incidents/").status_code == 401
    assert with_token(second).get("/api/incidents/").status_code == 401
    assert AuditEvent.objects.get(action="password_changed").after == {"tokens_revoked": 2}
