"""Two officers grading the same item at once (issue 18): the grading form carries the incident's version; the second
submission, drawn from the same version, is refused with a Chinese message naming the change (who, when, grade
before → after), its form comes back with what was typed, and nothing changes. On PostgreSQL, two threads racing."""

import re
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections
from django.urls import reverse

from core.errors import DomainError
from core.models import AuditEvent
from incidents import services
from incidents.models import Incident
from incidents.services.triage import StaleIncident
from org.models import Role
from tests.factories import person

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)


def form_version(html):
    return int(re.search(r'name="grade-version" value="(\d+)"', html).group(1))


def grade_post(client, incident, version, grade, reason):
    return client.post(
        reverse("incident_action", args=[incident.pk, "grade"]),
        {"grade-grade": grade, "grade-reason": reason, "grade-version": version},
    )


def test_the_second_of_two_concurrent_grades_is_refused_and_told_what_changed(org, make_incident, client):
    other = person("duty2", org.office, Role.DUTY_OFFICER, first_name="王五")
    with time_machine.travel(MONDAY, tick=False):
        incident = make_incident(title="两人同时研判的舆情", grade="III")
    # Both officers open the page: the same version in both forms.
    client.force_login(org.duty)
    mine = form_version(client.get(reverse("incident_detail", args=[incident.pk])).content.decode())
    client.force_login(other)
    theirs = form_version(client.get(reverse("incident_detail", args=[incident.pk])).content.decode())
    assert mine == theirs == Incident.objects.get(pk=incident.pk).version

    with time_machine.travel(MONDAY.replace(hour=15, minute=2), tick=False):
        response = grade_post(client, incident, theirs, "II", "转载量上升，调为重大")  # 王五 first
    assert response.status_code == 302
    client.force_login(org.duty)
    with time_machine.travel(MONDAY.replace(hour=15, minute=3), tick=False):
        response = grade_post(client, incident, mine, "IV", "影响有限，调为一般")
    html = response.content.decode()
    assert response.status_code == 400
    assert "提交未生效：您打开此页后，王五 于 11月23日 15:02 调整等级（等级 Ⅲ级 较大 → Ⅱ级 重大）" in html
    assert "当前等级为「Ⅱ级 重大」" in html
    # Nothing changed: the first officer's grade stands, one regrade on the trail.
    incident.refresh_from_db()
    assert incident.grade == "II" and incident.grade_reason == "转载量上升，调为重大"
    assert AuditEvent.objects.filter(incident=incident, action="regrade").count() == 1
    # The form is redisplayed with what was typed and the current version: sent again, deliberately, it applies.
    assert "影响有限，调为一般" in html and form_version(html) == incident.version
    with time_machine.travel(MONDAY.replace(hour=15, minute=5), tick=False):
        response = grade_post(client, incident, form_version(html), "IV", "影响有限，调为一般")
    assert response.status_code == 302 and response["Location"] == reverse("incident_detail", args=[incident.pk])
    incident.refresh_from_db()
    assert incident.grade == "IV"


def test_every_write_to_the_incident_moves_its_version(org, make_incident):
    incident = make_incident(title="版本测试")
    start = Incident.objects.get(pk=incident.pk).version
    services.grade_incident(org.duty, incident, grade="IV", reason="一般")
    graded = Incident.objects.get(pk=incident.pk).version
    services.set_historical(org.duty, incident, is_historical=True, reason="历史遗留")
    flagged = Incident.objects.get(pk=incident.pk).version
    assert start < graded < flagged
    # A grade from the version before the flag was set is refused by the service too.
    with pytest.raises(StaleIncident) as refused:
        services.grade_incident(org.duty, incident, grade="III", reason="较大", version=graded)
    assert "调整历史遗留问题认定" in refused.value.message and refused.value.status_code == 409
    assert Incident.objects.get(pk=incident.pk).grade == "IV"


def test_a_tampered_version_is_a_form_error_not_a_500(org, make_incident, client):
    incident = make_incident(title="版本篡改")
    client.force_login(org.duty)
    response = grade_post(client, incident, "abc", "IV", "一般")
    assert response.status_code == 400 and "页面信息已失效，请刷新页面后重新研判。" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).grade == ""


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks need PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_two_threads_grading_from_the_same_version_one_wins(org, make_incident):
    incident = make_incident(title="并发研判", grade="III")
    version = Incident.objects.get(pk=incident.pk).version
    other = person("duty2", org.office, Role.DUTY_OFFICER)
    barrier = threading.Barrier(2)
    outcomes = {}

    def grade(user, value):
        try:
            barrier.wait()
            services.grade_incident(user, incident.pk, grade=value, reason="并发", version=version)
            outcomes[user.username] = "ok"
        except DomainError as exc:
            outcomes[user.username] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=grade, args=args) for args in ((org.duty, "II"), (other, "IV"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted("ok" if o == "ok" else type(o).__name__ for o in outcomes.values()) == ["StaleIncident", "ok"]
    assert AuditEvent.objects.filter(incident_id=incident.pk, action="regrade").count() == 1
