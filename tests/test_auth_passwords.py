"""Passwords (issue 11 §2, 等保 身份鉴别 a): 12 characters and three kinds of character, said in Chinese; initial
passwords changed at first login in production; a reminder when a password is old; every change audited."""

from datetime import timedelta

import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from accounts.models import PasswordState
from core.models import AuditEvent
from demo import incidents as demo
from org.models import Role

from .api_support import PASSWORD
from .factories import person

GOOD = "Yuqing-2026-ok"


def change(client, new, old=PASSWORD):
    return client.post("/accounts/password/", {"old_password": old, "new_password1": new, "new_password2": new})


def test_a_short_password_is_refused_in_chinese(client, org):
    client.force_login(org.duty)
    response = change(client, "Ab1-short")
    assert response.status_code == 200
    assert "至少 12 个字符" in response.content.decode()
    org.duty.refresh_from_db()
    assert org.duty.check_password(PASSWORD)


def test_a_long_password_of_two_kinds_is_refused(client, org):
    client.force_login(org.duty)
    response = change(client, "onlylowercase2026")
    assert "大写字母、小写字母、数字、符号中的 3 类" in response.content.decode()
    org.duty.refresh_from_db()
    assert org.duty.check_password(PASSWORD)


def test_a_good_password_is_taken_and_audited(client, org):
    client.force_login(org.duty)
    assert change(client, GOOD).status_code == 302
    org.duty.refresh_from_db()
    assert org.duty.check_password(GOOD)
    assert AuditEvent.objects.filter(action="password_changed", actor_id=org.duty.pk).count() == 1
    assert client.get("/").status_code in (200, 302)  # still signed in after the change


def test_an_initial_password_must_be_changed_first_in_production(client, org, settings):
    settings.PASSWORD_CHANGE_INITIAL = True
    user = get_user_model().objects.create_user("newcomer", password="Initial-Pass-1")
    assert PasswordState.objects.get(user=user).must_change
    client.post("/accounts/login/", {"username": "newcomer", "password": "Initial-Pass-1"})
    response = client.get("/tickets/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/password/")
    page = client.get("/accounts/password/")
    assert "初始密码" in page.content.decode()
    assert change(client, GOOD, old="Initial-Pass-1").status_code == 302
    assert client.get("/tickets/").status_code == 200
    assert not PasswordState.objects.get(user=user).must_change


def test_in_development_new_users_are_not_held(client, settings, db):
    settings.PASSWORD_CHANGE_INITIAL = False
    user = get_user_model().objects.create_user("dev", password="whatever")
    client.force_login(user)
    assert client.get("/tickets/").status_code == 200


def test_the_demo_logins_must_change_their_password_with_debug_off(settings, db):
    settings.PASSWORD_CHANGE_INITIAL = True  # what DEBUG=0 sets (yuqing.settings)
    users = demo.ensure_users(demo.ensure_units())
    assert users["duty"].check_password(demo.DEMO_PASSWORD)
    assert all(PasswordState.objects.get(user=user).must_change for user in users.values())


def test_an_administrator_reset_makes_the_password_initial_again(client, org, settings):
    security = person("sec", org.office, Role.SECURITY_ADMIN, is_staff=True)
    settings.PASSWORD_CHANGE_INITIAL = True
    client.force_login(security)
    url = f"/admin/auth/user/{org.edu_liaison.pk}/password/"
    response = client.post(url, {"password1": GOOD, "password2": GOOD, "usable_password": "true"})
    assert response.status_code == 302
    assert PasswordState.objects.get(user=org.edu_liaison).must_change
    assert AuditEvent.objects.filter(action="password_reset", actor_id=security.pk).exists()
    other = Client()
    other.post("/accounts/login/", {"username": "edu_l", "password": GOOD})
    assert other.get("/tickets/")["Location"].startswith("/accounts/password/")


def test_an_old_password_gets_a_reminder_not_a_lock_out(client, org, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    client.force_login(org.edu_liaison)
    assert "密码提醒" not in client.get("/tickets/").content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        client.force_login(org.edu_liaison)
        response = client.get("/tickets/")
        assert response.status_code == 200
        assert "您的密码已使用 91 天" in response.content.decode()
