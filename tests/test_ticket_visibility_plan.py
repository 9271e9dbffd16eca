"""A ticket list is read off the tickets' own index whatever the reader's grants (issue 16): the 敏感 items the reader
is not cleared for are one hashed set (selectors._hidden_confidential_pks), so the list and its bounded count never
join every incident. With thousands of grants the joined form became a hash join over all incidents (829 ms at 1M)."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from incidents import selectors
from incidents.models import Incident
from tests import bulk_rows

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner (CI runs it)"),
]


def explain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_liaisons_ticket_count_does_not_join_the_incidents_with_many_grants(org):
    liaison = org.edu_liaison
    permission = Permission.objects.get(codename="view_incident", content_type__app_label="incidents")
    content_type = ContentType.objects.get_for_model(Incident)
    bulk_rows.insert_incidents(org.duty, 8000, confidential="g %% 10 = 0")
    bulk_rows.insert_lead_tickets(org.edu, org.health, every=20)
    with connection.cursor() as cursor:
        # Two thirds of the confidential items granted to the liaison (知悉范围), as in bench/pages_data.py.
        cursor.execute(
            """
            INSERT INTO guardian_userobjectpermission (object_pk, content_type_id, permission_id, user_id)
            SELECT id::text, %s, %s, %s FROM incidents_incident
            WHERE title LIKE '批量%%' AND is_confidential AND id %% 3 <> 0
            """,
            [content_type.pk, permission.pk, liaison.pk],
        )
        cursor.execute("ANALYZE incidents_incident")
        cursor.execute("ANALYZE incidents_ticket")
        cursor.execute("ANALYZE guardian_userobjectpermission")
    qs = selectors.ticket_list(liaison)
    count_sql, params = qs.order_by("-dispatched_at", "-id").values("pk")[:1001].query.sql_with_params()
    plan = explain(f"SELECT COUNT(*) FROM ({count_sql}) s", params)
    # No join of the tickets with the incidents (the guardian subquery joins its own small tables).
    assert "= incidents_ticket.incident_id" not in plan and "incidents_ticket.incident_id =" not in plan, plan
    assert "NOT (hashed SubPlan" in plan, plan
    assert "Seq Scan on incidents_incident" not in plan, plan
    assert "incident_status_grade_cover" not in plan, plan  # no walk over every incident's index entry
    hidden = Incident.objects.filter(is_confidential=True, title__startswith="批量").exclude(
        pk__in=[int(pk) for pk in liaison.userobjectpermission_set.values_list("object_pk", flat=True)]
    )
    seen = set(qs.values_list("incident_id", flat=True))
    assert seen and not seen & set(hidden.values_list("pk", flat=True))  # none of the ungranted 敏感 items
