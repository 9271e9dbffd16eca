"""Two-factor authentication (issue 11 §2, 等保 身份鉴别 d): TOTP, offline, required for the roles in
OTP_REQUIRED_ROLES, optional for the others; a code is asked after the password, on the pages and the API."""

from datetime import timedelta

import time_machine
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from core.models import AuditEvent

from .api_support import PASSWORD, fresh_address, relaxed_throttles  # noqa: F401


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def test_a_leader_enrols_then_signs_in_with_a_code(client, org, settings):
    settings.OTP_REQUIRED_ROLES = ["admin", "leader"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, "leader")
        held = client.get("/dashboard/")
        assert held.status_code == 302 and held["Location"].startswith("/accounts/otp/setup/")
        page = client.get("/accounts/otp/setup/")
        body = page.content.decode()
        assert "otpauth://totp/" in body and "<svg" in body  # the QR code is drawn on the server, no CDN
        device = TOTPDevice.objects.get(user=org.leader, confirmed=False)
        assert client.post("/accounts/otp/setup/", {"token": "000000"}).status_code == 200
        assert client.post("/accounts/otp/setup/", {"token": current_code(device)}).status_code == 302
        assert client.get("/dashboard/").status_code == 200
        assert AuditEvent.objects.filter(action="otp_enrolled", actor_id=org.leader.pk).exists()
    client.post("/accounts/logout/")
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        sign_in(client, "leader")
        held = client.get("/dashboard/")
        assert held.status_code == 302 and held["Location"].startswith("/accounts/otp/verify/")
        wrong = client.post("/accounts/otp/verify/", {"token": "123456", "next": "/dashboard/"})
        assert "动态口令不正确" in wrong.content.decode()
        assert AuditEvent.objects.filter(action="otp_failed").exists()
    # django-otp delays the next try after a wrong code: wait it out, as a person would.
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        device.refresh_from_db()
        right = client.post("/accounts/otp/verify/", {"token": current_code(device), "next": "/dashboard/"})
        assert right.status_code == 302 and right["Location"] == "/dashboard/"
        assert client.get("/dashboard/").status_code == 200


def test_the_session_api_is_held_too_until_verified(client, org, settings):
    settings.OTP_REQUIRED_ROLES = ["leader"]
    sign_in(client, "leader")
    response = client.get("/api/incidents/")
    assert response.status_code == 403 and "双因素认证" in response.json()["detail"]


def test_other_roles_may_go_without(client, org, settings):
    settings.OTP_REQUIRED_ROLES = ["admin", "leader"]
    sign_in(client, "edu_l")
    assert client.get("/tickets/").status_code == 200


def test_with_the_setting_empty_nobody_is_held(client, org, settings):
    settings.OTP_REQUIRED_ROLES = []
    sign_in(client, "leader")
    assert client.get("/dashboard/").status_code == 200


def test_the_api_token_needs_the_code_once_enrolled(org, relaxed_throttles):  # noqa: F811
    device = TOTPDevice.objects.create(user=org.duty, name="动态口令", confirmed=True)
    api = APIClient(REMOTE_ADDR=fresh_address())
    credentials = {"username": "duty", "password": PASSWORD}
    missing = api.post("/api/auth/token/", credentials, format="json")
    assert missing.status_code == 400 and "动态口令" in missing.json()["errors"]["otp_token"][0]
    ok = api.post("/api/auth/token/", {**credentials, "otp_token": current_code(device)}, format="json")
    assert ok.status_code == 200 and ok.json()["token"]


def test_the_api_token_is_refused_to_a_required_role_not_enrolled(org, settings, relaxed_throttles):  # noqa: F811
    settings.OTP_REQUIRED_ROLES = ["leader"]
    response = APIClient(REMOTE_ADDR=fresh_address()).post(
        "/api/auth/token/", {"username": "leader", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400 and "启用双因素认证" in response.json()["detail"]
