from types import SimpleNamespace

import pytest
from pytest_django.plugin import blocking_manager_key

from incidents import services
from incidents.models import TicketRole
from org.models import Role, Unit

from .factories import UnitFactory, person


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends with a flush that empties what the data migrations seeded; seed it again after
    the flush so the tests that follow on this worker see the database as `migrate` left it."""
    result = yield
    marker = item.get_closest_marker("django_db")
    # After the last test the session's test database is already gone (nextitem is None): nothing to seed.
    if (
        nextitem is not None
        and marker is not None
        and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    ):
        from .seeding import seed_like_migrate

        with item.config.stash[blocking_manager_key].unblock():
            seed_like_migrate()
    return result


@pytest.fixture(autouse=True)
def own_pdf_slots(settings, tmp_path_factory):
    # Each test worker (pytest-xdist) converts in its own PDF slots: on one host the slots are shared on purpose,
    # but a test that holds the only slot must not meet a conversion of the other worker's test.
    settings.PDF_SLOT_DIR = str(tmp_path_factory.getbasetemp())


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    """A small county: the office, two towns and three departments, one person per role."""
    county = UnitFactory(code="county", name="示范县", kind=Unit.Kind.OFFICE)
    office = UnitFactory(code="office", name="县委办", kind=Unit.Kind.OFFICE, parent=county, is_office=True)
    edu = UnitFactory(code="edu", name="教育局", parent=county)
    health = UnitFactory(code="health", name="卫健委", parent=county)
    police = UnitFactory(code="police", name="公安局", parent=county)
    town = UnitFactory(code="town", name="城关镇", kind=Unit.Kind.TOWN, parent=county)
    return SimpleNamespace(
        county=county,
        office=office,
        edu=edu,
        health=health,
        police=police,
        town=town,
        duty=person("duty", office, Role.DUTY_OFFICER),
        edu_liaison=person("edu_l", edu, Role.LIAISON),
        edu_liaison2=person("edu_l2", edu, Role.LIAISON),
        health_liaison=person("health_l", health, Role.LIAISON),
        police_liaison=person("police_l", police, Role.LIAISON),
        edu_leader=person("edu_leader", edu, Role.LEADER),
        leader=person("leader", county, Role.LEADER),
        admin=person("admin", office, Role.ADMIN, is_staff=True, is_superuser=True),
    )


@pytest.fixture
def make_incident(org):
    def make(title="网传某校食堂问题", grade=None, **fields):
        incident = services.report_incident(org.duty, title=title, **fields)
        if grade:
            services.grade_incident(org.duty, incident, grade=grade, reason="测试研判")
        incident.refresh_from_db()
        return incident

    return make


@pytest.fixture
def dispatched(org, make_incident):
    """A graded incident dispatched to 教育局 (lead) and 卫健委 (assist)."""
    incident = make_incident(grade="IV")
    lead, assist = services.dispatch_incident(
        org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
    )
    incident.refresh_from_db()
    return SimpleNamespace(incident=incident, lead=lead, assist=assist)


def _flush_around_audit_triggers():
    """Transactional tests end with Django's flush, which on SQLite empties tables with DELETE, and the
    append-only trigger rightly refuses that. Around the flush only, drop and recreate the trigger
    (DDL, as a test database's owner may); PostgreSQL flushes with TRUNCATE and needs nothing."""
    import importlib

    from django.core.management.commands import flush

    triggers = importlib.import_module("incidents.migrations.0002_audit_append_only")
    original = flush.sql_flush

    def sql_flush(style, connection, **kwargs):
        statements = original(style, connection, **kwargs)
        if connection.vendor == "sqlite" and statements:
            return triggers.SQLITE_REVERSE + statements + triggers.SQLITE_FORWARD
        return statements

    flush.sql_flush = sql_flush


_flush_around_audit_triggers()
