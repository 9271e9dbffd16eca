"""A new installation has no superuser (三员分立): the three administrators are created on the server with
`manage.py create_administrator`, each audited, and one person never holds two of the duties."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from org.access import access_for
from org.models import Role

STRONG = "Yuqing-Admin-2026!"


def test_creates_a_security_administrator_who_must_change_the_initial_password(org, monkeypatch, settings, client):
    settings.PASSWORD_CHANGE_INITIAL = True
    monkeypatch.setenv("ADMIN_PASSWORD", STRONG)
    call_command("create_administrator", "sec", role="security_admin", unit="office", name="安全员")
    user = get_user_model().objects.get(username="sec")
    assert user.is_staff and not user.is_superuser and user.check_password(STRONG)
    assert access_for(user).is_security_admin
    event = AuditEvent.objects.get(action="role_change", object_type="membership")
    assert event.after["role"] == "安全管理员" and event.after["user"] == "sec"
    client.force_login(user)
    response = client.get("/admin/auth/user/")
    assert response.status_code == 302 and "password" in response["Location"]  # the password change comes first


def test_refuses_a_weak_password_and_creates_nobody(org, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError):
        call_command("create_administrator", "sec", role="security_admin", unit="office")
    assert not get_user_model().objects.filter(username="sec").exists()


def test_one_person_never_holds_two_administrator_duties(org):
    with pytest.raises(CommandError, match="三员分立"):
        call_command("create_administrator", org.admin.username, role=Role.AUDITOR, unit="office")
    assert not access_for(get_user_model().objects.get(pk=org.admin.pk)).is_auditor


def test_an_unknown_unit_is_refused(org, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", STRONG)
    with pytest.raises(CommandError, match="单位编码不存在"):
        call_command("create_administrator", "aud", role="auditor", unit="nowhere")
