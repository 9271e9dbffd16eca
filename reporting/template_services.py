"""An admin replaces the .docx template a kind of document is rendered from, or goes back to an earlier one or to
the template shipped with the product (issue 13: "an office with its own 红头 puts it in without a developer").

An upload is accepted only if it is a Word .docx (read from its content, as attachments are: incidents.uploads) of
at most TEMPLATE_MAX_BYTES; its placeholders are only those of its kind's family (reporting.documents.PLACEHOLDERS),
title and body among them, and do nothing but name and format a value (a template is code run on the server); and it
renders the kind's sample content (reporting.documents.sample_content) without error into a file Word can open, with
no placeholder left over. Otherwise InvalidInput says why in Chinese and nothing changes. Each write checks the admin
role, changes and audits in one transaction; the template in use before stays, to revert to
(reporting.models.DocumentTemplate)."""

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import NoReturn

from django.db import IntegrityError, transaction
from django.utils import timezone
from docx.oxml.parser import parse_xml
from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from core import audit
from core.errors import Conflict, InvalidInput, NotFound
from incidents import uploads
from org.access import require_role
from reporting import documents
from reporting.models import DocumentTemplate

TEMPLATE_MAX_BYTES = 5 * 1024 * 1024
# A template's parts unpacked: a real one with a scanned 红头 image is a few MB; more is a zip bomb, not read.
_UNPACKED_MAX = 50 * 1024 * 1024
_PARTS_MAX = 2000

# Without these a document would come out without its title or its text.
REQUIRED = {"title": "{{ title }}（标题）", "body": "{{p body }}（正文，单独成段）"}
FAMILY_LABELS = {"official": "公文", "briefing": "简报/信息"}
SHIPPED = "shipped"  # how the audit trail names the template shipped with the product

NOT_DOCX = "不是 Word（.docx）文件（按文件内容识别，而非文件名）。请在 WPS 或 Word 中另存为 .docx 后上传。"
RACE = "另一位管理员刚刚更换了该模板，请刷新页面后重试。"
NOT_READABLE = "无法读取该 Word 文件，文件可能已损坏。请在 WPS 或 Word 中打开后另存为 .docx 再上传。"


# What each placeholder of reporting.documents.PLACEHOLDERS holds, for the page; the three rich ones are written
# with docxtpl's p (a paragraph of its own) or r (a run) as reporting/documents/body.py renders them.
PLACEHOLDER_WORDS = {
    "masthead": "发文机关标志 / 简报报头（红头文字）",
    "kind_label": "文书名称，如“舆情督报”",
    "title": "标题",
    "subtitle": "副标题",
    "body": "正文（各节标题、段落和表格），单独成段",
    "issuer": "发文机关 / 编发单位",
    "date": "成文日期，如 2026年12月2日",
    "copy_number": "份号（敏感件）",
    "classification": "密级（敏感件）",
    "urgency": "紧急程度",
    "doc_number": "发文字号，如 县网舆督〔2026〕7号",
    "signer": "签发人（上行文）",
    "main_recipient": "主送机关",
    "attachment_note": "附件说明",
    "signature": "发文机关署名和成文日期，单独成段",
    "copy_to": "抄送机关",
    "printed_by": "印发机关",
    "printed_on": "印发日期",
    "issue_number": "期号",
    "total_issue_number": "总期号",
    "compiler": "编发单位",
    "report_to": "报（报送领导）",
    "send_to": "送",
    "issue_to": "发",
}
RICH = {"body": "p", "signature": "p", "masthead": "r"}


@dataclass(frozen=True)
class Placeholder:
    name: str
    words: str

    @property
    def syntax(self):
        return f"{{{{{RICH.get(self.name, '')} {self.name} }}}}"


@dataclass(frozen=True)
class KindInfo:
    kind: str
    label: str
    family: str
    family_label: str
    placeholders: tuple[Placeholder, ...]


def kind_label(kind):
    return documents.KIND_LABELS.get(kind, kind)


def _placeholder_order(name):
    order = list(PLACEHOLDER_WORDS)
    return (order.index(name) if name in order else len(order), name)


def kinds():
    """Each kind of document with a template, in the order reporting.documents lists them."""
    return [
        KindInfo(
            kind,
            kind_label(kind),
            family,
            FAMILY_LABELS.get(family, family),
            tuple(
                Placeholder(name, PLACEHOLDER_WORDS.get(name, ""))
                for name in sorted(documents.PLACEHOLDERS.get(family, ()), key=_placeholder_order)
            ),
        )
        for kind, family in documents.FAMILY.items()
    ]


def _family(kind):
    family = documents.FAMILY.get(kind)
    if family is None:
        raise InvalidInput("未知的文书类型。", {"kind": ["请选择文书类型。"]})
    return family


def _refuse(reason: str) -> NoReturn:
    raise InvalidInput(f"模板未上传：{reason}", {"file": [reason]})


def _read(file):
    """The upload's bytes, if it is a .docx within the size limits (else InvalidInput, nothing read further)."""
    if file is None:
        _refuse("请选择模板文件。")
    if getattr(file, "oversize", False) or (file.size or 0) > TEMPLATE_MAX_BYTES:
        _refuse(f"文件过大：模板不超过 {uploads.size_words(TEMPLATE_MAX_BYTES)}。")
    if not file.size:
        _refuse("文件为空。")
    if uploads.detect(file) != uploads.DOCX:
        _refuse(NOT_DOCX)
    file.seek(0)
    data = file.read()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        _refuse(NOT_READABLE)
    if len(parts) > _PARTS_MAX or sum(part.file_size for part in parts) > _UNPACKED_MAX:
        _refuse("文件解压后过大，不像是文书模板。")
    return data


class _RecordingEnvironment(SandboxedEnvironment):
    """Keeps the syntax tree docxtpl parses, to look at what the placeholders reach for."""

    parsed = None

    def parse(self, source, name=None, filename=None):
        self.parsed = super().parse(source, name, filename)
        return self.parsed


# What a placeholder may do beyond naming a value: format it. No call, no attribute starting with "_", no lookup by a
# computed key, no filter reaching for attributes (attr, map …): these are the ways out of a template into the
# server's code. No repetition by arithmetic (a memory bomb), no reference to another template (there is none).
SAFE_FILTERS = frozenset(
    "default d e escape upper lower title capitalize trim replace truncate length count first last join string int"
    " float round abs list reverse striptags".split()
)  # not center, indent, batch or slice: a large constant width or count is a memory bomb too
_ELSEWHERE = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends, nodes.Macro, nodes.CallBlock)


def _key_problem(node):
    key = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
    if isinstance(key, str) and key.startswith("_"):
        return f"以“_”开头的属性 {key}"
    if isinstance(node, nodes.Getitem) and not isinstance(node.arg, nodes.Const | nodes.Slice):
        return "按变量取下标（如 x[y]）"
    return None


def _unsafe_constructs(tree):
    """What in the template's syntax tree goes beyond the placeholders' needs, in words."""
    found = []
    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            found.append(_key_problem(node))
        elif isinstance(node, nodes.Call):
            found.append("函数或方法调用（如 x.y()）")
        elif isinstance(node, nodes.Filter) and node.name not in SAFE_FILTERS:
            found.append(f"过滤器 |{node.name}")
        elif isinstance(node, nodes.Keyword) and node.key == "attribute":
            found.append("attribute 参数")
        elif isinstance(node, nodes.Mul | nodes.Pow):
            found.append("乘法或乘方运算")
        elif isinstance(node, _ELSEWHERE):
            found.append("引用其他模板或定义宏的标签")
    return list(dict.fromkeys(item for item in found if item))


def _placeholders(data):
    env = _RecordingEnvironment()
    try:
        names = DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables(jinja_env=env)
    except TemplateSyntaxError as exc:
        _refuse(
            f"模板中的占位符写法有误：{(exc.message or '').rstrip('.')}。请检查 {{{{ }}}} 与 {{% %}} 是否成对、拼写是否正确。"
        )
    except Exception:  # whatever python-docx or lxml raise on a damaged package, the answer is the same
        _refuse(NOT_READABLE)
    return names, _unsafe_constructs(env.parsed) if env.parsed is not None else []


_PARTS_WITH_TEXT = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")
# WordprocessingML a misplaced rich placeholder leaves behind ({{ body }} inside a line instead of {{p body }} on
# its own, {{ masthead }} instead of {{r masthead }}): python-docx reads it, Word and WPS call the file damaged.
_MISPLACED = "//w:t[*] | //w:p/w:p | //w:r/w:r | //w:r/w:p | //w:p/w:tbl | //w:r/w:tbl"


def _parts(data):
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return [parse_xml(package.read(name)) for name in package.namelist() if _PARTS_WITH_TEXT.fullmatch(name)]


def _text_of(part):
    return "".join(part.xpath("//w:t/text()"))


def _test_render(kind, data):
    """Render the kind's sample content with `data`; refuse the template if that fails or gives a file Word cannot
    open or with placeholders left in it."""
    try:
        parts = _parts(documents.render_docx(documents.sample_content(kind), template=data))
    except Exception as exc:  # any failure of the test render refuses the template, with its message
        _refuse(f"用示例数据试生成{kind_label(kind)}失败：{exc}")
    if any(part.xpath(_MISPLACED) for part in parts):
        _refuse(
            "正文和署名须写作 {{p body }}、{{p signature }} 并单独成段，红头文字须写作 {{r masthead }}；"
            "模板中有写法不对的，生成的文件 Word 和 WPS 无法打开。"
        )
    text = "".join(_text_of(part) for part in parts)
    if "{{" in text or "{%" in text:
        _refuse("试生成的文书中仍有未替换的 {{ }} 或 {% %}：占位符可能被 Word 拆开了。请删除后一次性重新输入该占位符。")


def _check(kind, data):
    """InvalidInput naming what is wrong with template `data` for `kind`, or None if it renders the sample."""
    family = _family(kind)
    names, unsafe = _placeholders(data)
    if unsafe:
        _refuse(f"模板中只能使用占位符及简单的格式过滤器，不能使用：{'、'.join(unsafe)}。")
    unknown = names - set(documents.PLACEHOLDERS.get(family, ()))
    if unknown:
        listed = "、".join(f"{{{{ {name} }}}}" for name in sorted(unknown))
        _refuse(f"模板中有未知的占位符：{listed}。{kind_label(kind)}可用的占位符见本页“可用占位符”。")
    missing = [words for name, words in REQUIRED.items() if name not in names]
    if missing:
        _refuse(f"模板缺少必需的占位符：{'、'.join(missing)}，否则生成的文书没有标题或正文。")
    _test_render(kind, data)


def _stored_name(file):
    stem = PurePath((getattr(file, "name", "") or "").replace("\\", "/")).stem.strip() or "模板"
    return f"{stem[:120]}.docx"


def _in_use(kind):
    return DocumentTemplate.objects.select_for_update().filter(kind=kind, is_active=True).first()


def _retire(template, now):
    if template is not None:
        template.is_active, template.superseded_at = False, now
        template.save(update_fields=["is_active", "superseded_at"])


def _named(template):
    return template.pk if template is not None else SHIPPED


@transaction.atomic
def upload_template(actor, kind, uploaded_file, *, note="", ip=None):
    """The admin's .docx becomes the template of `kind` for every document rendered from now on, once it is
    checked (see the module); the one in use before is kept. Documents already generated are not touched."""
    require_role(actor, "is_admin", "仅系统管理员可以更换文书模板。")
    _family(kind)
    data = _read(uploaded_file)
    _check(kind, data)
    now = timezone.now()
    previous = _in_use(kind)
    _retire(previous, now)
    try:
        with transaction.atomic():
            template = DocumentTemplate.objects.create(
                kind=kind,
                name=_stored_name(uploaded_file),
                data=data,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                note=(note or "").strip()[:200],
                uploaded_by=actor,
                uploaded_at=now,
                is_active=True,
                activated_at=now,
            )
    except IntegrityError:
        raise Conflict(RACE) from None
    audit.record(
        actor,
        "template_uploaded",
        template,
        before={"kind": kind, "template": _named(previous)},
        after={"kind": kind, "template": template.pk, "name": template.name, "size": template.size},
        ip=ip,
    )
    return template


@transaction.atomic
def revert_template(actor, kind, *, to=None, ip=None):
    """Back to an earlier uploaded template of `kind` (`to`: it or its pk) or, with `to=None`, to the template
    shipped with the product. An earlier template is checked again: placeholders may have changed since."""
    require_role(actor, "is_admin", "仅系统管理员可以更换文书模板。")
    _family(kind)
    target = None
    if to is not None:
        target = DocumentTemplate.objects.select_for_update().filter(pk=getattr(to, "pk", to), kind=kind).first()
        if target is None:
            raise NotFound("该模板不存在。")
    current = _in_use(kind)
    if current == target:
        return target
    if target is not None:
        try:
            _check(kind, bytes(target.data))
        except InvalidInput as exc:
            raise InvalidInput(exc.message.replace("模板未上传", "不能恢复该模板"), exc.field_errors) from None
    now = timezone.now()
    _retire(current, now)
    if target is not None:
        target.is_active, target.activated_at, target.superseded_at = True, now, None
        try:
            with transaction.atomic():
                target.save(update_fields=["is_active", "activated_at", "superseded_at"])
        except IntegrityError:
            raise Conflict(RACE) from None
    audit.record(
        actor,
        "template_reverted",
        target or current,
        before={"kind": kind, "template": _named(current)},
        after={"kind": kind, "template": _named(target)},
        ip=ip,
    )
    return target
