"""Issue 14: 合并 asks for the number people see (YQ…), with a search over the incidents the user may see, never a
database id; a bad number is a Chinese form error and nothing changes."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from incidents import services
from incidents.models import Incident


def _merge(client, incident, into):
    return client.post(
        reverse("incident_action", args=[incident.pk, "merge"]), {"merge-into": into, "merge-reason": "重复"}
    )


def test_merge_by_the_visible_number(client, org, dispatched, make_incident):
    duplicate = make_incident(title="同一事件的另一帖")
    client.force_login(org.duty)
    response = _merge(client, duplicate, dispatched.incident.number.lower())  # case and spaces do not matter
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into == dispatched.incident


@pytest.mark.parametrize("into", ["", "abc", "12", "YQ20260101-99999", "YQ1-1", "YQ20260101-" + "9" * 30])
def test_a_bad_number_is_a_chinese_form_error_and_nothing_changes(client, org, dispatched, make_incident, into):
    duplicate = make_incident(title="同一事件的另一帖")
    client.force_login(org.duty)
    events = AuditEvent.objects.count()
    response = _merge(client, duplicate, into)
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写合并目标的舆情编号" in page or "未找到编号为" in page or "舆情编号不超过 40 个字符" in page
    assert "data-open-on-load" in page  # the merge dialog comes back open with its error
    duplicate.refresh_from_db()
    assert duplicate.status == Incident.Status.REPORTED and duplicate.merged_into is None
    assert AuditEvent.objects.count() == events


def test_the_database_id_alone_is_not_accepted(client, org, dispatched, make_incident):
    duplicate = make_incident(title="同一事件的另一帖")
    client.force_login(org.duty)
    response = _merge(client, duplicate, str(dispatched.incident.pk))
    assert response.status_code == 400 and "未找到编号为" in response.content.decode()


def test_a_number_with_the_wrong_date_is_refused(client, org, dispatched, make_incident):
    duplicate = make_incident(title="同一事件的另一帖")
    client.force_login(org.duty)
    wrong = "YQ19990101-" + dispatched.incident.number.split("-")[1]
    assert _merge(client, duplicate, wrong).status_code == 400


def test_a_confidential_incident_the_officer_is_not_cleared_for_is_neither_listed_nor_found(client, org, make_incident):
    secret = services.report_incident(org.edu_liaison, title="敏感：食堂事件内部通报", is_confidential=True)
    duplicate = make_incident(title="食堂事件另一帖")
    client.force_login(org.duty)
    page = client.get(reverse("incident_detail", args=[duplicate.pk]) + "?merge_q=食堂").content.decode()
    assert secret.number not in page and "内部通报" not in page
    response = _merge(client, duplicate, secret.number)
    assert response.status_code == 400 and "未找到编号为" in response.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_the_search_lists_candidates_by_title_and_number(client, org, dispatched, make_incident):
    duplicate = make_incident(title="网传某校食堂饭菜变质")
    make_incident(title="县医院挂号难")
    client.force_login(org.duty)
    url = reverse("incident_detail", args=[duplicate.pk])
    page = client.get(url + "?merge_q=食堂").content.decode()
    candidates = page.split('data-testid="merge-candidates"')[1].split("</ul>")[0]
    assert dispatched.incident.number in candidates and "县医院挂号难" not in candidates
    assert duplicate.number not in candidates  # not itself
    by_number = client.get(url + "?merge_q=" + dispatched.incident.number).content.decode()
    candidates = by_number.split('data-testid="merge-candidates"')[1].split("</ul>")[0]
    assert dispatched.incident.number in candidates and "县医院挂号难" not in candidates
    assert "data-open-on-load" in by_number  # a search reopens the merge dialog with its results
