"""The audit trail is append-only in the database itself."""

import pytest
from django.db import DatabaseError, connection, transaction

from core.models import AuditEvent


@pytest.fixture
def event(org, make_incident):
    make_incident()
    return AuditEvent.objects.get(action="report")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE incidents_auditevent SET reason = 'forged' WHERE id = %s",
        "DELETE FROM incidents_auditevent WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_audit_rows(event, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.reason == ""


def test_orm_cannot_change_audit_rows(event):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(actor_name="someone else")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, actor_name=event.actor_name).exists()


def test_admin_setting_change_is_audited(client, org):
    from incidents.models import GradeSetting

    client.force_login(org.admin)
    setting = GradeSetting.objects.get(grade="III")
    response = client.post(
        f"/admin/incidents/gradesetting/{setting.pk}/change/",
        {
            "grade": "III",
            "label": "较大",
            "colour": "#f9a825",
            "close_approver": "leader",
            "reply_approver": "leader",
            "min_views": "800",
            "min_comments": "",
            "min_sites": "",
            "min_media_level": "",
        },
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 302
    change = AuditEvent.objects.get(action="setting_change")
    assert change.before == {"close_approver": "office", "min_views": None}
    assert change.after == {"close_approver": "leader", "min_views": 800}
    assert change.actor == org.admin and change.ip == "10.0.0.9"
