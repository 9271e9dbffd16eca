"""The cockpit's live counts at a million (issue 16): a county leader's statements name no list of the county's units
(a thousand unit ids in the 待审签 and 回应稿 queues cost more Python than the database spent), the maintained figures are
decoded once per computation, and on PostgreSQL a bounded count by status reads an index on status (at 1M the
covering index incident_status_grade_cover alone) instead of every incident."""

import pytest
from django.db import connection
from django.test import Client

from cockpit import aggregates
from incidents import bounded
from incidents.selectors import visible_incidents
from org.models import Unit
from tests import bulk_rows
from tests.factories import UnitFactory


class Params:
    """The largest number of parameters one statement of a request carried (execute_wrapper sees every statement)."""

    def __init__(self):
        self.most = 0

    def __call__(self, execute, sql, params, many, context):
        self.most = max(self.most, len(params or ()))
        return execute(sql, params, many, context)


def most_params(user, path="/dashboard/"):
    client = Client()
    client.force_login(user)
    assert client.get(path).status_code == 200  # warm: the figures are computed by the first view
    counter = Params()
    with connection.execute_wrapper(counter):
        assert client.get(path).status_code == 200
    return counter.most


@pytest.mark.django_db
def test_a_county_leaders_dashboard_does_not_grow_with_the_number_of_units(org):
    few = most_params(org.leader)
    county = Unit.objects.get(parent__isnull=True)
    for i in range(60):
        UnitFactory(code=f"u{i:03d}", name=f"单位{i:03d}", parent=county)
    many = most_params(org.leader)
    assert many == few, f"a statement carried {few} parameters with the demo's units, {many} with 60 more"


@pytest.mark.django_db
def test_the_maintained_figures_are_decoded_once_per_computation(org, monkeypatch):
    client = Client()
    client.force_login(org.leader)
    assert client.get("/dashboard/").status_code == 200
    fetched = []
    original = aggregates.CockpitFigures.objects.get

    def counting_get(*args, **kwargs):
        fetched.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(aggregates.CockpitFigures.objects, "get", counting_get)
    assert client.get("/dashboard/").status_code == 200
    assert fetched == []  # every figure was this process's own computation, unchanged in the database
    aggregates._decoded.clear()  # as in another process (beat) or after a restart
    assert client.get("/dashboard/").status_code == 200
    assert len(fetched) == len(aggregates.CockpitFigures.Kind)
    page = client.get("/dashboard/").content.decode()
    assert 'data-testid="assessment-as-of">数据截至' in page


@pytest.mark.django_db
def test_a_figure_recomputed_elsewhere_is_read_again(org):
    client = Client()
    client.force_login(org.duty)
    assert client.get("/dashboard/").status_code == 200
    kept = aggregates._decoded[aggregates.CockpitFigures.Kind.OVERDUE]
    # Another process (beat) recomputes the row: same pk, a later computed_at and other rows.
    aggregates.CockpitFigures.objects.filter(pk=kept.pk).update(
        computed_at=kept.computed_at + (aggregates.FRESH_FOR / 10), rows=[]
    )
    aggregates._decoded[aggregates.CockpitFigures.Kind.OVERDUE] = kept
    figures = aggregates._current(kept.kind, kept.period_start, kept.period_end)
    assert figures.rows == [] and figures.computed_at > kept.computed_at


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner (CI runs it)")
def test_the_bounded_counts_by_status_read_an_index_on_status(org):
    """A status few items are in is counted from an index on status, not by reading every row to find them. At 1M,
    with the visibility map set (autovacuum), it is an index-only scan of incident_status_grade_cover
    (bench/RESULTS-pages.md); in a test's transaction no page is all-visible yet, so either status index may win."""
    bulk_rows.insert_incidents(
        org.duty,
        10000,
        grade="(ARRAY['I','II','III','IV'])[1 + g %% 4]",
        confidential="g %% 50 = 1",
        status="CASE WHEN g %% 200 = 0 THEN 'under_review' ELSE 'dispatched' END",
    )
    bulk_rows.analyze("incidents_incident")
    # A status few items are in (待审核: 50 of 10,000): without the index the count reads every row to find them.
    qs = visible_incidents(org.leader).filter(status="under_review")
    recorded = []

    def record(execute, sql, params, many, context):
        recorded.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        bounded.bounded_counts({"status": qs})
    [(sql, params)] = recorded
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "incident_status_grade_cover" in plan or "incident_status_reported" in plan, plan
    assert "Seq Scan on incidents_incident" not in plan, plan
