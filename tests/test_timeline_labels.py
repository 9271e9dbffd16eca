"""Issue 14: the timeline reads in words. Incident events carry incident state labels (a dispatch is 已研判 → 已转办,
not the ticket's 待认领), enums are Chinese (初步回应, not "initial"), and rows referred to by id are shown by name
(a deadline by its kind and due time, a unit and a person by name), never "时限：73"."""

import re

from django.urls import reverse
from django.utils import timezone

from core import audit
from core.models import AuditEvent
from deadlines.models import Deadline, DeadlineKind
from incidents import services
from incidents.timeline import timeline_rows


def _rows(user, incident):
    return timeline_rows(user, AuditEvent.objects.filter(incident=incident).order_by("at", "id"))


def test_the_incident_dispatch_reads_with_incident_states_and_the_ticket_dispatch_with_ticket_states(org, dispatched):
    rows = _rows(org.duty, dispatched.incident)
    incident_dispatch = [r for r in rows if r.event.action == "dispatch" and r.event.object_type == "incident"]
    ticket_dispatch = [r for r in rows if r.event.action == "dispatch" and r.event.object_type == "ticket"]
    assert incident_dispatch and len(ticket_dispatch) == 2
    assert "状态：已研判 → 已转办" in incident_dispatch[0].summary
    assert "待认领" not in incident_dispatch[0].summary
    assert "状态：待认领" in ticket_dispatch[0].summary and "承办类型：主办" in ticket_dispatch[0].summary


def test_the_same_action_reads_as_its_own_objects_transition(org, dispatched):
    ticket_close = AuditEvent(action="close", object_type="ticket", ticket_id=dispatched.lead.pk)
    incident_close = AuditEvent(action="close", object_type="incident")
    assert audit.action_label(ticket_close) == "销号"
    assert audit.action_label(incident_close) == "审核销号"
    # A label registered for any object (reporting/apps.py) and an unknown action still read.
    assert audit.action_label(AuditEvent(action="report_recalled", object_type="report")) == "撤回文书"
    assert audit.action_label(AuditEvent(action="something_new", object_type="incident")) == "something_new"


def test_enum_values_are_chinese(org, make_incident):
    incident = make_incident(grade="III")
    services.publish_reply(org.duty, incident, kind="initial", channel="政务微博", content="已关注，正在核实。")
    services.record_leader_report(org.duty, incident, channel="phone", reported_to="陈书记")
    summaries = " ".join(r.summary for r in _rows(org.duty, incident))
    assert "类型：初步回应" in summaries and "initial" not in summaries
    assert "方式：电话" in summaries and "phone" not in summaries
    assert "发布渠道：政务微博" in summaries
    assert "等级：— → Ⅲ级 较大" in summaries


def test_references_show_by_name_and_due_time_not_by_row_id(org, dispatched):
    deadline = Deadline.objects.filter(ticket=dispatched.lead).order_by("id").first()
    assert deadline is not None
    audit.record(
        org.duty,
        "supervision_issued",
        deadline,
        after={"deadline": deadline.pk, "unit": org.edu.pk, "drafted_by": org.edu_liaison.pk},
        incident=dispatched.incident,
        ticket=dispatched.lead,
    )
    row = _rows(org.duty, dispatched.incident)[-1]
    due = timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M")
    assert f"时限：{DeadlineKind(deadline.kind).label}（{due} 到期）" in row.summary
    assert "单位：教育局" in row.summary
    assert f"拟稿人：{org.edu_liaison.get_full_name() or org.edu_liaison.username}" in row.summary
    assert not re.search(rf"时限：{deadline.pk}\b", row.summary)
    # A deadline the reader may not see is not named, and its id is not shown either.
    police_view = _rows(org.police_liaison, dispatched.incident)
    for r in police_view:
        assert f"时限：{deadline.pk}" not in r.summary


def test_the_incident_page_shows_the_worded_timeline(client, org, dispatched):
    client.force_login(org.duty)
    page = client.get(reverse("incident_detail", args=[dispatched.incident.pk])).content.decode()
    assert "状态：已研判 → 已转办" in page
    assert "已研判 → 待认领" not in page
    ticket_page = client.get(reverse("ticket_detail", args=[dispatched.lead.pk])).content.decode()
    assert "状态：待认领" in ticket_page
