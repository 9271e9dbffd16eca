"""Demo county: units, one login per role, and a dozen incidents walked through the real services.
Idempotent: units and users are keyed by code/username, incidents by a demo external id."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from incidents import services
from incidents.models import Feedback, Incident, TicketRole
from org.models import Membership, Role, Unit

DEMO_PASSWORD = "demo-2026"

UNITS = [
    # code, name, kind, parent code, is_office, keywords
    ("county", "示范县网络舆情工作领导小组", "office", None, False, ""),
    ("office", "县委办公室（领导小组办公室）", "office", "county", True, ""),
    ("cac", "县委网信办", "office", "county", True, ""),
    ("chengguan", "城关镇", "town", "county", False, "城关,老城,县城"),
    ("hedong", "河东街道", "town", "county", False, "河东,新区"),
    ("qingshan", "青山乡", "town", "county", False, "青山,山区"),
    ("education", "县教育局", "department", "county", False, "学校,教育,教师,学生,招生"),
    ("health", "县卫生健康委", "department", "county", False, "医院,卫生,医疗,疫苗"),
    ("housing", "县住房城乡建设局", "department", "county", False, "住房,小区,物业,拆迁,工地"),
    ("police", "县公安局", "department", "county", False, "治安,交通,诈骗,谣言"),
]

USERS = [
    # username, full name, [(unit code, role, title)]
    ("duty", "王值班", [("office", Role.DUTY_OFFICER, "值班员")]),
    ("duty2", "孙值班", [("cac", Role.DUTY_OFFICER, "值班员")]),
    ("edu", "李联络（教育局）", [("education", Role.LIAISON, "联络员")]),
    ("edu2", "周联络（教育局）", [("education", Role.LIAISON, "联络员")]),
    ("health", "赵联络（卫健委）", [("health", Role.LIAISON, "联络员")]),
    ("housing", "钱联络（住建局）", [("housing", Role.LIAISON, "联络员")]),
    ("chengguan", "吴联络（城关镇）", [("chengguan", Role.LIAISON, "联络员")]),
    ("police", "冯联络（公安局）", [("police", Role.LIAISON, "联络员")]),
    ("edu_leader", "郑局长（教育局）", [("education", Role.LEADER, "分管负责人")]),
    ("leader", "陈书记", [("county", Role.LEADER, "县委副书记")]),
    ("admin", "系统管理员", [("office", Role.ADMIN, "系统管理员")]),
    # 三员分立: users and roles, and the audit trail, are two other people's.
    ("security", "安全管理员", [("office", Role.SECURITY_ADMIN, "安全管理员")]),
    ("auditor", "审计管理员", [("office", Role.AUDITOR, "审计管理员")]),
]
ADMINISTRATORS = {"admin", "security", "auditor"}

LOGINS = [
    ("值班员", "duty"),
    ("联络员（教育局，主办示例）", "edu"),
    ("联络员（卫健委，协办示例）", "health"),
    ("单位领导（教育局）", "edu_leader"),
    ("县领导", "leader"),
    ("系统管理员", "admin"),
    ("安全管理员", "security"),
    ("审计管理员", "auditor"),
    ("监测员（网络舆情应急监控中心，巡查）", "monitor"),
]


def ensure_units():
    units = {}
    for code, name, kind, parent, is_office, keywords in UNITS:
        unit, _ = Unit.objects.get_or_create(
            code=code,
            defaults=dict(
                name=name, kind=kind, parent=units.get(parent), is_office=is_office, jurisdiction_keywords=keywords
            ),
        )
        units[code] = unit
    return units


def ensure_users(units):
    User = get_user_model()
    users = {}
    for username, full_name, roles in USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = username in ADMINISTRATORS
            # No default superuser in production (三员分立; GB/T 22239-2019 8.1.4.2 b "删除或停用默认账户"):
            # only a development demo makes its system administrator one.
            user.is_superuser = username == "admin" and settings.DEBUG
            user.save()
        for unit_code, role, title in roles:
            Membership.objects.get_or_create(user=user, unit=units[unit_code], role=role, defaults={"title": title})
        users[username] = user
    return users


SCENARIOS = [
    # key, title, category, subject unit, metrics (views, comments, sites, media), grade, walk to
    (
        "01",
        "网传某小学食堂饭菜变质，家长群热议",
        "livelihood",
        "education",
        (4200, 620, 3, "municipal"),
        "II",
        "claimed",
    ),
    ("02", "城关镇老旧小区改造工地夜间施工扰民", "livelihood", "chengguan", (860, 95, 0, ""), "IV", "dispatched"),
    ("03", "县医院挂号难、排队时间长引发吐槽", "livelihood", "health", (1500, 180, 1, "local"), "III", "under_review"),
    ("04", "网传河东新区将建垃圾焚烧厂", "rumour", "hedong", (3100, 510, 6, "provincial"), "I", "graded"),
    ("05", "青山乡村道塌方，网友呼吁尽快修复", "safety", "qingshan", (300, 20, 0, ""), None, "reported"),
    ("06", "某小区物业乱收费被投诉", "livelihood", "housing", (450, 60, 0, ""), "IV", "closed"),
    ("07", "网友建议延长图书馆周末开放时间", "policy", "education", (120, 8, 0, ""), None, "dismissed"),
    ("08", "县一中教师有偿补课举报帖", "conduct", "education", (2300, 240, 2, "municipal"), "III", "in_progress"),
    ("09", "疫苗接种点排长队视频流传", "livelihood", "health", (980, 77, 0, ""), "IV", "returned"),
    ("10", "网传城关镇拆迁补偿不公", "livelihood", "chengguan", (2600, 300, 2, "municipal"), "III", "dispatched"),
    ("11", "县城主干道红绿灯故障致拥堵", "safety", "police", (640, 40, 0, ""), None, "reported"),
    ("12", "学校周边交通安全隐患被曝光", "safety", "education", (1100, 130, 1, "local"), "IV", "feedback"),
]

LEAD_OF = {
    "education": "education",
    "chengguan": "chengguan",
    "health": "health",
    "hedong": "housing",
    "qingshan": "chengguan",
    "housing": "housing",
    "police": "education",
}
# Whom the office reports to by grade (docs/rules.md §4.6: 专报 recipients for 重大/特别重大, the unit's leaders otherwise).
LEADERS_TOLD = {
    "I": "县委书记、县长、县委宣传部部长",
    "II": "县委书记、县长、县委宣传部部长",
    "III": "涉事单位主要领导、分管领导",
    "IV": "涉事单位主要领导、分管领导",
}
LIAISON_OF = {
    "education": "edu",
    "health": "health",
    "housing": "housing",
    "chengguan": "chengguan",
    "police": "police",
}


@transaction.atomic
def seed_incidents(units, users):  # noqa: C901 (one branch per action; split into per-action services in the issue-12 restructure)
    duty, leader = users["duty"], users["leader"]
    created = 0
    for key, title, category, subject, (views, comments, sites, media), grade, target in SCENARIOS:
        external_id = f"demo:{key}"
        if Incident.objects.filter(external_id=external_id).exists():
            continue
        created += 1
        posted = timezone.now() - timedelta(hours=int(key) * 3)
        incident = services.report_incident(
            duty,
            external_id=external_id,
            title=title,
            summary=f"{title}。网民关注度较高，需核实回应。",
            category=category,
            subject_unit=units[subject],
            posted_at=posted,
            first_seen_at=posted + timedelta(minutes=40),
            views=views,
            comments=comments,
            site_count=sites,
            media_level=media,
            links=[{"platform": "本地论坛", "url": f"https://bbs.example.cn/thread/{key}"}],
        )
        if target == "reported":
            continue
        if target == "dismissed":
            services.grade_incident(duty, incident, grade="IV", reason="建设性建议，转入日报")
            services.dismiss_incident(duty, incident, reason="属建设性意见，不立项处置，纳入舆情日报")
            continue
        services.grade_incident(duty, incident, grade=grade, reason="依据传播数据和涉及领域研判")
        # The duty officer reports each graded incident to the leaders at once (002 第八条: within 2 hours;
        # 001 #4 第十三条: 30 minutes for 特别重大), so the demo county starts without an avoidable 督办.
        services.record_leader_report(
            duty, incident, channel="phone", reported_to=LEADERS_TOLD[grade], note="电话报告舆情概况及处置建议。"
        )
        if target == "graded":
            continue
        lead_unit = units[LEAD_OF[subject]]
        assist = units["police"] if lead_unit.code != "police" else units["chengguan"]
        if lead_unit.code == "education":
            assist = units["health"]
        tickets = services.dispatch_incident(
            duty,
            incident,
            assignments=[(lead_unit, TicketRole.LEAD), (assist, TicketRole.ASSIST)],
            instructions="请核实情况并按时反馈。",
        )
        lead_ticket, assist_ticket = tickets
        lead_liaison = users[LIAISON_OF[lead_unit.code]]
        assist_liaison = users[LIAISON_OF[assist.code]]
        # Units claim at once (认领时限 2 h, 002 第六条), as a working county does: a demo left running for two
        # hours must not 督办 its own example tickets.
        services.claim_ticket(assist_liaison, assist_ticket)
        if target == "returned":
            services.return_ticket(lead_liaison, lead_ticket, reason="该事项不属于本单位职责，建议转卫健委")
            continue
        services.claim_ticket(lead_liaison, lead_ticket)
        if target in ("dispatched", "claimed"):
            continue
        services.submit_feedback(lead_liaison, lead_ticket, kind=Feedback.Kind.PROGRESS, content="已安排专人核实。")
        if target == "in_progress":
            # A first reply drafted for the unit leader's sign-off (待审签 shows it).
            services.draft_reply(
                lead_liaison,
                lead_ticket,
                kind="initial",
                channel="政务微博",
                content="我局已关注网民反映的情况，已成立工作专班进行核实，核实结果将及时向社会公布。",
            )
            continue
        services.submit_feedback(assist_liaison, assist_ticket, kind=Feedback.Kind.FEEDBACK, content="已配合核实。")
        if target == "feedback":
            continue
        services.submit_feedback(
            lead_liaison, lead_ticket, kind=Feedback.Kind.REPORT, content="经核实，情况属实，已整改并回应网民。"
        )
        if target == "under_review":
            continue
        closer = leader if grade in ("I", "II") else duty
        services.close_incident(closer, incident, opinion="处置到位，同意销号。")
    return created


def seed_demo():
    units = ensure_units()
    users = ensure_users(units)
    created = seed_incidents(units, users)
    return units, users, created
