"""Login failure handling (issue 11 §2, 等保 身份鉴别 b): after LOGIN_FAILURE_LIMIT failures the account and the
client address are locked on every login path (form, Django admin, API token), with a Chinese message, every
failure audited, the lock lifted by the cool-off or by an administrator."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditEvent

from .api_support import PASSWORD, fresh_address, relaxed_throttles  # noqa: F401

LIMIT = 5  # the default LOGIN_FAILURE_LIMIT


def form_login(address, username, password, path="/accounts/login/"):
    return Client(REMOTE_ADDR=address).post(path, {"username": username, "password": password})


def api_login(address, username, password):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_the_login_form_locks_the_account_after_repeated_failures(org):
    address = fresh_address()
    codes = [form_login(address, "duty", f"guess-{i}").status_code for i in range(LIMIT)]
    assert codes[:-1] == [200] * (LIMIT - 1)  # the form again, with its error
    assert codes[-1] == 429
    locked = form_login(fresh_address(), "duty", PASSWORD)  # right password, another address: still locked
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode() and "30 分钟" in locked.content.decode()
    assert AuditEvent.objects.filter(action="login_failed", after__username="duty").count() == LIMIT + 1
    # Another account is not held by duty's lock.
    assert form_login(fresh_address(), "edu_l", PASSWORD).status_code == 302


def test_a_client_address_is_locked_whatever_names_it_tries(org):
    address = fresh_address()
    for i in range(LIMIT):
        form_login(address, f"nobody{i}", "guess")
    assert form_login(address, "edu_l", PASSWORD).status_code == 429
    assert form_login(fresh_address(), "edu_l", PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(org):
    address = fresh_address()
    for i in range(LIMIT):
        form_login(address, "duty", f"guess-{i}")
    assert form_login(address, "duty", PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert form_login(address, "duty", PASSWORD).status_code == 302


def test_the_admin_login_is_locked_too(org):
    address = fresh_address()
    for i in range(LIMIT):
        form_login(address, "admin", f"guess-{i}", path="/admin/login/")
    response = form_login(fresh_address(), "admin", PASSWORD, path="/admin/login/")
    assert response.status_code == 429 and "登录失败次数过多" in response.content.decode()
    assert AuditEvent.objects.filter(action="login_failed", after__username="admin").exists()


def test_the_api_token_endpoint_is_locked_with_a_json_error(org, relaxed_throttles):  # noqa: F811
    address = fresh_address()
    codes = [api_login(address, "duty", f"guess-{i}").status_code for i in range(LIMIT)]
    assert codes == [400] * (LIMIT - 1) + [429]
    locked = api_login(fresh_address(), "duty", PASSWORD)
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.json()["detail"] and locked.json()["errors"] == {}
    assert "token" not in locked.json()


def test_an_administrator_unlocks_in_the_admin(client, org):
    address = fresh_address()
    for i in range(LIMIT):
        form_login(address, "duty", f"guess-{i}")
    assert form_login(address, "duty", PASSWORD).status_code == 429
    client.force_login(org.admin)
    attempts = AccessAttempt.objects.filter(username="duty")
    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [a.pk for a in attempts], "post": "yes"},
    )
    assert response.status_code == 302
    assert form_login(address, "duty", PASSWORD).status_code == 302


def test_or_with_the_management_command(org):
    for i in range(LIMIT):
        form_login(fresh_address(), "duty", f"guess-{i}")
    assert form_login(fresh_address(), "duty", PASSWORD).status_code == 429
    call_command("axes_reset_username", "duty")
    assert form_login(fresh_address(), "duty", PASSWORD).status_code == 302


@pytest.mark.parametrize("limit", [3])
def test_the_limit_comes_from_settings(org, settings, limit):
    settings.AXES_FAILURE_LIMIT = limit
    address = fresh_address()
    codes = [form_login(address, "duty", f"guess-{i}").status_code for i in range(limit)]
    assert codes[-1] == 429 and codes[-2] == 200
