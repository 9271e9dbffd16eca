"""三员分立 (GB/T 22239-2019 8.1.4.2): the system administrator keeps the settings, the security administrator
users and roles, the audit administrator alone reads the audit trail; role changes made anywhere are on the
append-only trail with before/after; the trail cannot be cut short (网络安全法 第二十一条: 不少于六个月)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from demo.incidents import seed_demo
from org.models import Membership, Role

from .factories import person

User = get_user_model()


@pytest.fixture
def duties(org):
    org.security = person("sec", org.office, Role.SECURITY_ADMIN, is_staff=True)
    org.auditor = person("aud", org.office, Role.AUDITOR, is_staff=True)
    return org


def membership_post(user, unit, role, **extra):
    return {"user": user.pk, "unit": unit.pk, "role": role, "title": "", "phone": "", "is_active": "on", **extra}


def inline_post(user, rows, **fields):
    """The user's admin change page as posted: the user's own fields and the Membership inline rows."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(sum(1 for r in rows if r.get("id"))),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"memberships-{i}-{key}"] = value
        data[f"memberships-{i}-user"] = str(user.pk)
    data.update(fields)
    return {k: v for k, v in data.items() if v != ""}


# --- who reaches what in the admin -----------------------------------------------------------------


@pytest.mark.parametrize(
    "who, audit_trail, people",
    [("admin", 403, 403), ("security", 403, 200), ("auditor", 200, 403), ("duty", 302, 302), ("leader", 302, 302)],
)
def test_each_administrator_reaches_only_their_own_admin_pages(client, duties, who, audit_trail, people):
    user = getattr(duties, who)
    client.force_login(user)
    assert client.get("/admin/core/auditevent/").status_code == audit_trail
    for url in ("/admin/org/membership/", "/admin/auth/user/", "/admin/auth/group/"):
        assert client.get(url).status_code == people, url
    index = client.get("/admin/").content.decode() if user.is_staff else ""
    assert ("审计记录" in index) == (audit_trail == 200)
    assert ("人员角色" in index) == (people == 200)


def test_the_system_administrator_keeps_the_settings_and_nothing_else(client, duties):
    client.force_login(duties.admin)  # a superuser, and still no audit trail and no roles
    assert client.get("/admin/incidents/gradesetting/").status_code == 200
    assert client.get("/settings/policies/").status_code == 200
    for other in (duties.security, duties.auditor):
        client.force_login(other)
        assert client.get("/admin/incidents/gradesetting/").status_code == 403
        assert client.get("/settings/policies/").status_code == 403


def test_the_auditor_reads_but_cannot_change_or_delete_the_trail(client, duties, make_incident):
    make_incident()
    event = AuditEvent.objects.first()
    client.force_login(duties.auditor)
    page = client.get("/admin/core/auditevent/").content.decode()
    assert "report" in page
    assert client.get(f"/admin/core/auditevent/{event.pk}/change/").status_code == 200  # read-only view
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post(
        "/admin/core/auditevent/", {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists() and response.status_code in (200, 302)


# --- role changes: 三员分立 enforced, each one audited with before/after ---------------------------------


def test_security_admin_grants_a_role_audited_with_before_and_after(client, duties):
    client.force_login(duties.security)
    newcomer = person("newcomer", duties.edu, Role.LIAISON)
    response = client.post("/admin/org/membership/add/", membership_post(newcomer, duties.edu, Role.LEADER))
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer, role=Role.LEADER)
    event = AuditEvent.objects.get(action="role_change", object_id=str(membership.pk))
    assert event.before == {} and event.after["role"] == "leader" and event.after["user"] == "newcomer"
    assert event.actor_id == duties.security.pk and event.ip == "127.0.0.1"

    client.post(
        f"/admin/org/membership/{membership.pk}/change/",
        membership_post(newcomer, duties.edu, Role.LEADER, is_active=""),
    )
    change = AuditEvent.objects.filter(action="role_change").last()
    assert change.before["is_active"] is True and change.after["is_active"] is False

    client.post(f"/admin/org/membership/{membership.pk}/delete/", {"post": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    removal = AuditEvent.objects.filter(action="role_change").last()
    assert removal.before["role"] == "leader" and removal.after == {}


def test_one_person_never_holds_two_administrator_duties(client, duties):
    client.force_login(duties.security)
    response = client.post("/admin/org/membership/add/", membership_post(duties.auditor, duties.office, Role.ADMIN))
    assert response.status_code == 200
    assert "三员分立：同一人不能同时担任系统管理员、审计管理员。" in response.content.decode()
    # a superuser is the system administrator: they cannot become the auditor either
    response = client.post("/admin/org/membership/add/", membership_post(duties.admin, duties.office, Role.AUDITOR))
    assert "三员分立" in response.content.decode()
    assert (
        not Membership.objects.filter(user__in=[duties.auditor, duties.admin], role__in=[Role.ADMIN, Role.AUDITOR])
        .exclude(user=duties.auditor, role=Role.AUDITOR)
        .exclude(user=duties.admin, role=Role.ADMIN)
        .exists()
    )
    assert not AuditEvent.objects.filter(action="role_change").exists()


def test_nobody_changes_their_own_roles(client, duties):
    client.force_login(duties.security)
    response = client.post(
        "/admin/org/membership/add/", membership_post(duties.security, duties.office, Role.DUTY_OFFICER)
    )
    assert response.status_code == 200 and "不能变更本人的角色或权限" in response.content.decode()
    assert not Membership.objects.filter(user=duties.security, role=Role.DUTY_OFFICER).exists()


def test_role_changes_in_the_user_page_inline_are_audited(client, duties):
    client.force_login(duties.security)
    user = duties.edu_liaison
    row = Membership.objects.get(user=user)
    rows = [
        {"id": str(row.pk), "unit": str(duties.edu.pk), "role": "liaison", "is_active": "on"},
        {"unit": str(duties.health.pk), "role": "liaison", "is_active": "on"},
    ]
    response = client.post(f"/admin/auth/user/{user.pk}/change/", inline_post(user, rows))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Membership.objects.filter(user=user, unit=duties.health, role="liaison").exists()
    (event,) = AuditEvent.objects.filter(action="role_change")
    assert event.before == {} and event.after["unit"] == "卫健委" and event.after["role"] == "liaison"

    # making them an auditor while a superuser (system administrator) flag is posted is refused
    rows[1]["id"] = str(Membership.objects.get(user=user, unit=duties.health).pk)
    rows.append({"unit": str(duties.office.pk), "role": "auditor", "is_active": "on"})
    response = client.post(
        f"/admin/auth/user/{user.pk}/change/", inline_post(user, rows, is_staff="on", is_superuser="on")
    )
    assert response.status_code == 200 and "三员分立" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_superuser and not Membership.objects.filter(user=user, role="auditor").exists()

    # a privilege change on the user itself is audited as one before/after record
    response = client.post(f"/admin/auth/user/{user.pk}/change/", inline_post(user, rows[:2], is_staff="on"))
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="user_change")
    assert event.before == {"is_staff": False} and event.after == {"is_staff": True}


def test_the_security_admin_cannot_raise_their_own_privileges(client, duties):
    client.force_login(duties.security)
    me = duties.security
    row = Membership.objects.get(user=me)
    rows = [{"id": str(row.pk), "unit": str(duties.office.pk), "role": "security_admin", "is_active": "on"}]
    response = client.post(f"/admin/auth/user/{me.pk}/change/", inline_post(me, rows, is_superuser="on"))
    assert response.status_code == 200 and "不能变更本人的角色或权限" in response.content.decode()
    me.refresh_from_db()
    assert not me.is_superuser


# --- no default superuser in production -----------------------------------------------------------------


@pytest.mark.parametrize("debug", [True, False])
def test_the_demo_makes_no_superuser_in_production(db, debug):
    with override_settings(DEBUG=debug):
        seed_demo()
    assert User.objects.filter(is_superuser=True).exists() == debug
    for username, role in (("admin", Role.ADMIN), ("security", Role.SECURITY_ADMIN), ("auditor", Role.AUDITOR)):
        assert Membership.objects.filter(user__username=username, role=role).exists()
        assert User.objects.get(username=username).is_staff


# --- retention: the trail is never cut short ---------------------------------------------------------------


def test_no_product_command_purges_the_audit_trail():
    from django.core.management import get_commands

    assert not [name for name in get_commands() if "audit" in name or "purge" in name]


@pytest.mark.django_db(transaction=True)
def test_a_young_audit_row_cannot_be_deleted_or_rewritten_on_this_database(org):
    event = audit.record(org.duty, "report", None)  # there is no purge at all, for young rows or old
    young_cutoff = timezone.now() - timedelta(days=180)
    assert event.at > young_cutoff
    for attempt in (
        lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
        lambda: AuditEvent.objects.filter(at__gt=young_cutoff).update(reason="x"),
        lambda: connection.cursor().execute("DELETE FROM incidents_auditevent WHERE id = %s", [event.pk]),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert AuditEvent.objects.filter(pk=event.pk, reason="").exists()
