"""One bad row never stops the timed checks (issue 10 §1): a step that raises is rolled back alone, keeps its
error and attempts, the rest of the batch fires; it is retried by later runs, marked 触发失败 after three, listed
for the admins and put back in the queue by their 重新触发. `run_timed_checks --at` in the future refuses to
breach deadlines early unless --force."""

import logging
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from core.errors import NotPermitted
from core.models import AuditEvent
from deadlines.management.commands.run_timed_checks import Command
from deadlines.models import Deadline, DeadlineStep
from deadlines.sweep import MAX_ATTEMPTS, requeue_failed_steps, run_timed_checks
from incidents import services
from incidents.models import TicketRole
from notifications.models import Notification
from org import recipients

SH = ZoneInfo("Asia/Shanghai")
DISPATCH = datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # a Monday
LATER = DISPATCH + timedelta(hours=5)  # both claim deadlines (12:00) breached and escalated (14:00)


@pytest.fixture
def dispatched_at_ten(org, make_incident):
    with time_machine.travel(DISPATCH, tick=False):
        incident = make_incident(grade="IV")
        lead, assist = services.dispatch_incident(
            org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
    return incident, lead, assist


@pytest.fixture
def edu_gateway_down(org, monkeypatch):
    """Looking up 教育局's liaisons raises, as a broken row or a bug would; every other unit works."""
    real = recipients.liaisons

    def liaisons(unit):
        if unit == org.edu:
            raise RuntimeError("教育局联络员数据异常")
        return real(unit)

    monkeypatch.setattr(recipients, "liaisons", liaisons)
    return monkeypatch


def sweep_at(instant, **kwargs):
    """A run as beat makes it: the clock at `instant`, due steps as of then."""
    with time_machine.travel(instant, tick=False):
        return run_timed_checks(**kwargs)


def step(ticket, name, kind="claim"):
    return DeadlineStep.objects.get(deadline__ticket=ticket, deadline__kind=kind, step=name)


def test_a_failing_step_is_recorded_and_the_rest_of_the_batch_fires(org, dispatched_at_ten, edu_gateway_down, caplog):
    incident, lead, assist = dispatched_at_ten
    due = DeadlineStep.objects.filter(fire_at__lte=LATER).count()
    with caplog.at_level(logging.ERROR, logger="deadlines.sweep"):
        fired = sweep_at(LATER, batch_size=2)  # small batches: a failed step must not be picked again
    assert len(fired) == due  # every due step tried exactly once, the run ended

    breach = step(lead, "breach")
    assert breach.state == "pending" and breach.attempts == 1
    assert breach.last_attempt_at == LATER and "教育局联络员数据异常" in breach.error
    assert "教育局联络员数据异常" in caplog.text
    # Only that step was rolled back: the lead's claim is not breached, nobody was told of it, no audit.
    claim = Deadline.objects.get(ticket=lead, kind="claim")
    assert claim.state == "pending" and claim.breached_at is None
    assert not Notification.objects.filter(step=breach).exists()
    assert not AuditEvent.objects.filter(ticket=lead, action="deadline_breached").exists()
    # Its escalation waits for it rather than being dropped as "not breached".
    assert step(lead, "escalate").state == "pending"

    # The steps due after it, in the same run, fired: 卫健委's claim was breached and escalated.
    assert step(assist, "breach").state == "fired" and step(assist, "escalate").state == "fired"
    assert Deadline.objects.get(ticket=assist, kind="claim").state == "breached"
    assert Notification.objects.filter(step=step(assist, "breach"), recipient=org.health_liaison).exists()
    left = {s.pk for s in DeadlineStep.objects.filter(fire_at__lte=LATER).exclude(state="fired")}
    assert left == {breach.pk, step(lead, "escalate").pk}


def test_a_failed_step_is_retried_next_run_and_fails_for_good_after_three(org, dispatched_at_ten, edu_gateway_down):
    incident, lead, _ = dispatched_at_ten
    for n in range(1, MAX_ATTEMPTS + 1):
        fired = sweep_at(LATER + timedelta(minutes=n))
        assert [f.outcome for f in fired if f.step_id == step(lead, "breach").pk] == [f"failed {n}/{MAX_ATTEMPTS}"]
        assert step(lead, "breach").attempts == n
    breach = step(lead, "breach")
    assert breach.state == "failed" and breach.last_attempt_at == LATER + timedelta(minutes=MAX_ATTEMPTS)
    fired = sweep_at(LATER + timedelta(minutes=10))  # a failed step is not tried again; its escalation waits
    assert [(f.step_id, f.outcome) for f in fired] == [(step(lead, "escalate").pk, "waiting_breach")]
    assert step(lead, "breach").attempts == MAX_ATTEMPTS


def test_a_step_that_works_on_the_next_run_fires_with_the_breach_time_it_really_had(
    org, dispatched_at_ten, edu_gateway_down
):
    incident, lead, _ = dispatched_at_ten
    sweep_at(LATER)
    edu_gateway_down.undo()
    sweep_at(LATER + timedelta(minutes=1))
    breach = step(lead, "breach")
    assert breach.state == "fired" and breach.attempts == 1 and breach.error == ""
    claim = Deadline.objects.get(ticket=lead, kind="claim")
    assert claim.state == "breached" and claim.breached_at == DISPATCH + timedelta(hours=2)
    assert step(lead, "escalate").state == "fired"
    assert Notification.objects.filter(step=step(lead, "escalate"), recipient=org.edu_leader).exists()


def fail_for_good(lead):
    for n in range(MAX_ATTEMPTS):
        sweep_at(LATER + timedelta(minutes=n))
    assert step(lead, "breach").state == "failed"


def test_admins_see_failed_steps_and_requeue_them(org, dispatched_at_ten, edu_gateway_down, client):
    incident, lead, assist = dispatched_at_ten
    fail_for_good(lead)
    breach = step(lead, "breach")
    client.force_login(org.admin)
    page = client.get("/admin/deadlines/deadlinestep/", {"state__exact": "failed"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "教育局联络员数据异常" in text and incident.title in text and "触发失败" in text
    assert f'value="{step(assist, "breach").pk}"' not in text  # the filter shows only the failed ones

    edu_gateway_down.undo()  # the cause is fixed
    response = client.post(
        "/admin/deadlines/deadlinestep/",
        {"action": "requeue", "_selected_action": [breach.pk, step(assist, "breach").pk]},
        follow=True,
    )
    assert "已重新触发 1 个步骤" in response.content.decode()
    breach.refresh_from_db()
    assert breach.state == "pending" and breach.attempts == 0
    assert step(assist, "breach").state == "fired"  # a fired step is not touched
    event = AuditEvent.objects.get(action="deadline_step_requeued")
    assert event.actor_id == org.admin.pk and event.ticket_id == lead.pk
    assert event.before["state"] == "failed" and event.after["state"] == "pending"

    sweep_at(LATER + timedelta(minutes=30))
    assert step(lead, "breach").state == "fired" and step(lead, "escalate").state == "fired"
    assert Deadline.objects.get(ticket=lead, kind="claim").breached_at == DISPATCH + timedelta(hours=2)


def test_only_admins_requeue(org, dispatched_at_ten, edu_gateway_down):
    incident, lead, _ = dispatched_at_ten
    fail_for_good(lead)
    with pytest.raises(NotPermitted):
        requeue_failed_steps(org.duty, [step(lead, "breach")])
    assert step(lead, "breach").state == "failed"
    assert not AuditEvent.objects.filter(action="deadline_step_requeued").exists()


# --- run_timed_checks --at ----------------------------------------------------------------------------------


def test_at_in_the_future_is_refused_without_force(org, dispatched_at_ten):
    with time_machine.travel(DISPATCH + timedelta(hours=1), tick=False):
        with pytest.raises(CommandError, match="晚于当前时间.*--force"):
            call_command("run_timed_checks", "--at", "2026-11-23T15:00:00+08:00", stdout=StringIO())
        assert not DeadlineStep.objects.filter(state="fired").exists()
        assert Deadline.objects.filter(state="breached").count() == 0

        out = StringIO()
        call_command("run_timed_checks", "--at", "2026-11-23T15:00:00+08:00", "--dry-run", stdout=out)
        assert "将触发" in out.getvalue() and not DeadlineStep.objects.filter(state="fired").exists()


def test_at_in_the_future_fires_with_force(org, dispatched_at_ten):
    with time_machine.travel(DISPATCH + timedelta(hours=1), tick=False):
        out = StringIO()
        call_command("run_timed_checks", "--at", "2026-11-23T15:00:00+08:00", "--force", stdout=out)
    assert "已触发" in out.getvalue()
    assert Deadline.objects.filter(kind="claim", state="breached").count() == 2


def test_at_in_the_past_catches_up_without_force(org, dispatched_at_ten):
    with time_machine.travel(DISPATCH + timedelta(hours=5), tick=False):
        call_command("run_timed_checks", "--at", "2026-11-23T12:30:00+08:00", stdout=StringIO())
    assert Deadline.objects.filter(kind="claim", state="breached").count() == 2


def test_the_help_documents_force_as_a_test_and_ops_tool():
    parser = Command().create_parser("manage.py", "run_timed_checks")
    assert "--force" in parser.format_help() and "测试/运维工具" in parser.format_help()
