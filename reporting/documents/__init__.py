"""Every document yuqing makes, rendered from a .docx template per kind (docxtpl) in one of two families:

- "official" 公文 after GB/T 9704-2012: 舆情督报 (a 督办通知 to a unit), 网络风险提示函 (函), 季度通报 (通报) and the
  舆情专报 when the office sends it upward (上行文, with 签发人; ReportSettings.special_upward);
- "briefing" 简报/信息: 舆情日报, 周报, 月报 and the 专报 as an internal briefing.

docs/document-formats.md says which clause or practice each element follows. The shipped templates are under
reporting/documents/templates/ (rebuilt by `manage.py build_document_templates`); an admin may put another in
use per kind (reporting.templates_store).

Every report's content has one shape, so one renderer writes every document and one form edits every report:

    {"kind": str,                       # a Report.Kind value
     "title": str, "subtitle": str,
     "sections": [{"key": str, "heading": str, "text": str, "table": {"headers": [...], "rows": [[...]]}}],
     "figures": {...},                  # machine-readable counts behind the text (tests, dashboards)
     # the 版头/版记 or masthead/报送 fields (letterhead()): issuer, date, doc_number, main_recipient, copy_to,
     # printed_by, printed_on, signer, upward, urgency, classification, copy_number, attachment_note,
     # issue_number, total_issue_number, distribution {report_to, send_to, issue_to}
     "closing": [str]}                  # older content: the 落款 lines (issuing office, date)

Section text is plain: blank lines separate paragraphs."""

import datetime
import io
import re
from pathlib import Path

from django.utils import timezone
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from incidents.clearance import CLASSIFICATION
from org.models import Unit
from reporting.documents import body
from reporting.documents.numbering import number_report, numbers_of, take_number
from reporting.models import Report, ReportSettings
from reporting.templates_store import active_template

__all__ = [
    "AFTERCARE_EVALUATION",
    "FAMILY",
    "JOINT_REVIEW",
    "UPWARD_SPECIAL",
    "PLACEHOLDERS",
    "active_template",
    "classification",
    "closing",
    "date_text",
    "letterhead",
    "number_report",
    "numbers_of",
    "office_name",
    "paragraphs",
    "render_docx",
    "sample_content",
    "section",
    "shipped_template",
    "table",
    "take_number",
    "template_kind",
    "with_section_texts",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
UPWARD_SPECIAL = "special_upward"  # the 专报 sent upward: its own template, of the official family
JOINT_REVIEW = "joint_review"  # 会商纪要 of a 重大敏感 item (002 第七条; followup/): a briefing-family record
AFTERCARE_EVALUATION = "aftercare_evaluation"  # 总结评估报告 after the watch (000 三.3; followup/): a briefing record

# 紧急程度 a 公文 may carry (GB/T 9704-2012 7.2.3), printed at the top left of its 版头.
URGENCIES = ("加急", "特急")

FAMILY: dict[str, str] = {
    Report.Kind.DAILY: "briefing",
    Report.Kind.WEEKLY: "briefing",
    Report.Kind.MONTHLY: "briefing",
    Report.Kind.SPECIAL: "briefing",
    UPWARD_SPECIAL: "official",
    Report.Kind.SUPERVISION: "official",
    Report.Kind.RISK_NOTICE: "official",
    Report.Kind.QUARTERLY: "official",
    JOINT_REVIEW: "briefing",
    AFTERCARE_EVALUATION: "briefing",
}
KIND_LABELS = {
    **{k.value: k.label for k in Report.Kind},
    UPWARD_SPECIAL: "舆情专报（上行文）",
    JOINT_REVIEW: "会商纪要",
    AFTERCARE_EVALUATION: "总结评估报告",
}

_COMMON = {"kind_label", "title", "subtitle", "body", "masthead", "issuer", "date", "copy_number", "classification"}
PLACEHOLDERS: dict[str, set[str]] = {
    "official": _COMMON
    | {
        "urgency",
        "doc_number",
        "signer",
        "main_recipient",
        "attachment_note",
        "signature",
        "copy_to",
        "printed_by",
        "printed_on",
    },
    "briefing": _COMMON | {"issue_number", "total_issue_number", "compiler", "report_to", "send_to", "issue_to"},
}

COPY_NUMBER = "000001"  # 份号 (7.2.1): six digits; a generated document is its first copy
DEFAULT_REPORT_TO = "有关领导"
DEFAULT_MAIN_RECIPIENT = {Report.Kind.QUARTERLY: "各有关单位", UPWARD_SPECIAL: ""}


# --- content helpers (the compilers' vocabulary) ---------------------------------------------------------


def section(key, heading, text="", table=None):
    return {"key": key, "heading": heading, "text": text, "table": table}


def classification(incident):
    """The 密级 of a document that carries `incident` in full: "内部 / 敏感" for a confidential one, whose readers
    are those cleared for it (reporting.selectors), so that a printed copy says how it must be handled (issue 11 §1;
    docs/rules.md §8, #5 六(三) 严守工作秘密; GB/T 9704-2012 7.2.2, with its 份号 7.2.1). Merged into a content dict."""
    return {"classification": CLASSIFICATION} if incident is not None and incident.is_confidential else {}


def table(headers, rows):
    return {"headers": list(headers), "rows": [list(r) for r in rows]}


paragraphs = body.paragraphs


def date_text(instant=None) -> str:
    """成文日期 in Arabic numerals without zero padding (GB/T 9704-2012 7.3.5.1): 2026年12月2日."""
    day = timezone.localtime(instant or timezone.now())
    return f"{day.year}年{day.month}月{day.day}日"


def office_name(settings: ReportSettings | None = None) -> str:
    """The issuing office: as configured (ReportSettings.issuer), else the first 舆情办公室 in the unit tree."""
    settings = settings or ReportSettings.current()
    office = settings.issuer.strip() or (
        Unit.objects.filter(is_office=True, is_active=True).order_by("path").values_list("name", flat=True).first()
    )
    return office or "舆情工作领导小组办公室"


def closing(now=None):
    """落款: the issuing office and the date (older content; letterhead() carries both now)."""
    return [office_name(), date_text(now)]


def _distribution(settings: ReportSettings) -> dict:
    leaders = [u.get_full_name() or u.get_username() for u in settings.distribution.filter(is_active=True)]
    return {
        "report_to": settings.briefing_report_to.strip() or "、".join(leaders) or DEFAULT_REPORT_TO,
        "send_to": settings.briefing_send_to.strip(),
        "issue_to": settings.briefing_issue_to.strip(),
    }


def letterhead(kind: str, numbers: dict, *, now=None, main_recipient: str = "") -> dict:
    """The header and closing fields of a report of `kind` numbered `numbers` (numbering.take_number or
    numbers_of(report)), merged into its content: 发文字号, 主送, 署名 and date, 抄送 and 印发 for a 公文; 期号,
    编发单位 and the 报/送/发 lines for a 简报."""
    settings = ReportSettings.current()
    office, day = office_name(settings), date_text(now)
    head: dict[str, object] = {"kind": kind, "issuer": office, "date": day}
    upward = kind == Report.Kind.SPECIAL and bool(numbers.get("doc_number"))
    if upward or FAMILY.get(kind) == "official":
        recipient = main_recipient or DEFAULT_MAIN_RECIPIENT.get(UPWARD_SPECIAL if upward else kind, "")
        head |= {
            "doc_number": numbers.get("doc_number") or "",
            "main_recipient": recipient,
            "copy_to": settings.copy_to.strip(),
            "printed_by": office,
            "printed_on": f"{day}印发",
        }
        if upward:
            head |= {"upward": True, "signer": settings.signer.strip()}
        return head
    return head | {
        "issue_number": numbers.get("sequence"),
        "total_issue_number": numbers.get("total_sequence"),
        "distribution": _distribution(settings),
    }


def with_section_texts(content, texts):
    """A copy of `content` whose section texts are replaced by `texts` (key → text); figures stay."""
    sections = [dict(s, text=texts.get(s["key"], s.get("text", ""))) for s in content.get("sections", [])]
    return {**content, "sections": sections}


# --- templates and rendering ---------------------------------------------------------------------------


def _kind_from_title(title: str) -> str:
    """Content stored before it carried its kind: the kind whose name the title starts with."""
    for kind, label in KIND_LABELS.items():
        if title.startswith(label):
            return kind
    return Report.Kind.QUARTERLY if re.search(r"季度.*通报$", title) else Report.Kind.SUPERVISION


def template_kind(content: dict) -> str:
    """The template a content dict is rendered from: its kind, the upward 专报 apart."""
    kind = content.get("kind") or _kind_from_title(content.get("title", ""))
    return UPWARD_SPECIAL if kind == Report.Kind.SPECIAL and content.get("upward") else kind


def shipped_template(kind: str) -> bytes:
    """The template shipped with the product for `kind` (reporting/documents/templates/<kind>.docx)."""
    if kind not in FAMILY:
        raise KeyError(kind)
    return (TEMPLATES / f"{kind}.docx").read_bytes()


def _text(value) -> str:
    return body.clean(value).strip()


def _context(content: dict, kind: str, family: str) -> dict:
    issuer = _text(content.get("issuer") or (content.get("closing") or [""])[0]) or office_name()
    closing_lines = content.get("closing") or []
    date = _text(content.get("date") or (closing_lines[1] if len(closing_lines) > 1 else "")) or date_text()
    mark = _text(content.get("classification"))
    if mark and content.get("classification_period"):
        mark += "★" + _text(content["classification_period"])
    label = KIND_LABELS.get(kind, "")
    if family == "official":
        masthead = _text(content.get("masthead")) or _text(ReportSettings.current().masthead) or issuer
    else:
        masthead = _text(content.get("masthead")) or KIND_LABELS.get(content.get("kind") or kind, label)
    distribution = content.get("distribution") or {}
    context = {
        "kind_label": label,
        "title": _text(content.get("title")),
        "subtitle": _text(content.get("subtitle")),
        "body": body.body_xml(content.get("sections", [])),
        "masthead": body.masthead_xml(masthead, family),
        "issuer": issuer,
        "date": date,
        "classification": mark,
        "copy_number": _text(content.get("copy_number")) or (COPY_NUMBER if mark else ""),
        # official
        "urgency": _text(content.get("urgency")),
        "doc_number": _text(content.get("doc_number")),
        "signer": _text(content.get("signer")),
        "main_recipient": _text(content.get("main_recipient")),
        "attachment_note": _text(content.get("attachment_note")),
        "signature": body.signature_xml(issuer, date),
        "copy_to": _text(content.get("copy_to")),
        "printed_by": _text(content.get("printed_by")) or issuer,
        "printed_on": _text(content.get("printed_on")) or f"{date}印发",
        # briefing
        "issue_number": _text(content.get("issue_number")),
        "total_issue_number": _text(content.get("total_issue_number")),
        "compiler": _text(content.get("compiler")) or issuer,
        "report_to": _text(distribution.get("report_to")) or DEFAULT_REPORT_TO,
        "send_to": _text(distribution.get("send_to")),
        "issue_to": _text(distribution.get("issue_to")),
    }
    return context


def render_docx(content: dict, *, template: bytes | None = None) -> bytes:
    """The report's document as .docx bytes: `template` (a docxtpl .docx), else the one in use for the kind
    (an admin's upload, reporting.templates_store), else the shipped one. The core properties name the issuing
    office as author and zh-CN as the language."""
    kind = template_kind(content)
    family = FAMILY.get(kind, "official")
    if kind not in FAMILY:
        kind = Report.Kind.SUPERVISION
    data = template or active_template(kind) or shipped_template(kind)
    document = DocxTemplate(io.BytesIO(data))
    context = _context(content, kind, family)
    # A template an admin uploaded is code run on the server: render it in Jinja's sandbox, which refuses access to
    # Python internals (ASVS V5.2.5 template injection), whatever the upload check let through.
    document.render(context, jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    props = document.docx.core_properties
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)  # core.xml stores UTC
    props.author = props.last_modified_by = context["issuer"]
    props.title, props.subject = context["title"], context["kind_label"]
    props.language, props.comments, props.keywords = "zh-CN", "", ""
    props.created = props.modified = now
    props.revision = 1
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- sample data (test-rendering an uploaded template, the conformance tests) ---------------------------------


def sample_content(kind: str) -> dict:
    """A complete content dict of `kind` with sample data: every header field of its family is set."""
    if kind not in FAMILY:
        raise KeyError(kind)
    official = FAMILY[kind] == "official"
    base_kind = Report.Kind.SPECIAL if kind == UPWARD_SPECIAL else kind
    label = KIND_LABELS[base_kind]
    sections = [
        section(
            "overview",
            "一、总体情况",
            "示例县本期监测发现网络舆情12条，均已按规定转办。\n\n（一）处置情况。已办结9条，在办3条。",
        ),
        section(
            "table",
            "二、分类统计",
            "1. 按等级统计如下。",
            table(["等级", "条数", "已办结"], [["Ⅲ级 较大", 2, 1], ["Ⅳ级 一般", 10, 8]]),
        ),
        section("requirement", "三、工作要求", "请各单位按时反馈办理情况。"),
    ]
    content: dict[str, object] = {
        "kind": base_kind,
        "title": f"{label}示例" if official else f"{label}（2026年12月2日）",
        "subtitle": "" if official else "示例县网络舆情工作领导小组办公室",
        "sections": sections,
        "figures": {},
        "issuer": "示例县网络舆情工作领导小组办公室",
        "date": "2026年12月2日",
        "classification": CLASSIFICATION,
        "copy_number": COPY_NUMBER,
    }
    if official:
        content |= {
            "doc_number": "县网舆督〔2026〕7号",
            "main_recipient": "县教育局",
            "urgency": "加急",
            "attachment_note": "1. 舆情信息清单",
            "copy_to": "县委宣传部、县委网信办",
            "printed_by": "示例县网络舆情工作领导小组办公室",
            "printed_on": "2026年12月2日印发",
        }
        if kind == UPWARD_SPECIAL:
            content |= {"upward": True, "signer": "张三", "main_recipient": "县委、县政府"}
    else:
        content |= {
            "issue_number": 12,
            "total_issue_number": 345,
            "distribution": {
                "report_to": "县委、县政府领导",
                "send_to": "县委宣传部",
                "issue_to": "各乡镇、县直各单位",
            },
        }
    return content
