"""The API permission matrix: every role × every endpoint × (own unit / other unit / confidential).

Roles (columns, in this order):
    duty            值班员 of the office (区委办)
    edu_liaison     联络员 of 教育局
    police_liaison  联络员 of 公安局
    edu_leader      领导 of 教育局
    county_leader   领导 of the whole county (oversees every unit)
    admin           系统管理员 (superuser, no workflow role)
    anonymous       no credentials

Scenarios (what the {id} is):
    edu           an incident led by 教育局 (assisted by 卫健委): own unit for edu_liaison/edu_leader,
                  another unit for police_liaison
    police        an incident led by 公安局: own unit for police_liaison, another unit for edu_*
    confidential  a confidential incident led by 教育局, reported by another duty officer and granted only
                  to people outside the matrix: nobody in it may see it, whatever their role
For /api/tickets/{id}/… the {id} is the scenario's lead ticket, for /api/deadlines/{id}/ its claim deadline,
for /api/extension-requests/{id}/… the extension request its lead liaison filed (see `extension_requested`),
for /api/reports/{id}/… the 督报 the office issued to the lead unit (see `supervised`), for /api/reply-drafts/{id}/…
the reply draft its lead liaison wrote (see `drafted`). A daily submission is made
for the scenario's lead unit, linking the scenario's incident.

Each cell is run on fresh data (inside a transaction rolled back afterwards), after `prepare` has
moved the scenario to the state the action needs, so that 200 means "allowed" and not "lucky".
Every URL pattern under /api/ must appear here (with each HTTP method it answers): the matrix test
walks the URL resolver and fails on any it does not find. Paths are written under /api/; every cell runs under the
canonical /api/v1/ and under the /api/ alias (PREFIXES), and the route check counts both (issue 14).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from django.urls import URLResolver, get_resolver
from django.utils import timezone

from deadlines import services as monitoring_services
from deadlines.models import Deadline, DeadlineKind
from followup import services as followup_services
from followup.models import UpperBody
from incidents import services
from incidents.models import Feedback, TicketRole
from org.models import Role
from reporting import services as reporting_services
from reporting.daily import generate_daily_report
from reporting.models import ReportSettings, RiskTopic
from review import services as review_services
from review.models import PeriodKind, SpotCheck, SpotCheckDraw
from tests.factories import person

ROLES = ("duty", "edu_liaison", "police_liaison", "edu_leader", "county_leader", "admin", "anonymous")
SCENARIOS = ("edu", "police", "confidential")
# Methods every view answers the same way (HEAD mirrors GET) are left out of the matrix.
IGNORED_METHODS = {"OPTIONS", "HEAD", "TRACE"}
# The canonical prefix and its alias (yuqing/api_urls.py): every endpoint below runs under both.
PREFIXES = ("/api/v1/", "/api/")


def under(prefix, path):
    """A matrix path ("/api/…") under `prefix`."""
    return prefix + path.removeprefix("/api/")


@dataclass
class Endpoint:
    name: str  # the URL pattern's name
    method: str
    path: str  # "{id}" is replaced by the scenario's object
    expect: dict  # scenario (or "-" for collection endpoints) → seven status codes, in ROLES order
    body: object = None  # dict, or callable(world, scenario, role) → dict
    prepare: object = None  # callable(world, scenario), run before the request
    visible: dict = field(default_factory=dict)  # role → scenarios a list must show (lists only)


# --- States an action needs ------------------------------------------------------------------------


def claimed(world, scenario):
    s = world.scenarios[scenario]
    services.claim_ticket(s.lead_liaison, s.lead.pk)


def extended_due():
    # Well past the report deadline (5 working days after the claim), whatever holidays come in between.
    return timezone.now() + timedelta(days=60)


def extension_body(*_):
    return {"requested_due_at": extended_due().isoformat(), "reason": "涉及多部门，需补充调查"}


def extension_requested(world, scenario):
    """The lead liaison claims and, inside the 3-working-day window, asks for an extension. For a collection
    endpoint ("-") every scenario does, so that the list shows whose requests each role sees."""
    for name in world.scenarios if scenario == "-" else [scenario]:
        claimed(world, name)
        s = world.scenarios[name]
        s.extension = monitoring_services.request_extension(
            s.lead_liaison, s.lead.pk, requested_due_at=extended_due(), reason="涉及多部门，需补充调查"
        )


def under_review(world, scenario):
    s = world.scenarios[scenario]
    claimed(world, scenario)
    services.submit_feedback(s.lead_liaison, s.lead.pk, kind=Feedback.Kind.REPORT, content="核查报告")
    if s.assist is not None:
        services.claim_ticket(s.assist_liaison, s.assist.pk)
        services.submit_feedback(s.assist_liaison, s.assist.pk, kind=Feedback.Kind.FEEDBACK, content="协办反馈")


def closed(world, scenario):
    under_review(world, scenario)
    s = world.scenarios[scenario]
    services.close_incident(s.office, s.incident.pk, opinion="同意销号")


def supervised(world, scenario):
    """The office issues a 督报 on the scenario's lead ticket: an issued report addressed to the lead unit. For a
    collection endpoint ("-") every scenario gets one, so that the list shows whose reports each role sees."""
    for name in world.scenarios if scenario == "-" else [scenario]:
        s = world.scenarios[name]
        s.report = reporting_services.issue_supervision_notice(
            s.office, s.lead.pk, reason="逾期未反馈", due_at=timezone.now() + timedelta(days=3)
        )


def drafted(world, scenario):
    """The lead liaison claims and drafts a reply for approval. For a collection endpoint ("-") every scenario does,
    so that the list shows whose drafts each role sees."""
    for name in world.scenarios if scenario == "-" else [scenario]:
        claimed(world, name)
        s = world.scenarios[name]
        s.draft = services.draft_reply(
            s.lead_liaison, s.lead.pk, kind="initial", channel="政务微博", content="已关注，正在核实"
        )


def regraded_major(world, scenario):
    """A 专报 is for 重大/特别重大 (004 三(三)): the office that reported the scenario regrades it Ⅱ."""
    s = world.scenarios[scenario]
    services.grade_incident(s.office, s.incident.pk, grade="II", reason="传播扩大")


def special_body(world, scenario, role):
    return {"incident": world.scenarios[scenario].incident.pk}


def supervision_body(world, scenario, role):
    due = (timezone.now() + timedelta(days=3)).isoformat()
    return {"ticket": world.scenarios[scenario].lead.pk, "reason": "逾期未反馈", "due_at": due}


def supervision_drafted(world, scenario):
    """The office drafts a 督报 to the scenario's lead unit, not issued yet (only the office sees a draft)."""
    s = world.scenarios[scenario]
    s.report = reporting_services.draft_supervision_notice(
        s.office, s.lead.pk, reason="逾期未反馈", due_at=timezone.now() + timedelta(days=3)
    )


def risk_topic(world, scenario):
    world.risk_topic = RiskTopic.objects.create(name="校园食品安全", keywords="食堂,饭菜", unit=world.org.edu)


def risk_body(world, scenario, role):
    return {"topic": world.risk_topic.pk, "requirements": "请加强食堂巡查"}


def yesterday_body(*_):
    return {"date": (timezone.localdate() - timedelta(days=1)).isoformat()}


def last_week_body(*_):
    return {"kind": "weekly", "start": (timezone.localdate() - timedelta(days=7)).isoformat()}


def collecting(world, scenario):
    """教育局 and 公安局 must submit what they collect every day."""
    ReportSettings.current().collecting_units.set([world.org.edu, world.org.police])


def submission_body(world, scenario, role):
    s = world.scenarios[scenario]
    return {"unit": s.lead.unit_id, "content": "网传某校食堂问题 https://weibo.com/1", "incidents": [s.incident.pk]}


# --- Follow-through (issue 17): 会商研判, 向上报送, 市级交办, 销号抽查 -------------------------------------------


def review_body(world, scenario, role):
    return {
        "held_at": timezone.now().isoformat(),  # the scenario was first seen a moment ago
        "units": [world.org.edu.pk],
        "nature": "属实",
        "trend": "平稳",
        "risks": "较低",
        "handling": "教育局牵头",
        "caliber": "以事实为准",
    }


def reviewed(world, scenario):
    """The office that reported the scenario records a 会商研判 on it (002 第七条)."""
    s = world.scenarios[scenario]
    s.joint_review = followup_services.record_joint_review(
        s.office,
        s.incident.pk,
        **{**review_body(world, scenario, "duty"), "held_at": timezone.now(), "units": [world.org.edu]},
    )


def upward_body(world, scenario, role):
    return {
        "body": UpperBody.objects.filter(is_active=True).first().pk,
        "signer": world.org.leader.pk,
        "reason": "报送",
        "reported_at": timezone.now().isoformat(),
    }


def reported_upward(world, scenario):
    """The office that reported the scenario reports it upward with a 专报 (000 三)."""
    s = world.scenarios[scenario]
    s.upward_report = followup_services.record_upward_report(
        s.office,
        s.incident.pk,
        body=UpperBody.objects.filter(is_active=True).first(),
        signer=world.org.leader,
        reason="报送",
        reported_at=timezone.now(),
    )


def city_body(world, scenario, role):
    return {
        "body": UpperBody.objects.filter(is_active=True).first().pk,
        "reference": "市交〔2026〕1号",
        "received_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "city_due_at": (timezone.now() + timedelta(days=2)).isoformat(),
    }


def city_assigned(world, scenario):
    """The office that reported the scenario records it as handed down by the city (市级交办)."""
    s = world.scenarios[scenario]
    followup_services.receive_city_assignment(
        s.office,
        s.incident.pk,
        body=UpperBody.objects.filter(is_active=True).first(),
        reference="市交〔2026〕1号",
        received_at=timezone.now() - timedelta(hours=1),
        city_due_at=timezone.now() + timedelta(days=2),
    )


def drawn(world, scenario):
    """The office draws the period's 销号抽查 sample (000 四.3)."""
    world.scenarios[scenario].draw = review_services.draw_spot_checks(world.scenarios[scenario].office)


def spot_checked(world, scenario):
    """The scenario's incident is closed and in a drawn sample, awaiting its verdict (000 四.3)."""
    closed(world, scenario)
    s = world.scenarios[scenario]
    draw = SpotCheckDraw.objects.create(
        period=PeriodKind.MONTH, period_start=timezone.localdate().replace(day=1), period_end=timezone.localdate()
    )
    s.spot_check = SpotCheck.objects.create(draw=draw, incident=s.incident)


# --- The matrix --------------------------------------------------------------------------------------

NOT_VISIBLE = "404 404 404 404 404 404 401"  # the confidential column of every object endpoint
INCIDENT_READ = {
    "edu": "200 200 404 200 200 404 401",
    "police": "200 404 200 404 200 404 401",
    "confidential": NOT_VISIBLE,
}
OFFICE_ONLY = {
    "edu": "200 403 404 403 403 404 401",
    "police": "200 404 403 404 403 404 401",
    "confidential": NOT_VISIBLE,
}
OFFICE_OR_LEAD_LEADER = {
    "edu": "200 403 404 200 200 404 401",
    "police": "200 404 403 404 200 404 401",
    "confidential": NOT_VISIBLE,
}
# 一般 (Ⅳ) replies are approved by a leader overseeing the drafting unit (a county leader oversees all); the office
# sees the draft but may not decide it (会商审定 is for 重大/特别重大).
UNIT_LEADER_ONLY = {
    "edu": "403 403 404 200 200 404 401",
    "police": "403 404 403 404 200 404 401",
    "confidential": NOT_VISIBLE,
}
UNIT_LIAISON_ONLY = {
    "edu": "403 200 404 403 403 404 401",
    "police": "403 404 200 404 403 404 401",
    "confidential": NOT_VISIBLE,
}
BOTH = {"edu", "police"}

ENDPOINTS = [
    Endpoint(
        "api-token",
        "POST",
        "/api/auth/token/",
        {"-": "200 200 200 200 200 200 400"},
        body=lambda world, scenario, role: world.credentials(role),
    ),
    # Revokes the caller's own token (issue 11 §2): anyone holding one may.
    Endpoint("api-token", "DELETE", "/api/auth/token/", {"-": "204 204 204 204 204 204 401"}),
    Endpoint("api-schema", "GET", "/api/schema/", {"-": "200 200 200 200 200 200 200"}),
    Endpoint("api-docs", "GET", "/api/docs/", {"-": "200 200 200 200 200 200 200"}),
    Endpoint("api-unit-list", "GET", "/api/units/", {"-": "200 200 200 200 200 200 401"}),
    Endpoint(
        "api-incident-list",
        "GET",
        "/api/incidents/",
        {"-": "200 200 200 200 200 200 401"},
        visible={
            "duty": BOTH,
            "edu_liaison": {"edu"},
            "police_liaison": {"police"},
            "edu_leader": {"edu"},
            "county_leader": BOTH,
            "admin": set(),
        },
    ),
    Endpoint(
        "api-incident-list",
        "POST",
        "/api/incidents/",
        {"-": "201 201 201 403 403 403 401"},
        body={"title": "网传某地停水", "external_id": None},
    ),
    Endpoint("api-incident-detail", "GET", "/api/incidents/{id}/", INCIDENT_READ),
    Endpoint("api-incident-audit", "GET", "/api/incidents/{id}/audit/", INCIDENT_READ),
    # From 已转办 a grade is a regrade; the office may, nobody else.
    Endpoint(
        "api-incident-grade",
        "POST",
        "/api/incidents/{id}/grade/",
        OFFICE_ONLY,
        body={"grade": "II", "reason": "传播扩大"},
    ),
    Endpoint(
        "api-incident-dispatch",
        "POST",
        "/api/incidents/{id}/dispatch/",
        OFFICE_ONLY,
        body=lambda world, scenario, role: {
            "tickets": [{"unit": world.org.town.pk, "role": "assist"}],
            "instructions": "协助核实",
        },
    ),
    # Dismissing a dispatched incident is an illegal transition: 409 for the office, 403 for other roles.
    Endpoint(
        "api-incident-dismiss",
        "POST",
        "/api/incidents/{id}/dismiss/",
        {**OFFICE_ONLY, "edu": "409 403 404 403 403 404 401", "police": "409 404 403 404 403 404 401"},
        body={"reason": "不实信息"},
    ),
    Endpoint(
        "api-incident-merge",
        "POST",
        "/api/incidents/{id}/merge/",
        OFFICE_ONLY,
        body=lambda world, scenario, role: {"into": world.merge_target.pk, "reason": "重复"},
    ),
    # 一般 (Ⅳ) incidents are closed by the office; the lead unit's leaders may act on it but not close it.
    Endpoint(
        "api-incident-close",
        "POST",
        "/api/incidents/{id}/close/",
        OFFICE_ONLY,
        body={"opinion": "同意销号"},
        prepare=under_review,
    ),
    Endpoint(
        "api-incident-send-back",
        "POST",
        "/api/incidents/{id}/send-back/",
        OFFICE_OR_LEAD_LEADER,
        body={"reason": "核查不充分"},
        prepare=under_review,
    ),
    Endpoint(
        "api-incident-reopen",
        "POST",
        "/api/incidents/{id}/reopen/",
        OFFICE_ONLY,
        body={"reason": "舆情反复"},
        prepare=closed,
    ),
    # Issue 10 §2: the deadlines of the incident as a whole can be met by whoever owns them. 报告领导 by the office or
    # the lead unit's liaison; the office's own publication and the 历史遗留 flag by the office only.
    Endpoint("api-incident-leader-reports", "GET", "/api/incidents/{id}/leader-reports/", INCIDENT_READ),
    Endpoint(
        "api-incident-leader-reports",
        "POST",
        "/api/incidents/{id}/leader-reports/",
        {**OFFICE_ONLY, "edu": "201 201 404 403 403 404 401", "police": "201 404 201 404 403 404 401"},
        body={"channel": "phone", "reported_to": "县委书记、县长", "note": "电话报告"},
    ),
    Endpoint("api-incident-replies", "GET", "/api/incidents/{id}/replies/", INCIDENT_READ),
    Endpoint(
        "api-incident-replies",
        "POST",
        "/api/incidents/{id}/replies/",
        {**OFFICE_ONLY, "edu": "201 403 404 403 403 404 401", "police": "201 404 403 404 403 404 401"},
        body={"kind": "initial", "channel": "新闻通稿（政府门户网站）", "content": "已关注，正在核实"},
    ),
    Endpoint(
        "api-incident-historical",
        "POST",
        "/api/incidents/{id}/historical/",
        OFFICE_ONLY,
        body={"is_historical": True, "reason": "涉及多年前的拆迁安置"},
    ),
    # The scenario incidents are not confidential (or not visible): the office gets 400, not a grant.
    Endpoint(
        "api-incident-grant-access",
        "POST",
        "/api/incidents/{id}/grant-access/",
        {**OFFICE_ONLY, "edu": "400 403 404 403 403 404 401", "police": "400 404 403 404 403 404 401"},
        body=lambda world, scenario, role: {"user": world.org.edu_liaison.pk},
    ),
    Endpoint(
        "api-incident-revoke-access",
        "POST",
        "/api/incidents/{id}/revoke-access/",
        {**OFFICE_ONLY, "edu": "400 403 404 403 403 404 401", "police": "400 404 403 404 403 404 401"},
        body=lambda world, scenario, role: {"user": world.org.edu_liaison.pk},
    ),
    Endpoint(
        "api-ticket-list",
        "GET",
        "/api/tickets/",
        {"-": "200 200 200 200 200 200 401"},
        visible={
            "duty": BOTH,
            "edu_liaison": {"edu"},
            "police_liaison": {"police"},
            "edu_leader": {"edu"},
            "county_leader": BOTH,
            "admin": set(),
        },
    ),
    Endpoint("api-ticket-detail", "GET", "/api/tickets/{id}/", INCIDENT_READ),
    Endpoint("api-ticket-claim", "POST", "/api/tickets/{id}/claim/", UNIT_LIAISON_ONLY),
    Endpoint(
        "api-ticket-return", "POST", "/api/tickets/{id}/return/", UNIT_LIAISON_ONLY, body={"reason": "不属于本单位职责"}
    ),
    Endpoint(
        "api-ticket-feedback",
        "POST",
        "/api/tickets/{id}/feedback/",
        {**UNIT_LIAISON_ONLY, "edu": "403 201 404 403 403 404 401", "police": "403 404 201 404 403 404 401"},
        body={"kind": "report", "content": "核查情况属实，已处理"},
        prepare=claimed,
    ),
    Endpoint(
        "api-ticket-assign",
        "POST",
        "/api/tickets/{id}/assign/",
        OFFICE_ONLY,
        body=lambda world, scenario, role: {"assignee": world.scenarios[scenario].assignee.pk, "reason": "逾期未认领"},
    ),
    # The deadline engine: extension requests (filed by the unit's liaison, decided by the office) and deadlines.
    Endpoint(
        "api-ticket-extension-requests",
        "GET",
        "/api/tickets/{id}/extension-requests/",
        INCIDENT_READ,
        prepare=extension_requested,
    ),
    Endpoint(
        "api-ticket-extension-requests",
        "POST",
        "/api/tickets/{id}/extension-requests/",
        {**UNIT_LIAISON_ONLY, "edu": "403 201 404 403 403 404 401", "police": "403 404 201 404 403 404 401"},
        body=extension_body,
        prepare=claimed,
    ),
    # Reply drafts (issue 5): the unit's liaison drafts, the approver the grade requires decides.
    Endpoint(
        "api-ticket-reply-drafts",
        "POST",
        "/api/tickets/{id}/reply-drafts/",
        {**UNIT_LIAISON_ONLY, "edu": "403 201 404 403 403 404 401", "police": "403 404 201 404 403 404 401"},
        body={"kind": "initial", "channel": "政务微博", "content": "已关注，正在核实"},
        prepare=claimed,
    ),
    Endpoint(
        "api-reply-draft-list",
        "GET",
        "/api/reply-drafts/",
        {"-": "200 200 200 200 200 200 401"},
        prepare=drafted,
        visible={
            "duty": BOTH,
            "edu_liaison": {"edu"},
            "police_liaison": {"police"},
            "edu_leader": {"edu"},
            "county_leader": BOTH,
            "admin": set(),
        },
    ),
    Endpoint("api-reply-draft-detail", "GET", "/api/reply-drafts/{id}/", INCIDENT_READ, prepare=drafted),
    Endpoint(
        "api-reply-draft-approve",
        "POST",
        "/api/reply-drafts/{id}/approve/",
        UNIT_LEADER_ONLY,
        body={"note": "同意发布"},
        prepare=drafted,
    ),
    Endpoint(
        "api-reply-draft-send-back",
        "POST",
        "/api/reply-drafts/{id}/send-back/",
        UNIT_LEADER_ONLY,
        body=lambda *_: {
            "instruction": "请补充已采取的措施",
            "due_at": (timezone.now() + timedelta(days=1)).isoformat(),
        },
        prepare=drafted,
    ),
    Endpoint(
        "api-extension-request-list",
        "GET",
        "/api/extension-requests/",
        {"-": "200 200 200 200 200 200 401"},
        prepare=extension_requested,
        visible={
            "duty": BOTH,
            "edu_liaison": {"edu"},
            "police_liaison": {"police"},
            "edu_leader": {"edu"},
            "county_leader": BOTH,
            "admin": set(),
        },
    ),
    Endpoint(
        "api-extension-request-detail",
        "GET",
        "/api/extension-requests/{id}/",
        INCIDENT_READ,
        prepare=extension_requested,
    ),
    Endpoint(
        "api-extension-request-approve",
        "POST",
        "/api/extension-requests/{id}/approve/",
        OFFICE_ONLY,
        body={"note": "同意延期"},
        prepare=extension_requested,
    ),
    Endpoint(
        "api-extension-request-reject",
        "POST",
        "/api/extension-requests/{id}/reject/",
        OFFICE_ONLY,
        body={"note": "理由不充分"},
        prepare=extension_requested,
    ),
    Endpoint(
        "api-deadline-list",
        "GET",
        "/api/deadlines/",
        {"-": "200 200 200 200 200 200 401"},
        visible={
            "duty": BOTH,
            "edu_liaison": {"edu"},
            "police_liaison": {"police"},
            "edu_leader": {"edu"},
            "county_leader": BOTH,
            "admin": set(),
        },
    ),
    Endpoint("api-deadline-detail", "GET", "/api/deadlines/{id}/", INCIDENT_READ),
    # Reports: only what reporting.selectors.visible_reports allows; the rest is 404, the download included.
    Endpoint(
        "api-report-list",
        "GET",
        "/api/reports/",
        {"-": "200 200 200 200 200 200 401"},
        prepare=supervised,
        visible={
            "duty": BOTH,
            "edu_liaison": {"edu"},
            "police_liaison": {"police"},
            "edu_leader": {"edu"},
            "county_leader": BOTH,
            "admin": set(),
        },
    ),
    Endpoint("api-report-detail", "GET", "/api/reports/{id}/", INCIDENT_READ, prepare=supervised),
    Endpoint(
        "api-report-version-download",
        "GET",
        "/api/reports/{id}/versions/1/download/",
        INCIDENT_READ,
        prepare=supervised,
    ),
    # The PDF of a version: the same rule as the .docx (the conversion is stubbed in the matrix test).
    Endpoint(
        "api-report-version-pdf",
        "GET",
        "/api/reports/{id}/versions/1/pdf/",
        INCIDENT_READ,
        prepare=supervised,
    ),
    # Creating reports (issue 14): the office only, through the pages' services. A 专报 or 督报 about something the
    # caller does not see is a 404 (the service looks first), then the role: 403.
    Endpoint(
        "api-report-special",
        "POST",
        "/api/reports/special/",
        {
            "edu": "201 403 404 403 403 404 401",
            "police": "201 404 403 404 403 404 401",
            "confidential": NOT_VISIBLE,
        },
        body=special_body,
        prepare=regraded_major,
    ),
    Endpoint(
        "api-report-supervision",
        "POST",
        "/api/reports/supervision/",
        {
            "edu": "201 403 404 403 403 404 401",
            "police": "201 404 403 404 403 404 401",
            "confidential": NOT_VISIBLE,
        },
        body=supervision_body,
    ),
    Endpoint(
        "api-report-risk-notices",
        "POST",
        "/api/reports/risk-notices/",
        {"-": "201 403 403 403 403 403 401"},
        body=risk_body,
        prepare=risk_topic,
    ),
    Endpoint(
        "api-report-daily", "POST", "/api/reports/daily/", {"-": "201 403 403 403 403 403 401"}, body=yesterday_body
    ),
    Endpoint(
        "api-report-periodic",
        "POST",
        "/api/reports/periodic/",
        {"-": "201 403 403 403 403 403 401"},
        body=last_week_body,
    ),
    # Issuing: a draft is the office's alone (nobody else sees it: 404).
    Endpoint(
        "api-report-issue",
        "POST",
        "/api/reports/{id}/issue/",
        {
            "edu": "200 404 404 404 404 404 401",
            "police": "200 404 404 404 404 404 401",
            "confidential": NOT_VISIBLE,
        },
        prepare=supervision_drafted,
    ),
    # The ledger (.xlsx): the page's rule; a role without a ledger (the admin) 403.
    Endpoint("api-ledger", "GET", "/api/ledger/", {"-": "200 200 200 200 200 403 401"}),
    # 监测平台推送 (issue 15): only an account registered as an intake source (none in the matrix) may push; its own
    # auth, signature and batch rules are tested in tests/test_monitoring_intake_api.py.
    Endpoint(
        "api-intake",
        "POST",
        "/api/intake/",
        {"-": "403 403 403 403 403 403 401"},
        body={"items": [{"id": "m-1", "title": "矩阵测试条目"}]},
    ),
    # Only a collecting unit's own liaison submits; linking an incident the liaison may not see is a 400.
    Endpoint(
        "api-daily-submission-list",
        "POST",
        "/api/daily-submissions/",
        {
            "edu": "403 201 403 403 403 403 401",
            "police": "403 403 201 403 403 403 401",
            "confidential": "403 400 403 403 403 403 401",
        },
        body=submission_body,
        prepare=collecting,
    ),
    Endpoint(
        "api-daily-submission-list",
        "GET",
        "/api/daily-submissions/",
        {"-": "200 200 200 200 200 200 401"},
        prepare=collecting,
    ),
    # The browser's rule: the office and leaders (a unit leader sees its units' rows); liaisons and the admin 403.
    Endpoint(
        "api-assessment",
        "GET",
        "/api/assessment/?start=2026-10-01&end=2026-12-31",
        {"-": "200 403 403 200 200 403 401"},
    ),
    # Follow-through (issue 17): seen like the incident; recorded by the office only (the unit's people who see the
    # incident are refused, 403). 会商纪要 and 专报 downloads are seen like their incident.
    Endpoint("api-incident-joint-reviews", "GET", "/api/incidents/{id}/joint-reviews/", INCIDENT_READ),
    Endpoint(
        "api-incident-joint-reviews",
        "POST",
        "/api/incidents/{id}/joint-reviews/",
        {**OFFICE_ONLY, "edu": "201 403 404 403 403 404 401", "police": "201 404 403 404 403 404 401"},
        body=review_body,
    ),
    Endpoint("api-joint-review-document", "GET", "/api/joint-reviews/{id}/document/", INCIDENT_READ, prepare=reviewed),
    Endpoint("api-incident-upward-reports", "GET", "/api/incidents/{id}/upward-reports/", INCIDENT_READ),
    Endpoint(
        "api-incident-upward-reports",
        "POST",
        "/api/incidents/{id}/upward-reports/",
        {**OFFICE_ONLY, "edu": "201 403 404 403 403 404 401", "police": "201 404 403 404 403 404 401"},
        body=upward_body,
    ),
    Endpoint(
        "api-upward-report-document",
        "GET",
        "/api/upward-reports/{id}/document/",
        INCIDENT_READ,
        prepare=reported_upward,
    ),
    Endpoint(
        "api-incident-city-assignment",
        "GET",
        "/api/incidents/{id}/city-assignment/",
        INCIDENT_READ,
        prepare=city_assigned,
    ),
    Endpoint(
        "api-incident-city-assignment",
        "POST",
        "/api/incidents/{id}/city-assignment/",
        {**OFFICE_ONLY, "edu": "201 403 404 403 403 404 401", "police": "201 404 403 404 403 404 401"},
        body=city_body,
    ),
    # The scenarios are dispatched already: the office reaches the dispatch rules and is told why not (400: the unit
    # has an open ticket, or there is a lead already); everyone else is refused before.
    Endpoint(
        "api-incident-city-assignment-dispatch",
        "POST",
        "/api/incidents/{id}/city-assignment/dispatch/",
        {**OFFICE_ONLY, "edu": "400 403 404 403 403 404 401", "police": "400 404 403 404 403 404 401"},
        body=lambda world, scenario, role: {"lead": world.org.edu.pk},
        prepare=city_assigned,
    ),
    Endpoint(
        "api-incident-city-assignment-report-back",
        "POST",
        "/api/incidents/{id}/city-assignment/report-back/",
        OFFICE_ONLY,
        body=lambda world, scenario, role: {"content": "已核实处置", "reported_at": timezone.now().isoformat()},
        prepare=city_assigned,
    ),
    # 销号抽查 (000 四.3) is the supervising office's alone: everyone else 403, before any lookup. The sample covers
    # every closed incident, a confidential one included: the office records its verdict under the masked title
    # (敏感舆情 N 条), so the confidential column is 200 for the office here.
    Endpoint("api-spot-check-draw-list", "GET", "/api/spot-check-draws/", {"-": "200 403 403 403 403 403 401"}),
    Endpoint("api-spot-check-draw-list", "POST", "/api/spot-check-draws/", {"-": "200 403 403 403 403 403 401"}),
    Endpoint(
        "api-spot-check-draw-detail",
        "GET",
        "/api/spot-check-draws/{id}/",
        {"edu": "200 403 403 403 403 403 401"},
        prepare=drawn,
    ),
    Endpoint(
        "api-spot-check-verdict",
        "POST",
        "/api/spot-checks/{id}/verdict/",
        {"edu": "200 403 403 403 403 403 401", "confidential": "200 403 403 403 403 403 401"},
        body={"verdict": "confirmed", "note": "核实无误"},
        prepare=spot_checked,
    ),
    # 舆情日志 (002 第八条): the office and county leaders every unit, others their own; the admin has none (403).
    Endpoint("api-incident-log", "GET", "/api/incident-log/", {"-": "200 200 200 200 200 403 401"}),
    Endpoint("api-incident-log-download", "GET", "/api/incident-log/download/", {"-": "200 200 200 200 200 403 401"}),
    *[
        Endpoint("api-not-found", method, "/api/no-such-thing/", {"-": "404 404 404 404 404 404 404"})
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    ],
]


def build_world(org, make_incident):
    """The three scenario incidents, dispatched, plus a merge target only the office sees."""
    duty2 = person("duty2", org.office, Role.DUTY_OFFICER)

    def scenario(reporter, lead_unit, lead_liaison, assist=None, **fields):
        incident = services.report_incident(reporter, title=f"{lead_unit.name}相关舆情", **fields)
        services.grade_incident(reporter, incident, grade="IV", reason="一般")
        assignments = [(lead_unit, TicketRole.LEAD)] + ([(assist[0], TicketRole.ASSIST)] if assist else [])
        tickets = services.dispatch_incident(reporter, incident, assignments=assignments)
        return SimpleNamespace(
            incident=incident,
            lead=tickets[0],
            assist=tickets[1] if assist else None,
            office=reporter,
            lead_liaison=lead_liaison,
            assist_liaison=assist[1] if assist else None,
            deadline=Deadline.objects.get(ticket=tickets[0], kind=DeadlineKind.CLAIM),
        )

    edu = scenario(org.duty, org.edu, org.edu_liaison, (org.health, org.health_liaison))
    edu.assignee = org.edu_liaison2
    police = scenario(org.duty, org.police, org.police_liaison)
    police.assignee = org.police_liaison
    # Cleared people act on the confidential incident when `prepare` needs it; nobody in the matrix is.
    confidential = scenario(duty2, org.edu, org.edu_liaison2, (org.health, org.health_liaison), is_confidential=True)
    for user in (org.edu_liaison2, org.health_liaison):
        services.grant_confidential_access(duty2, confidential.incident, user=user)
    # Dispatch granted both units' liaisons and leaders (the county's, for 卫健委 has none of its own); the office
    # revokes those in the matrix, so the scenario stays one nobody in it may see.
    for user in (org.edu_liaison, org.edu_leader, org.leader):
        services.revoke_confidential_access(duty2, confidential.incident, user=user)
    confidential.assignee = org.edu_liaison2
    merge_target = make_incident(title="合并目标", grade="IV")

    users = {
        "duty": org.duty,
        "edu_liaison": org.edu_liaison,
        "police_liaison": org.police_liaison,
        "edu_leader": org.edu_leader,
        "county_leader": org.leader,
        "admin": org.admin,
        "anonymous": None,
    }

    def credentials(role):
        user = users[role]
        if user is None:
            return {"username": "nobody", "password": "wrong-password"}
        return {"username": user.get_username(), "password": "pw-123456"}

    return SimpleNamespace(
        org=org,
        users=users,
        merge_target=merge_target,
        credentials=credentials,
        scenarios={"edu": edu, "police": police, "confidential": confidential},
    )


def with_pending_extension(world):
    """For Schemathesis: one more incident led by 教育局 whose liaison has asked for an extension, so that generated
    ids can hit a real request (and the first approval or rejection of it succeeds), without claiming the
    scenario tickets whose claim the other operations exercise. Also collects the world's deadline ids."""
    org = world.org
    incident = services.report_incident(org.duty, title="需延期办理的舆情")
    services.grade_incident(org.duty, incident, grade="IV", reason="一般")
    (ticket,) = services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    services.claim_ticket(org.edu_liaison, ticket.pk)
    world.extension_ticket = ticket
    world.extension = monitoring_services.request_extension(
        org.edu_liaison, ticket.pk, requested_due_at=extended_due(), reason="需协调多部门"
    )
    world.deadline_ids = list(Deadline.objects.order_by("id").values_list("pk", flat=True))
    return world


def with_reply_draft(world):
    """For Schemathesis: a pending reply draft on the claimed ticket of `with_pending_extension`, so that generated
    ids can hit a real draft (and the first approval or send-back of it succeeds)."""
    world.reply_draft = services.draft_reply(
        world.org.edu_liaison, world.extension_ticket.pk, kind="initial", channel="政务微博", content="已关注，正在核实"
    )
    return world


def with_reports(world):
    """For Schemathesis: reports that generated ids can hit (the edu scenario's 督报, which units see, and a draft
    日报 only the office sees) and collecting units, so that a liaison's daily submission can succeed."""
    supervised(world, "edu")
    daily = generate_daily_report(timezone.localdate() - timedelta(days=1), actor=world.org.duty)
    world.report_ids = [world.scenarios["edu"].report.pk, daily.pk]
    collecting(world, "-")
    return world


def object_id(world, path, scenario):
    """The id a matrix path's {id} (or a list's row) stands for in a scenario."""
    s = world.scenarios[scenario]
    path = under("/api/", path.removeprefix("/api/v1/")) if path.startswith("/api/v1/") else path
    for prefix, attribute in (
        ("/api/tickets/", "lead"),
        ("/api/deadlines/", "deadline"),
        ("/api/extension-requests/", "extension"),
        ("/api/reports/", "report"),
        ("/api/reply-drafts/", "draft"),
        ("/api/joint-reviews/", "joint_review"),
        ("/api/upward-reports/", "upward_report"),
        ("/api/spot-check-draws/", "draw"),
        ("/api/spot-checks/", "spot_check"),
    ):
        if path.startswith(prefix):
            return getattr(s, attribute).pk
    return s.incident.pk


# --- Which endpoints exist ---------------------------------------------------------------------------


def _methods(callback):
    actions = getattr(callback, "actions", None)
    if actions:  # a ViewSet route: the methods it maps
        return {m.upper() for m in actions} - IGNORED_METHODS
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:
        return {"GET", "POST", "PUT", "PATCH", "DELETE"}  # a plain function answers whatever comes
    return {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)} - IGNORED_METHODS


def api_routes(urlconf=None):
    """(prefix, name, METHOD) of every URL pattern whose route starts with api/, from the live resolver; prefix is
    "/api/v1/" for the canonical routes and "/api/" for the alias."""

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^")
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif route.startswith("api/"):
                version = "/api/v1/" if route.startswith("api/v1/") else "/api/"
                for method in _methods(pattern.callback):
                    yield version, pattern.name or route, method

    return set(walk(get_resolver(urlconf).url_patterns, ""))


def uncovered_routes(urlconf=None):
    covered = {(prefix, e.name, e.method) for prefix in PREFIXES for e in ENDPOINTS}
    return api_routes(urlconf) - covered
