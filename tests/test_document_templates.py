"""Templates the office owns (issue 13): an admin uploads a .docx with its own 红头 for a kind of document; it is
test-rendered with sample data before it is accepted and used for the next document; a broken one is refused with
a clear Chinese message and nothing changes; earlier templates are kept and can be put back, as can the shipped one."""

import functools
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from docx import Document
from jinja2.exceptions import SecurityError

from core.errors import InvalidInput, NotFound, NotPermitted
from core.models import AuditEvent
from reporting import documents, services, template_services
from reporting.models import DocumentTemplate
from reporting.templates_store import active_template

RED_HEAD = "示范县网络舆情工作领导小组办公室（自定义红头）"
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DAY = timedelta(days=1)


@functools.cache  # the same template twice is the same bytes (a .docx records when it was written)
def docx_bytes(*paragraphs, header=None):
    doc = Document()
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def good_template(head=RED_HEAD):
    """What an office makes of a template: its own 红头 (here as text, in the page header and above the title) and
    the placeholders it keeps."""
    return docx_bytes(head, "{{ title }}", "{{p body }}", "{{ issuer }}", "{{ date }}", header=head)


def office_edit_of(kind, head=RED_HEAD):
    """The shipped template of `kind` as an office edits it in Word: its own 红头 typed over the {{r masthead }}
    placeholder, keeping the paragraph's red, centred format."""
    doc = Document(io.BytesIO(documents.shipped_template(kind)))
    masthead = next(p for p in doc.paragraphs if "masthead" in p.text)
    masthead.runs[0].text = head
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def text_of(data):
    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    texts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    for section in doc.sections:
        texts += [p.text for p in section.header.paragraphs]
    return "\n".join(texts)


def version_text(report):
    with report.latest_version.file.open("rb") as f:
        return text_of(f.read())


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


# --- the service ---------------------------------------------------------------------------------------------


def test_an_uploaded_template_is_used_for_the_next_document(clock, org, dispatched):
    earlier = services.issue_supervision_notice(org.duty, dispatched.lead, reason="逾期未认领", due_at=NOW + DAY)
    edited = office_edit_of("supervision")
    template = template_services.upload_template(org.admin, "supervision", upload("红头.docx", edited), note="新红头")
    assert active_template("supervision") == edited
    notice = services.issue_supervision_notice(org.duty, dispatched.lead, reason="反馈内容不实", due_at=NOW + DAY)
    text = version_text(notice)
    assert RED_HEAD in text and "舆情督报（第2次）" in text and "反馈内容不实" in text and notice.doc_number in text
    assert RED_HEAD not in version_text(earlier)  # a document already made is not touched
    event = AuditEvent.objects.get(action="template_uploaded")
    assert (event.actor_id, event.object_id) == (org.admin.pk, str(template.pk))
    assert event.before["template"] == "shipped" and event.after["name"] == "红头.docx"


def test_another_kind_keeps_its_shipped_template(org):
    template_services.upload_template(org.admin, "supervision", upload("红头.docx", good_template()))
    assert active_template("risk_notice") is None
    assert RED_HEAD not in text_of(documents.render_docx(documents.sample_content("risk_notice")))
    assert RED_HEAD in text_of(documents.render_docx(documents.sample_content("supervision")))


@pytest.mark.parametrize("kind", list(documents.FAMILY))
def test_every_shipped_template_would_be_accepted_as_an_upload(org, kind):
    """What the office downloads to edit passes the check it must pass when it comes back."""
    template_services.upload_template(org.admin, kind, upload(f"{kind}.docx", documents.shipped_template(kind)))
    assert active_template(kind) == documents.shipped_template(kind)


@pytest.mark.parametrize(
    "name, data, words",
    [
        (
            "未知.docx",
            docx_bytes("{{ title }}", "{{p body }}", "{{ 发文单位 }}", "{{ sender }}"),
            ["{{ sender }}、{{ 发文单位 }}"],
        ),
        ("坏.docx", docx_bytes("{{ title }}", "{{p body }}", "{{ issuer | }}"), ["占位符写法有误"]),
        ("不成对.docx", docx_bytes("{% if title %}{{ title }}", "{{p body }}"), ["占位符写法有误"]),
        ("无正文.docx", docx_bytes(RED_HEAD, "{{ title }}"), ["缺少必需的占位符", "{{p body }}"]),
        ("截图.docx", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, ["不是 Word（.docx）文件"]),
        ("说明.docx", "这是一段文字，不是 Word 文件。".encode(), ["不是 Word（.docx）文件"]),
        ("空.docx", b"", ["文件为空"]),
        ("私有.docx", docx_bytes("{{ title.__class__ }}", "{{p body }}"), ["以“_”开头的属性 __class__"]),
        ("调用.docx", docx_bytes("{{ title }}", "{{p body }}", "{{ '{0.__class__}'.format(title) }}"), ["调用"]),
        ("过滤器.docx", docx_bytes("{{ title|attr('__class__') }}", "{{p body }}"), ["过滤器 |attr"]),
        ("重复.docx", docx_bytes("{{ title * 100000000 }}", "{{p body }}"), ["乘法"]),
        ("正文在行内.docx", docx_bytes("{{ title }}", "正文：{{ body }}"), ["{{p body }}", "无法打开"]),
        ("红头写法.docx", docx_bytes("{{ masthead }}", "{{ title }}", "{{p body }}"), ["{{r masthead }}"]),
    ],
)
def test_a_broken_template_is_refused_with_a_clear_message_and_nothing_changes(org, name, data, words):
    before = template_services.upload_template(org.admin, "daily", upload("原模板.docx", good_template()))
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        template_services.upload_template(org.admin, "daily", upload(name, data))
    assert refused.value.message.startswith("模板未上传：")
    for word in words:
        assert word in refused.value.message
    assert refused.value.field_errors["file"]
    assert list(DocumentTemplate.objects.values_list("pk", "is_active")) == [(before.pk, True)]
    assert active_template("daily") == good_template() and AuditEvent.objects.count() == events


def test_a_template_that_fails_to_render_the_sample_is_refused_with_the_error(org):
    data = docx_bytes("{{ title }}", "{{p body }}", "{{ masthead.missing.deeper }}")
    with pytest.raises(InvalidInput) as refused:
        template_services.upload_template(org.admin, "daily", upload("坏.docx", data))
    assert "用示例数据试生成舆情日报失败" in refused.value.message and "missing" in refused.value.message
    assert not DocumentTemplate.objects.exists()


def test_too_large_a_template_is_refused(org, monkeypatch):
    monkeypatch.setattr(template_services, "TEMPLATE_MAX_BYTES", 1024)
    with pytest.raises(InvalidInput, match="文件过大：模板不超过 1 KB"):
        template_services.upload_template(org.admin, "daily", upload("大.docx", good_template()))
    assert not DocumentTemplate.objects.exists()


def test_only_the_system_admin_replaces_a_template(org):
    for who in (org.duty, org.leader, org.edu_liaison):
        with pytest.raises(NotPermitted):
            template_services.upload_template(who, "daily", upload("红头.docx", good_template()))
        with pytest.raises(NotPermitted):
            template_services.revert_template(who, "daily")
    assert not DocumentTemplate.objects.exists()


def test_an_unknown_kind_is_refused(org):
    with pytest.raises(InvalidInput, match="未知的文书类型"):
        template_services.upload_template(org.admin, "memo", upload("红头.docx", good_template()))


def test_earlier_templates_are_kept_and_can_be_put_back(org):
    first = template_services.upload_template(org.admin, "daily", upload("第一版.docx", good_template("第一版红头")))
    second = template_services.upload_template(org.admin, "daily", upload("第二版.docx", good_template("第二版红头")))
    first.refresh_from_db()
    assert not first.is_active and first.superseded_at is not None and second.is_active
    assert "第二版红头" in text_of(documents.render_docx(documents.sample_content("daily")))

    template_services.revert_template(org.admin, "daily", to=first.pk)
    assert "第一版红头" in text_of(documents.render_docx(documents.sample_content("daily")))
    template_services.revert_template(org.admin, "daily")  # the shipped one
    assert active_template("daily") is None
    assert DocumentTemplate.objects.filter(kind="daily").count() == 2  # nothing deleted
    reverts = AuditEvent.objects.filter(action="template_reverted").order_by("pk")
    assert [(e.before["template"], e.after["template"]) for e in reverts] == [
        (second.pk, first.pk),
        (first.pk, "shipped"),
    ]
    with pytest.raises(NotFound):  # a template of another kind is not one to revert to
        template_services.revert_template(org.admin, "weekly", to=first.pk)


def test_one_template_in_use_per_kind(org):
    first = template_services.upload_template(org.admin, "daily", upload("红头.docx", good_template()))
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentTemplate.objects.create(
            kind="daily", name="x.docx", data=b"x", size=1, sha256="", uploaded_by=org.admin, is_active=True
        )
    assert list(DocumentTemplate.objects.values_list("pk", flat=True)) == [first.pk]


# --- the settings page ---------------------------------------------------------------------------------------


def test_admin_sees_the_templates_page_and_downloads_the_template_in_use(client, org):
    client.force_login(org.admin)
    assert "文书模板" in client.get("/settings/policies/").content.decode()  # a tab of the settings
    page = client.get("/settings/templates/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "舆情日报" in html and "舆情督报" in html and "系统自带模板" in html
    assert "<code>{{p body }}</code>" in html and "<code>{{r masthead }}</code>" in html and "发文字号" in html
    shipped = client.get("/settings/templates/daily/download/")
    assert shipped.status_code == 200 and shipped["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert b"".join(shipped.streaming_content) == documents.shipped_template("daily")

    template_services.upload_template(org.admin, "daily", upload("县红头.docx", good_template()), note="2027 年红头")
    html = client.get("/settings/templates/").content.decode()
    assert "上传的模板“县红头.docx”" in html and "2027 年红头" in html
    current = client.get("/settings/templates/daily/download/")
    assert b"".join(current.streaming_content) == good_template()


@pytest.mark.parametrize("who", ["duty", "edu_liaison", "leader"])
def test_only_the_admin_opens_or_changes_the_templates(client, org, who):
    client.force_login(getattr(org, who))
    assert client.get("/settings/templates/").status_code == 403
    assert client.get("/settings/templates/daily/download/").status_code == 403
    response = client.post("/settings/templates/daily/upload/", {"file": upload("红头.docx", good_template())})
    assert response.status_code == 403
    assert client.post("/settings/templates/daily/revert/").status_code == 403
    assert not DocumentTemplate.objects.exists()


def test_the_upload_form_shows_the_refusal_in_chinese(client, org):
    client.force_login(org.admin)
    bad = docx_bytes("{{ title }}", "{{p body }}", "{{ sender }}")
    response = client.post("/settings/templates/daily/upload/", {"file": upload("红头.docx", bad), "note": ""})
    assert response.status_code == 400
    assert "模板未上传：模板中有未知的占位符：{{ sender }}。" in response.content.decode()
    assert not DocumentTemplate.objects.exists()
    response = client.post("/settings/templates/daily/upload/", {"note": "忘了选文件"})
    assert response.status_code == 400 and "请选择模板文件。" in response.content.decode()


def test_the_upload_form_puts_a_good_template_in_use_and_reverts(client, org):
    client.force_login(org.admin)
    response = client.post("/settings/templates/daily/upload/", {"file": upload("县红头.docx", good_template())})
    assert response.status_code == 302 and response["Location"].endswith("#template-daily")
    assert "已启用新的舆情日报模板" in client.get(response["Location"]).content.decode()
    assert active_template("daily") == good_template()
    response = client.post("/settings/templates/daily/revert/", follow=True)
    assert "舆情日报已改用系统自带模板" in response.content.decode() and active_template("daily") is None
    assert client.post("/settings/templates/memo/revert/").status_code == 404


def test_rendering_runs_a_template_in_the_sandbox_whatever_the_upload_check_let_through(org):
    """Defence in depth (ASVS V5.2.5): even a template stored without the upload check cannot reach Python
    internals when a document is rendered."""
    evil = docx_bytes("{{ title.__class__.__mro__[1].__subclasses__() }}", "{{p body }}")
    with pytest.raises(SecurityError):
        documents.render_docx(documents.sample_content("supervision"), template=evil)
