"""The upgrade from a database created by the main before the restructure (dd13457, issue 12): its rows, written
through the models as they were then (incidents.Unit, monitoring.Deadline, …), are all there after `migrate` and
read through today's models (org, deadlines, notifications, core, workcalendar) with their relations; content types
keep their ids under the new app labels, so permissions, object permissions and admin history still point at the
right objects; and the audit trail is still append-only.

One transactional test: migrating back and forth costs seconds, so it is done once. It ends migrated to the latest,
as the other tests expect (the conftest teardown flushes and reseeds after it)."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_perms

from core.models import AuditEvent
from deadlines.models import Deadline, DeadlineStep
from incidents.models import Incident, Ticket
from notifications.models import Notification
from org.models import Membership, Unit
from reporting.models import RiskTopic
from workcalendar.models import CalendarDay

# The migration each app stood at on the main before the restructure; the apps it created did not exist yet.
PREVIOUS_MAIN = [
    ("incidents", "0008_separation_of_duties_roles"),
    ("monitoring", "0009_policy_source_cites_seeds"),
    ("reporting", "0002_report_issuer"),
    ("accounts", "0001_initial"),
]
NEW_APPS = ["core", "org", "workcalendar", "deadlines", "notifications", "review", "followup"]  # did not exist then
MOVED_FROM_INCIDENTS = ["unit", "membership", "auditevent"]
MOVED_FROM_MONITORING = [
    "calendarday",
    "calendaryear",
    "worksettings",
    "deadlinepolicy",
    "deadline",
    "deadlinestep",
    "extensionrequest",
    "notification",
]

AT = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def _migrate(executor, targets):
    executor.migrate(targets)
    executor.loader.build_graph()  # the applied migrations as they are now
    ContentType.objects.clear_cache()


def _previous_main_targets(executor):
    """Every other app (auth, contenttypes, guardian, …) stays at its latest migration."""
    pinned = {app for app, _ in PREVIOUS_MAIN} | set(NEW_APPS)
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in pinned]
    return others + PREVIOUS_MAIN + [(app, None) for app in NEW_APPS]


def _write_previous_main_rows(old):
    """Rows as the previous main wrote them, through the historical models of its state (`old` is its apps)."""
    user = old.get_model("auth", "User").objects.create(username="upgrade-liaison", is_active=True)
    unit_model = old.get_model("incidents", "Unit")
    county = unit_model.objects.create(code="upgrade-county", name="升级县", kind="office", path="upgrade-county")
    edu = unit_model.objects.create(
        code="upgrade-edu", name="升级教育局", kind="department", parent=county, path="upgrade-county/upgrade-edu"
    )
    membership = old.get_model("incidents", "Membership").objects.create(user=user, unit=edu, role="liaison")
    incident = old.get_model("incidents", "Incident").objects.create(
        title="升级前的舆情", status="dispatched", grade="IV", subject_unit=edu, reported_by=user
    )
    ticket = old.get_model("incidents", "Ticket").objects.create(
        incident=incident, unit=edu, role="lead", status="dispatched", dispatched_at=AT, dispatched_by=user
    )
    policy = old.get_model("monitoring", "DeadlinePolicy").objects.filter(kind="claim").first()
    deadline = old.get_model("monitoring", "Deadline").objects.create(
        kind="claim",
        incident=incident,
        ticket=ticket,
        unit=edu,
        policy=policy,
        started_at=AT,
        due_at=AT + datetime.timedelta(hours=2),
        original_due_at=AT + datetime.timedelta(hours=2),
    )
    step = old.get_model("monitoring", "DeadlineStep").objects.create(
        deadline=deadline, step="remind", fire_at=AT + datetime.timedelta(hours=1)
    )
    notification = old.get_model("monitoring", "Notification").objects.create(
        recipient=user, title="请签收", incident=incident, ticket=ticket, step=step, channel="inbox"
    )
    audit = old.get_model("incidents", "AuditEvent").objects.create(
        actor=user,
        actor_name="upgrade-liaison",
        action="dispatch",
        object_type="ticket",
        object_id=str(ticket.pk),
        incident=incident,
        ticket=ticket,
        after={"status": "dispatched"},
    )
    calendar_day = old.get_model("monitoring", "CalendarDay").objects.create(
        date=datetime.date(1999, 10, 9), kind="workday", name="升级前调休"
    )
    risk_topic = old.get_model("reporting", "RiskTopic").objects.create(name="升级风险点", keywords="食堂", unit=edu)

    # Permissions, object permissions and admin history point at content types by id.
    content_type_model = old.get_model("contenttypes", "ContentType")
    unit_type, _ = content_type_model.objects.get_or_create(app_label="incidents", model="unit")
    deadline_type, _ = content_type_model.objects.get_or_create(app_label="monitoring", model="deadline")
    # As on the previous main: no row under the new labels yet (the forward rename would collide with one).
    assert not content_type_model.objects.filter(app_label="org", model="unit").exists()
    assert not content_type_model.objects.filter(app_label="deadlines", model="deadline").exists()
    permission_model = old.get_model("auth", "Permission")
    unit_permission = permission_model.objects.create(
        content_type=unit_type, codename="upgrade_probe_unit", name="升级探针（单位）"
    )
    deadline_permission = permission_model.objects.create(
        content_type=deadline_type, codename="upgrade_probe_deadline", name="升级探针（时限）"
    )
    group = old.get_model("auth", "Group").objects.create(name="升级前的组")
    group.permissions.add(deadline_permission)
    user.groups.add(group)
    old.get_model("guardian", "UserObjectPermission").objects.create(
        user=user, permission=unit_permission, content_type=unit_type, object_pk=str(edu.pk)
    )
    old.get_model("admin", "LogEntry").objects.create(
        user=user,
        content_type=unit_type,
        object_id=str(edu.pk),
        object_repr="升级教育局",
        action_flag=2,
        change_message="[]",
        action_time=AT,
    )
    return {
        "user": user.pk,
        "county": county.pk,
        "edu": edu.pk,
        "membership": membership.pk,
        "incident": incident.pk,
        "ticket": ticket.pk,
        "policy": policy.pk if policy else None,
        "deadline": deadline.pk,
        "step": step.pk,
        "notification": notification.pk,
        "audit": audit.pk,
        "calendar_day": calendar_day.pk,
        "risk_topic": risk_topic.pk,
        "unit_type": unit_type.pk,
        "deadline_type": deadline_type.pk,
        "unit_permission": unit_permission.pk,
        "deadline_permission": deadline_permission.pk,
        "group": group.pk,
    }


def _check_rows_read_through_todays_models(ids):
    edu = Unit.objects.get(pk=ids["edu"])
    assert edu.code == "upgrade-edu" and edu.parent_id == ids["county"]
    assert Unit.objects.get(pk=ids["county"]).children.get() == edu

    membership = Membership.objects.get(pk=ids["membership"])
    assert (membership.user_id, membership.unit, membership.role) == (ids["user"], edu, "liaison")
    assert membership.user.memberships.get() == membership

    incident = Incident.objects.get(pk=ids["incident"])
    assert incident.title == "升级前的舆情" and incident.subject_unit == edu
    ticket = Ticket.objects.get(pk=ids["ticket"])
    assert (ticket.incident, ticket.unit) == (incident, edu)
    assert list(edu.tickets.all()) == [ticket]

    deadline = Deadline.objects.get(pk=ids["deadline"])
    assert (deadline.incident, deadline.ticket, deadline.unit) == (incident, ticket, edu)
    assert deadline.policy_id == ids["policy"]
    assert deadline.due_at == AT + datetime.timedelta(hours=2) and deadline.state == "pending"
    step = DeadlineStep.objects.get(pk=ids["step"])
    assert step.deadline == deadline and list(deadline.steps.all()) == [step]

    notification = Notification.objects.get(pk=ids["notification"])
    assert (notification.recipient_id, notification.incident, notification.ticket, notification.step) == (
        ids["user"],
        incident,
        ticket,
        step,
    )
    assert list(step.notifications.all()) == [notification]

    audit = AuditEvent.objects.get(pk=ids["audit"])
    assert (audit.actor_id, audit.incident, audit.ticket) == (ids["user"], incident, ticket)
    assert list(ticket.audit_events.all()) == [audit]

    assert CalendarDay.objects.get(pk=ids["calendar_day"]).date == datetime.date(1999, 10, 9)
    assert RiskTopic.objects.get(pk=ids["risk_topic"]).unit == edu


def _check_content_types_followed(ids):
    unit_type = ContentType.objects.get_for_model(Unit)
    deadline_type = ContentType.objects.get_for_model(Deadline)
    assert (unit_type.pk, unit_type.app_label) == (ids["unit_type"], "org")
    assert (deadline_type.pk, deadline_type.app_label) == (ids["deadline_type"], "deadlines")
    # No stale row is left under the old labels (monitoring/ gets models of its own in a later issue).
    assert not ContentType.objects.filter(app_label="incidents", model__in=MOVED_FROM_INCIDENTS).exists()
    assert not ContentType.objects.filter(app_label="monitoring", model__in=MOVED_FROM_MONITORING).exists()

    edu = Unit.objects.get(pk=ids["edu"])
    assert Permission.objects.get(pk=ids["unit_permission"]).content_type == unit_type
    assert Permission.objects.get(pk=ids["deadline_permission"]).content_type == deadline_type
    object_permission = UserObjectPermission.objects.get(user_id=ids["user"])
    assert object_permission.content_object == edu
    user = Membership.objects.get(pk=ids["membership"]).user
    assert get_perms(user, edu) == ["upgrade_probe_unit"]
    assert user.has_perm("deadlines.upgrade_probe_deadline")
    assert list(Group.objects.get(pk=ids["group"]).permissions.values_list("content_type", flat=True)) == [
        deadline_type.pk
    ]
    assert LogEntry.objects.get(object_id=str(edu.pk), content_type=unit_type).get_edited_object() == edu


def _check_audit_trail_still_append_only(ids):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=ids["audit"]).update(reason="forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=ids["audit"]).delete()
    assert AuditEvent.objects.get(pk=ids["audit"]).reason == ""


@pytest.mark.django_db(transaction=True)
def test_database_of_previous_main_upgrades_without_loss():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    previous_main = _previous_main_targets(executor)
    try:
        _migrate(executor, previous_main)
        old_state = executor.loader.project_state([node for node in previous_main if node[1] is not None])
        assert ("incidents", "unit") in old_state.models and ("org", "unit") not in old_state.models
        ids = _write_previous_main_rows(old_state.apps)
    finally:
        # Whatever happened, leave the database migrated to the latest, as the other tests expect it.
        _migrate(executor, latest)

    assert executor.migration_plan(latest) == []
    _check_rows_read_through_todays_models(ids)
    _check_content_types_followed(ids)
    _check_audit_trail_still_append_only(ids)
