"""The incident and ticket pages in a real browser (issues 14 and 18), at 1366 px and on a 390 px phone:

- the actions a state allows are buttons that open their form in a dialog (keyboard: Enter opens, Esc closes and
  focus returns), so the duty officer's page on a phone is short, with the tickets and the timeline first;
- a form that failed validation comes back open with its error;
- the timeline reads in words (incident states for incident events, no raw enums, deadlines by name);
- merge by the visible number, found through the search in the dialog;
- attachments as thumbnails under their original names; images and PDF preview in the browser;
- the print stylesheet: no navigation, buttons or forms, the whole timeline and the tickets (checked with print media
  emulated and by printing to PDF)."""

import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from incidents import services
from incidents.models import Incident, TicketRole

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_PAGE_MAX = 2600  # px (the old page was 6,750): the page with every form stacked, as before issue 14, is far longer (asserted below); the header alone takes ~260 px on a phone now that it links 巡查, 舆情日志 and 销号抽查
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def png(width=60, height=40):
    """A real PNG (a flat colour), so the browser decodes the thumbnail."""
    raw = b"".join(b"\x00" + b"\xc6\x28\x28" * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def busy_incident(org, make_incident, media):
    """A 较大 incident dispatched to two units, reported to the leaders, with a reply and the lead's progress report
    carrying a photo, a PDF and a text file: a duty officer's ordinary day."""
    incident = make_incident(
        title="网传城关二小食堂饭菜变质，多名学生腹痛", grade="III", summary="家长群转发照片。" * 8
    )
    services.record_leader_report(org.duty, incident, channel="phone", reported_to="陈书记", note="电话报告概况")
    lead, assist = services.dispatch_incident(
        org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
    )
    services.publish_reply(org.duty, incident, kind="initial", channel="政务微博", content="已关注，正在核实。")
    services.claim_ticket(org.edu_liaison, lead)
    files = [
        SimpleUploadedFile("食堂现场照片.png", png()),
        SimpleUploadedFile("检测报告.pdf", PDF),
        SimpleUploadedFile("进展说明.txt", "已约谈食堂负责人。".encode()),
    ]
    services.submit_feedback(
        org.edu_liaison, lead, kind="progress", content="已约谈食堂负责人，正在抽检留样。", files=files
    )
    incident.refresh_from_db()
    return incident, lead


def page_height(session):
    """The page's height without the calendar reminder of base.html, which shows on every page until the admin
    confirms next year's holidays (here: 2027, unconfirmed in the test calendar); it is not the incident page's."""
    return session.page.evaluate(
        """document.documentElement.scrollHeight - [...document.querySelectorAll('main > p.messages')]
             .filter(p => p.textContent.includes('日历提醒')).reduce((sum, p) => sum + p.offsetHeight, 0)"""
    )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_duty_officers_page_shows_actions_as_buttons_and_stays_short(open_session, busy_incident, viewport):
    incident, _ = busy_incident
    duty = open_session("duty", viewport)
    page = duty.page
    duty.go(f"/incidents/{incident.pk}/")
    actions = page.get_by_test_id("actions")
    for title in ("调整等级", "追加转办", "登记报告领导", "登记办公室发布的回应"):
        expect(actions.get_by_role("button", name=title, exact=True)).to_be_visible()
    expect(page.locator("form[data-action=grade]")).to_be_hidden()  # in its closed dialog
    expect(page.get_by_test_id("tickets")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_be_visible()
    name = "phone" if viewport == PHONE else "desktop"
    duty.fits()
    duty.shot(f"incident-page-{name}")
    height = page_height(duty)
    # 会商研判 and the upward report (issue 17) are folded under one summary and open with one tap.
    expect(page.get_by_test_id("joint-review")).to_be_hidden()
    page.locator("[data-testid=followup-fold] > summary").click()
    expect(page.get_by_test_id("joint-review")).to_be_visible()
    expect(page.get_by_test_id("upward")).to_be_visible()
    duty.shot(f"incident-page-followup-{name}")
    page.locator("[data-testid=followup-fold] > summary").click()
    if viewport == PHONE:
        # Tickets and timeline come before the facts and the action forms are out of the page.
        tickets_top = page.get_by_test_id("tickets").bounding_box()["y"]
        timeline_top = page.get_by_test_id("timeline").bounding_box()["y"]
        facts_top = page.locator(".facts").bounding_box()["y"]
        assert tickets_top < timeline_top < facts_top
        assert height < PHONE_PAGE_MAX, f"the incident page is {height}px long on a phone"
        # The bound is one the old page fails: with every form stacked in the page as before, it is far longer.
        page.evaluate(
            """document.querySelectorAll('dialog').forEach(d => {
                 d.setAttribute('open', ''); d.style.position = 'static'; d.style.maxHeight = 'none'; });"""
        )
        stacked = page_height(duty)
        assert stacked > PHONE_PAGE_MAX + 1500, f"stacked forms give {stacked}px, the dialogs {height}px"


def test_keyboard_opens_and_closes_an_action_and_a_failed_form_comes_back_open(open_session, busy_incident):
    incident, _ = busy_incident
    duty = open_session("duty", PHONE)
    page = duty.page
    duty.go(f"/incidents/{incident.pk}/")
    opener = page.locator("[data-opens=leader_report]")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="登记报告领导")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.activeElement.closest('dialog') !== null")  # focus moved into the dialog
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate("document.activeElement.dataset.opens") == "leader_report"  # and back to the button

    opener.click()
    dialog.get_by_label("报告方式").select_option("phone")
    dialog.get_by_label("报告对象").fill("   ")  # blank to the server: refused
    dialog.get_by_role("button", name="登记报告领导", exact=True).click()
    # Status 400, the page again, with the same dialog open and its Chinese error in view.
    dialog = page.get_by_role("dialog", name="登记报告领导")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".has-error .errorlist")).to_be_visible()
    expect(dialog.get_by_role("alert")).to_contain_text("请改正以下错误后重新提交")
    duty.fits()
    duty.shot("incident-form-error-phone")
    assert incident.leader_reports.count() == 1


def test_merge_finds_the_target_by_title_and_merges_by_number(open_session, org, make_incident, busy_incident):
    target, _ = busy_incident
    duplicate = make_incident(title="城关二小食堂饭菜变质又一帖")
    make_incident(title="县医院挂号难")
    duty = open_session("duty")
    page = duty.page
    duty.go(f"/incidents/{duplicate.pk}/")
    page.locator("[data-opens=merge]").click()
    dialog = page.get_by_role("dialog", name="合并重复舆情")
    dialog.get_by_label("合并至舆情编号").fill("YQ20990101-99999")
    dialog.get_by_role("button", name="合并重复舆情", exact=True).click()
    dialog = page.get_by_role("dialog", name="合并重复舆情")  # refused (400): the dialog back open with the error
    expect(dialog).to_contain_text("未找到编号为「YQ20990101-99999」的舆情")
    duty.shot("incident-merge-error")
    duplicate.refresh_from_db()
    assert duplicate.status == Incident.Status.REPORTED
    dialog.get_by_label("按编号或标题查找").fill("食堂")
    dialog.get_by_role("button", name="查找").click()
    dialog = page.get_by_role("dialog", name="合并重复舆情")  # the page again, the dialog open with the results
    candidates = dialog.get_by_test_id("merge-candidates")
    expect(candidates).to_contain_text(target.title[:10])
    expect(candidates).not_to_contain_text("县医院挂号难")
    duty.fits()
    duty.shot("incident-merge-search")
    candidates.get_by_role("button", name=target.number).click()
    expect(dialog.get_by_label("合并至舆情编号")).to_have_value(target.number)
    dialog.get_by_label("理由").fill("同一事件")
    dialog.get_by_role("button", name="合并重复舆情", exact=True).click()
    expect(page.get_by_test_id("incident-status")).to_have_text("已合并")
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == target.pk


def test_the_timeline_reads_in_words(open_session, busy_incident):
    incident, _ = busy_incident
    duty = open_session("duty")
    duty.go(f"/incidents/{incident.pk}/")
    timeline = duty.page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("状态：已研判 → 已转办")
    expect(timeline).to_contain_text("类型：初步回应")
    expect(timeline).to_contain_text("方式：电话")
    text = timeline.inner_text()
    assert "已研判 → 待认领" not in text and "initial" not in text and "phone" not in text


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_attachments_show_as_thumbnails_with_original_names_and_preview(open_session, busy_incident, viewport):
    incident, lead = busy_incident
    liaison = open_session("edu_l", viewport)
    page = liaison.page
    liaison.go(f"/tickets/{lead.pk}/")
    image = page.get_by_role("img", name="食堂现场照片.png")
    expect(image).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", image.element_handle()) == 60  # decoded through the view
    expect(page.get_by_text("检测报告.pdf")).to_be_visible()
    expect(page.get_by_text("进展说明.txt")).to_be_visible()
    assert "_" not in page.locator(".attachment-name").all_inner_texts()[2]
    liaison.fits()
    liaison.shot(f"ticket-attachments-{'phone' if viewport == PHONE else 'desktop'}")
    # The PDF opens in a new tab, inline; the text file is a download.
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="检测报告.pdf", exact=True).click()
    preview = opened.value
    refused = []
    preview.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    preview.wait_for_load_state()
    assert "inline=1" in preview.url
    assert not refused, refused  # the site's Content-Security-Policy does not stop the browser's PDF viewer
    response = page.request.get(preview.url)
    assert response.headers["content-disposition"].startswith("inline;")
    assert response.headers["x-content-type-options"] == "nosniff"
    preview.close()
    text_link = page.get_by_role("link", name="进展说明.txt", exact=True)
    assert text_link.get_attribute("download") is not None and "inline" not in text_link.get_attribute("href")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_liaisons_ticket_page_opens_each_action_in_a_dialog(open_session, busy_incident, viewport):
    _, lead = busy_incident
    liaison = open_session("edu_l", viewport)
    page = liaison.page
    liaison.go(f"/tickets/{lead.pk}/")
    actions = page.get_by_test_id("actions")
    for title in ("提交反馈", "拟写回应稿", "申请延期"):
        expect(actions.get_by_role("button", name=title, exact=True)).to_be_visible()
    assert page_height(liaison) < (PHONE_PAGE_MAX if viewport == PHONE else 1600)
    page.locator("[data-opens=feedback]").click()
    dialog = page.get_by_role("dialog", name="提交反馈")
    expect(dialog.get_by_label("内容")).to_be_visible()
    liaison.fits()
    liaison.shot(f"ticket-feedback-dialog-{'phone' if viewport == PHONE else 'desktop'}")
    dialog.get_by_label("内容").fill("   ")  # blank to the server: refused, the dialog back open
    dialog.get_by_role("button", name="提交反馈", exact=True).click()
    expect(page.get_by_role("dialog", name="提交反馈")).to_be_visible()
    expect(page.get_by_role("dialog", name="提交反馈").locator(".errorlist").first).to_be_visible()


def test_the_print_stylesheet_prints_the_record_not_the_tools(open_session, busy_incident):
    incident, lead = busy_incident
    duty = open_session("duty")
    page = duty.page
    duty.go(f"/incidents/{incident.pk}/")
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.get_by_role("navigation", name="主导航")).to_be_hidden()
    expect(page.get_by_test_id("actions")).to_be_hidden()
    for button in page.get_by_role("button").all():
        expect(button).to_be_hidden()
    expect(page.get_by_test_id("timeline")).to_be_visible()
    expect(page.get_by_test_id("tickets")).to_be_visible()
    expect(page.get_by_test_id("leader-report-deadlines")).to_be_visible()
    expect(page.locator(".page-head")).to_contain_text(incident.number)
    expect(page.locator(".page-head")).to_contain_text("较大")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENSHOTS / "incident-print.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(SCREENSHOTS / "incident-print")], check=True)
    pages = sorted(Path(SCREENSHOTS).glob("incident-print-*.png"))
    assert pages, "pdftoppm made no page"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert incident.number in text and "处置时间线" in text and "研判台" not in text and "调整等级" not in text

    duty.go(f"/tickets/{lead.pk}/")
    page.emulate_media(media="print")
    expect(page.get_by_test_id("timeline")).to_be_visible()
    expect(page.get_by_test_id("deadlines")).to_be_visible()
    expect(page.get_by_role("navigation", name="主导航")).to_be_hidden()
    expect(page.locator(".page-head")).to_contain_text("较大")
    page.pdf(path=str(SCREENSHOTS / "ticket-print.pdf"), format="A4")
