"""Thousands of rows in one statement for the PostgreSQL planner tests (issue 16): incidents by generate_series and a
lead ticket each. The planner chooses by table statistics, so these tests need more rows than factories make."""

from django.db import connection


def insert_incidents(
    reporter,
    n: int,
    *,
    title: str = "'批量' || g",
    every: str = "1 minute",
    grade: str = "'IV'",
    confidential: str = "false",
    status: str = "'dispatched'",
    terms: str = "''",
) -> None:
    """n incidents reported by `reporter`, the g-th `g * every` ago. title, grade, confidential, status and terms
    are SQL expressions over g (a literal % written %%), e.g. confidential="g %% 50 = 0"."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO incidents_incident (title, summary, category, location, first_seen_at, reported_at, views,
                comments, reposts, site_count, media_level, grade, grade_reason, is_historical, is_confidential,
                status, created_at, updated_at, reported_by_id, search_terms, version)
            SELECT {title}, '', 'other', '', now() - g * interval '{every}', now() - g * interval '{every}',
                0, 0, 0, 0, '', {grade}, '', false, {confidential}, {status}, now(), now(), %s, {terms}, 0
            FROM generate_series(1, {int(n)}) g
            """,
            [reporter.pk],
        )


def insert_lead_tickets(unit, other, *, every: int, status: str = "claimed", titled: str = "批量%%") -> None:
    """A lead ticket for each incident whose title is LIKE `titled`: every `every`-th (by id) to `unit`, the rest
    to `other`, dispatched when the incident was reported."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO incidents_ticket (incident_id, unit_id, role, status, instructions, dispatched_at, designated,
                return_reason)
            SELECT id, CASE WHEN id %% {int(every)} = 0 THEN %s ELSE %s END, 'lead', %s, '', reported_at, false, ''
            FROM incidents_incident WHERE title LIKE '{titled}'
            """,
            [unit.pk, other.pk, status],
        )


def analyze(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")  # noqa: S608  # table names from the tests, not from input
