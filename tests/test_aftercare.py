"""后期处置 (issue 17; 000 三.3): "网络舆情应急处置结束后，区网络舆情工作领导小组办公室要组织相关部门关注网络上相关事件的
舆情趋势。同时，对应急处置工作进行全面总结和评估，针对应急处置工作中的成功经验以及暴露出来的问题，进一步修改完善有关工作
方案。" After 销号 the office watches the topic for the admin-set period; new links, a 舆情反复 or a new item like it
prompt the duty officers once each; the 总结评估 is due when the watch ends (a deadline of the engine: reminded,
breached, escalated to the office's leaders, exactly once, caught up) and is met by writing it from its template."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from docx import Document

from core.errors import Conflict, IllegalTransition, InvalidInput, NotPermitted
from core.models import AuditEvent
from deadlines import tasks as deadline_tasks
from deadlines.models import Deadline, DeadlineKind
from followup import aftercare, tasks
from followup.models import AftercareEvaluation, AftercareEvent, AftercareSettings, AftercareWatch
from incidents import services
from incidents.models import Feedback, SourceLink, TicketRole
from notifications.models import Notification
from workcalendar.working_days import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
CLOSED_AT = MONDAY + timedelta(hours=2)  # Monday 12:00
WATCH_END = CLOSED_AT + timedelta(days=7)  # the seeded 7 calendar days

PROMPT = "【持续关注提示】"
REMIND, BREACH, ESCALATE = "【到期提醒】总结评估时限", "【督办】总结评估时限", "【逾期升级】总结评估时限"
EVALUATION = {
    "trend": "销号后网上讨论逐步平息，未见新的转发。",
    "worked": "教育局当日核实并回应，口径统一。",
    "went_wrong": "首次回应晚于规定时限两小时。",
    "to_change": "修改预案：节假日值班表明确回应审核人。",
}


def told(prefix, channel="inbox"):
    return sorted(
        Notification.objects.filter(title__startswith=prefix, channel=channel).values_list(
            "recipient__username", flat=True
        )
    )


@pytest.fixture(autouse=True)
def applies_from_last_week(db):
    """The seeded row applies from the upgrade (the test run): these tests close incidents in the past."""
    AftercareSettings.objects.update_or_create(pk=1, defaults={"applies_from": MONDAY - timedelta(days=7)})


@pytest.fixture
def close(org, make_incident):
    def make(title="网传某校食堂饭菜变质", when=MONDAY, links=()):
        with time_machine.travel(when, tick=False):
            incident = services.report_incident(org.duty, title=title, links=list(links))
            services.grade_incident(org.duty, incident, grade="IV", reason="测试研判")
            (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
            services.claim_ticket(org.edu_liaison, lead)
            services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="已整改并回应。")
        with time_machine.travel(when + timedelta(hours=2), tick=False):
            services.close_incident(org.duty, incident, opinion="同意销号")
        incident.refresh_from_db()
        return incident

    return make


def run(at):
    with time_machine.travel(at, tick=False):
        tasks.run_aftercare()


def test_the_timed_check_starts_one_watch_per_closed_incident(org, close):
    """000 三.3: after 销号 the office watches the topic; the timed check starts the watch from the incident's
    state, exactly once however often it runs, with the 总结评估 deadline due at its end, owned by the office."""
    incident = close()
    run(CLOSED_AT + timedelta(minutes=5))
    run(CLOSED_AT + timedelta(minutes=10))
    watch = AftercareWatch.objects.get(incident=incident)
    assert watch.started_at == CLOSED_AT and watch.ends_at == WATCH_END and watch.period == "7d"
    deadline = watch.deadline
    assert deadline.kind == DeadlineKind.AFTERCARE_EVALUATION and deadline.due_at == WATCH_END
    assert deadline.unit is None and deadline.incident == incident and deadline.state == Deadline.State.PENDING
    assert {s.step for s in deadline.steps.all()} == {"reminder:1wd", "breach", "escalate"}
    assert "000 三.3" in deadline.rule["source"]
    started = AuditEvent.objects.filter(action="aftercare_watch_started", incident=incident)
    assert started.count() == 1 and started.get().actor is None


def test_the_period_is_the_admins_setting(org, close):
    """000 三.3 names no period: the administrator's setting (here 5 working days) decides the watch's end."""
    AftercareSettings.objects.filter(pk=1).update(watch_period="5wd", reminder_leads="", escalate_after="")
    incident = close()
    run(CLOSED_AT + timedelta(minutes=5))
    watch = AftercareWatch.objects.get(incident=incident)
    assert watch.ends_at == WorkCalendar.load().add(CLOSED_AT, "5wd").at
    assert watch.ends_at != WATCH_END and watch.period == "5wd"
    assert {s.step for s in watch.deadline.steps.all()} == {"breach"}


def test_incidents_closed_before_the_setting_applies_are_not_watched(org, close):
    """000 三.3 applies from the upgrade: items closed before it get no watch and no instant overdue."""
    incident = close()
    AftercareSettings.objects.filter(pk=1).update(applies_from=CLOSED_AT + timedelta(minutes=1))
    run(CLOSED_AT + timedelta(minutes=5))
    assert not AftercareWatch.objects.filter(incident=incident).exists()


def test_new_links_relapse_and_similar_items_prompt_once_each(org, close):
    """000 三.3 (关注舆情趋势); 002 第九条 (防范负面舆情出现反复): a new link on the incident, a new item like it and
    the incident reopened as 舆情反复 each prompt the duty officers once, in the inbox, linked to the follow-up page."""
    incident = close(title="网传城关镇某校食堂饭菜变质", links=[{"platform": "微博", "url": "https://weibo.example/1"}])
    run(CLOSED_AT + timedelta(minutes=5))
    with time_machine.travel(CLOSED_AT + timedelta(days=1), tick=False):
        SourceLink.objects.create(incident=incident, platform="论坛", url="https://bbs.example/thread/9")
        similar = services.report_incident(org.duty, title="城关镇某校食堂饭菜变质又被曝光")
        services.report_incident(org.duty, title="县医院停车难")
    run(CLOSED_AT + timedelta(days=1, minutes=5))
    run(CLOSED_AT + timedelta(days=1, minutes=10))
    kinds = sorted(AftercareEvent.objects.values_list("kind", flat=True))
    assert kinds == ["link", "similar"]
    assert AftercareEvent.objects.get(kind="similar").related == similar
    assert told(PROMPT) == ["duty", "duty"]
    notice = Notification.objects.filter(title__startswith=PROMPT).first()
    assert notice is not None and notice.link == f"/followup/incidents/{incident.pk}/"
    with time_machine.travel(CLOSED_AT + timedelta(days=2), tick=False):
        services.reopen_incident(org.duty, incident, reason="网上再次出现大量转发")
    run(CLOSED_AT + timedelta(days=2, minutes=5))
    run(CLOSED_AT + timedelta(days=2, minutes=10))
    relapse = AftercareEvent.objects.get(kind="relapse")
    assert relapse.detail == "网上再次出现大量转发"
    assert told(PROMPT + "舆情反复") == ["duty"]
    assert AuditEvent.objects.filter(action="aftercare_prompt").count() == 3


def test_a_late_pass_catches_up_and_finishes_the_watch(org, close):
    """000 三.3: a pass after downtime prompts what happened during the watch, once; what comes after its end is
    not the watch's, and a finished watch is not scanned again."""
    incident = close()
    run(CLOSED_AT + timedelta(minutes=5))
    with time_machine.travel(CLOSED_AT + timedelta(days=3), tick=False):
        SourceLink.objects.create(
            incident=incident, platform="论坛", url="https://bbs.example/3", first_seen_at=CLOSED_AT + timedelta(days=3)
        )
    with time_machine.travel(WATCH_END + timedelta(days=1), tick=False):
        services.report_incident(org.duty, title="网传某校食堂饭菜变质")  # after the watch: not prompted
    run(WATCH_END + timedelta(days=2))
    run(WATCH_END + timedelta(days=3))
    assert list(AftercareEvent.objects.values_list("kind", flat=True)) == ["link"]
    assert told(PROMPT) == ["duty"]
    assert AftercareWatch.objects.get(incident=incident).finished_at == WATCH_END + timedelta(days=2)


def test_the_evaluation_deadline_reminds_breaches_escalates_once_with_catch_up(org, close):
    """000 三.3 (总结评估): reminded a working day before the watch ends, breached at its end and escalated to the
    office's leaders a working day later, each exactly once; a sweep after a pause fires what it missed."""
    incident = close()
    run(CLOSED_AT + timedelta(minutes=5))
    deadline = AftercareWatch.objects.get(incident=incident).deadline
    reminder = deadline.steps.get(step="reminder:1wd").fire_at
    with time_machine.travel(reminder + timedelta(minutes=1), tick=False):
        deadline_tasks.run_timed_checks()
        deadline_tasks.run_timed_checks()
    assert told(REMIND) == ["duty"]
    escalate = deadline.steps.get(step="escalate").fire_at
    with time_machine.travel(escalate + timedelta(minutes=5), tick=False):
        deadline_tasks.run_timed_checks()
        deadline_tasks.run_timed_checks()
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.BREACHED
    assert told(REMIND) == ["duty"] and told(BREACH) == ["duty"]
    assert told(ESCALATE) == ["duty", "leader"]
    notice = Notification.objects.get(title__startswith=BREACH, channel="inbox")
    assert notice.link == f"/incidents/{incident.pk}/"


def test_the_office_writes_the_evaluation_from_its_template(org, close):
    """000 三.3: what the watch saw, what worked, what went wrong and what to change; the report is rendered from the
    总结评估 template, kept with the incident and read back; the deadline is met on time; audited; once."""
    incident = close()
    run(CLOSED_AT + timedelta(minutes=5))
    with time_machine.travel(CLOSED_AT + timedelta(days=3), tick=False):
        evaluation = aftercare.write_evaluation(org.duty, incident, **EVALUATION)
    doc = Document(io.BytesIO(bytes(evaluation.document)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "总结评估" in text and incident.title in text and "000 三.3" in text
    for heading in ("一、后期处置情况", "二、成功经验", "三、暴露的问题", "四、改进措施"):
        assert heading in text
    for value in EVALUATION.values():
        assert value in text
    deadline = evaluation.watch.deadline
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.MET and not deadline.steps.filter(state="pending").exists()
    event = AuditEvent.objects.get(action="aftercare_evaluation_written")
    assert event.incident_id == incident.pk and event.after["to_change"] == EVALUATION["to_change"]
    with time_machine.travel(CLOSED_AT + timedelta(days=4), tick=False), pytest.raises(Conflict):
        aftercare.write_evaluation(org.duty, incident, **EVALUATION)
    assert AftercareEvaluation.objects.count() == 1


def test_the_office_may_evaluate_before_the_timed_check_ran(org, close):
    """000 三.3: the office starts the watch itself by writing the evaluation first; the timed check then finds
    the watch and starts none."""
    incident = close()
    with time_machine.travel(CLOSED_AT + timedelta(minutes=1), tick=False):
        aftercare.write_evaluation(org.duty, incident, **EVALUATION)
    run(CLOSED_AT + timedelta(minutes=5))
    watch = AftercareWatch.objects.get(incident=incident)
    assert watch.started_by == org.duty and watch.deadline.state == Deadline.State.MET
    assert AuditEvent.objects.filter(action="aftercare_watch_started").count() == 1


def test_bad_input_or_wrong_actor_or_state_changes_nothing(org, close, make_incident):
    """000 三.3: the office writes the evaluation after 销号; empty parts are refused in Chinese, a unit's liaison
    or an open incident is refused, and nothing is written."""
    incident = close()
    with time_machine.travel(CLOSED_AT + timedelta(hours=1), tick=False):
        with pytest.raises(InvalidInput) as err:
            aftercare.write_evaluation(org.duty, incident, trend=" ", worked="", went_wrong="x", to_change="")
        assert set(err.value.field_errors) == {"trend", "worked", "to_change"}
        assert err.value.field_errors["worked"] == ["请填写成功经验。"]
        with pytest.raises(NotPermitted):
            aftercare.write_evaluation(org.leader, incident, **EVALUATION)
        open_one = make_incident(grade="IV")
        with pytest.raises(IllegalTransition) as state:
            aftercare.write_evaluation(org.duty, open_one, **EVALUATION)
        assert "000 三.3" in str(state.value)
    assert not AftercareEvaluation.objects.exists()
    assert not AuditEvent.objects.filter(action="aftercare_evaluation_written").exists()


def test_closed_again_after_a_relapse_restarts_the_watch(org, close):
    """000 三.3, 002 第九条: after a 舆情反复 the incident is handled and closed again; the watch runs again from the
    new 销号 with a new 总结评估 deadline (the old one ended with the incident's other deadlines), once."""
    incident = close()
    run(CLOSED_AT + timedelta(minutes=5))
    first = AftercareWatch.objects.get(incident=incident).deadline
    again = CLOSED_AT + timedelta(days=2)
    with time_machine.travel(again - timedelta(hours=1), tick=False):
        services.reopen_incident(org.duty, incident, reason="再次发酵")
        services.grade_incident(org.duty, incident, grade="IV", reason="反复后重新研判")
        (lead,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
        services.claim_ticket(org.edu_liaison, lead)
        services.submit_feedback(org.edu_liaison, lead, kind=Feedback.Kind.REPORT, content="再次整改。")
    with time_machine.travel(again, tick=False):
        services.close_incident(org.duty, incident, opinion="同意销号")
    run(again + timedelta(minutes=5))
    run(again + timedelta(minutes=10))
    watch = AftercareWatch.objects.get(incident=incident)
    assert watch.started_at == again and watch.ends_at == again + timedelta(days=7)
    first.refresh_from_db()
    assert first.state == Deadline.State.CANCELLED and watch.deadline != first
    assert watch.deadline.state == Deadline.State.PENDING
    assert AuditEvent.objects.filter(action="aftercare_watch_restarted").count() == 1


def test_the_settings_refuse_a_bad_period_or_channel(db):
    """000 三.3 names no period, so the administrator sets it: a period, reminder or channel the engine cannot read
    is refused in Chinese on save in the admin, never stored to fail the timed check later."""
    rules = AftercareSettings.current()
    rules.watch_period, rules.reminder_leads, rules.channels = "一周", "1wd,soon", "inbox,fax"
    with pytest.raises(ValidationError) as err:
        rules.full_clean()
    assert set(err.value.message_dict) == {"watch_period", "reminder_leads", "channels"}
    assert "未知的通知渠道：fax" in err.value.message_dict["channels"][0]
    rules.watch_period, rules.reminder_leads, rules.channels, rules.escalate_after = "10wd", "2wd,2h", "inbox,sms", ""
    rules.full_clean()
