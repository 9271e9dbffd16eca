"""axe-core (bundled by the pinned axe-playwright-python, loaded from the package, never from the internet) over
every main page of every role of the demo county, at 1366 px and on a phone: no serious or critical violation
(issue 14, Accessibility). The pages are the demo's, so each page shows realistic content: incidents at every
stage, tickets, issued reports, the admin's lists.

When the gate fails, the message lists page, rule, impact and the elements (CSS selectors) to fix."""

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from django.contrib.auth import get_user_model

from core.models import AuditEvent
from deadlines.models import DeadlinePolicy
from demo.incidents import DEMO_PASSWORD, seed_demo
from demo.monitoring_seed import seed_monitoring
from demo.reporting import seed_reporting
from incidents.models import Incident, Ticket
from reporting.models import Report, ReportSettings

from .conftest import DESKTOP, PHONE, Session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = ("serious", "critical")


def incident(key):
    return Incident.objects.get(external_id=f"demo:{key}").pk


def ticket_of(key, unit_code):
    return Ticket.objects.get(incident__external_id=f"demo:{key}", unit__code=unit_code).pk


def pages_by_role():
    """(role, username, [paths]) for the demo county: the pages each role works on every day."""
    report = Report.objects.order_by("-pk").first()
    reports = ["/reports/"] + ([f"/reports/{report.pk}/"] if report else [])
    own = ["/inbox/", "/accounts/password/", "/accounts/tokens/"]
    return [
        (
            "值班员",
            "duty",
            [
                "/desk/",
                "/incidents/",
                "/incidents/?q=食堂",
                f"/incidents/{incident('05')}/",  # 待研判
                f"/incidents/{incident('04')}/",  # 已研判
                f"/incidents/{incident('03')}/",  # 待审核
                f"/incidents/{incident('06')}/",  # 已办结
                "/incidents/new/",
                "/tickets/",
                f"/tickets/{ticket_of('01', 'education')}/",
                *reports,
                "/reports/ledger/",
                "/reports/assessment/",
                "/reports/risks/",
                "/reports/submissions/",
                "/reports/periodic/new/",
                # 舆情监测 (issue 15) and the follow-through (issue 17)
                "/monitoring/compliance/",
                "/monitoring/roster/",
                "/monitoring/candidates/",
                "/monitoring/emergency/",
                "/monitoring/keywords/",
                "/review/spot-checks/",
                "/review/log/",
                f"/followup/incidents/{incident('03')}/",
                f"/followup/incidents/{incident('06')}/",  # 已办结: 后期处置 and the 总结评估 form (000 三.3)
                *own,
            ],
        ),
        ("监测员", "monitor", ["/monitoring/patrol/", "/tickets/", "/review/log/"]),
        (
            "联络员",
            "edu",
            [
                "/tickets/",
                f"/tickets/{ticket_of('01', 'education')}/",  # 已认领
                f"/tickets/{ticket_of('08', 'education')}/",  # 办理中, a reply draft
                "/incidents/new/",
                "/reports/",
                *own,
            ],
        ),
        (
            "单位领导",
            "edu_leader",
            ["/dashboard/", "/signoff/", "/incidents/", f"/incidents/{incident('08')}/", "/tickets/", *own],
        ),
        (
            "县领导",
            "leader",
            [
                "/dashboard/",
                "/signoff/",
                "/incidents/",
                f"/incidents/{incident('01')}/",
                f"/incidents/{incident('03')}/",
                *reports,
                *own,
            ],
        ),
        (
            "系统管理员",
            "admin",
            [
                "/settings/policies/",
                f"/settings/policies/{DeadlinePolicy.objects.order_by('pk').first().pk}/",
                "/settings/calendar/",
                "/settings/templates/",
                "/admin/",
                "/admin/deadlines/deadlinepolicy/",
                f"/admin/deadlines/deadlinepolicy/{DeadlinePolicy.objects.order_by('pk').first().pk}/change/",
                "/admin/incidents/incident/",
                f"/admin/reporting/reportsettings/{ReportSettings.current().pk}/change/",  # filter_horizontal
                *own,
            ],
        ),
        (
            "安全管理员",
            "security",
            ["/admin/", "/admin/org/unit/", "/admin/org/membership/", "/admin/auth/user/", "/admin/auth/user/add/"],
        ),
        (
            "审计管理员",
            "auditor",
            [
                "/admin/",
                "/admin/core/auditevent/",
                f"/admin/core/auditevent/{AuditEvent.objects.order_by('-pk').first().pk}/change/",
            ],
        ),
    ]


def axe_findings(page):
    """The serious and critical violations axe-core finds on the page, one line per rule."""
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:6])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]


def login(session, username):
    session.go("/accounts/login/")
    session.page.get_by_label("用户名").fill(username)
    session.page.get_by_label("密码").fill(DEMO_PASSWORD)
    session.page.get_by_role("button", name="登录").click()
    session.page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in session.page.url, f"{username} could not log in"


def audit(chromium, base_url, viewport, username, paths, findings, label):
    session = Session(chromium, base_url, viewport)
    try:
        if username is not None:
            login(session, username)
        for path in paths:
            response = session.go(path)
            where = f"[{label} {viewport['width']}px] {path}"
            if response is None or response.status != 200:
                findings.append(f"{where}: answered {response.status if response else 'nothing'}")
                continue
            refused = len(session.csp_violations)
            findings.extend(f"{where}: {finding}" for finding in axe_findings(session.page))
            # axe-core itself sets style attributes while it measures, which the policy refuses: not the page's.
            del session.csp_violations[refused:]
        findings.extend(f"[{label}] {violation}" for violation in session.csp_violations)
    finally:
        session.close()


@pytest.fixture
def demo_county(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    units, users, _ = seed_demo()
    seed_reporting(units, users)
    seed_monitoring(units, users)
    # The development demo (DEBUG) makes its system administrator a superuser (demo.incidents.ensure_users).
    get_user_model().objects.filter(username="admin").update(is_superuser=True)


def test_the_axe_check_reports_a_serious_violation(chromium, live_server, demo_county):
    """The gate can fail: a page with an unlabelled field and grey-on-grey text is reported by rule."""
    session = Session(chromium, live_server.url, DESKTOP)
    try:
        session.page.goto("about:blank")  # no Content-Security-Policy there: the sample's inline style applies
        session.page.set_content(
            '<html lang="zh"><body><main><h1>测试</h1><input type="text">'
            '<p class="x" style="color:#aaa;background:#bbb">灰字</p></main></body></html>'
        )
        findings = axe_findings(session.page)
    finally:
        session.close()
    assert any(f.startswith("label (critical)") for f in findings), findings
    assert any(f.startswith("color-contrast (serious)") for f in findings), findings


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366px", "390px"])
def test_every_main_page_of_every_role_has_no_serious_accessibility_violation(
    chromium, live_server, demo_county, viewport
):
    findings: list[str] = []
    audit(chromium, live_server.url, viewport, None, ["/accounts/login/"], findings, "未登录")
    for label, username, paths in pages_by_role():
        audit(chromium, live_server.url, viewport, username, paths, findings, label)
    assert not findings, f"{len(findings)} serious/critical axe-core findings:\n" + "\n".join(findings)


HEADER_TARGETS = r"""
[...document.querySelectorAll('.topbar a, .topbar button')].map(el => {
  const box = el.getBoundingClientRect();
  // A word broken over two lines: one of the link's text nodes laid out on more than one line.
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let lines = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    lines = Math.max(lines, new Set([...range.getClientRects()].map(r => Math.round(r.top))).size);
  }
  return {text: el.innerText.replace(/\s+/g, ' ').trim(), height: box.height, width: box.width, lines: lines};
})
"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366px", "390px"])
def test_the_header_has_a_skip_link_and_whole_44px_targets(chromium, live_server, demo_county, viewport):
    session = Session(chromium, live_server.url, viewport)
    try:
        login(session, "duty")
        session.go("/desk/")
        page = session.page
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.innerText, document.activeElement.getAttribute('href')]")
        assert focused == ["跳到主要内容", "#main"]
        box = page.locator(".skip-link").bounding_box()
        assert box is not None and box["y"] >= 0 and box["height"] >= 44  # visible while focused
        targets = page.evaluate(HEADER_TARGETS)
        assert {t["text"] for t in targets} >= {"研判台", "舆情", "报送舆情", "转办单", "报告", "修改密码", "退出"}, (
            targets
        )
        small = [t for t in targets if t["height"] < 44 or t["width"] < 24]
        broken = [t for t in targets if t["lines"] > 1]  # a label split over two lines
        assert not small and not broken, (small, broken)
        session.fits()
        session.shot(f"header-{viewport['width']}")
    finally:
        session.close()
