"""The 文书模板 settings page (issue 13) in a real browser, on a desk and on a phone: the admin sees each kind's
template in use, and a broken upload is refused in Chinese next to the field."""

import pytest
from playwright.sync_api import expect

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_admin_sees_the_templates_and_a_broken_upload_is_refused(open_session, org, tmp_path, viewport):
    admin = open_session("admin", **({"viewport": PHONE} if viewport == "phone" else {}))
    admin.go("/settings/templates/")
    page = admin.page
    expect(page.get_by_role("heading", name="文书模板", exact=True)).to_be_visible()
    supervision = page.get_by_test_id("template-supervision")
    expect(supervision).to_contain_text("系统自带")
    admin.fits()
    admin.shot(f"document-templates-{viewport}")

    not_a_docx = tmp_path / "红头.docx"
    not_a_docx.write_text("这不是 Word 文档")
    supervision.locator("input[type=file]").set_input_files(str(not_a_docx))
    supervision.get_by_role("button", name="上传并启用").click()
    expect(page.locator("body")).to_contain_text("docx")
    expect(page.get_by_test_id("template-supervision")).to_contain_text("系统自带")
    admin.fits()
    admin.shot(f"document-templates-refused-{viewport}")
