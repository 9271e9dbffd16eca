"""The upload form of the document templates page. It only shapes input; reporting.template_services checks the
file (type, size, placeholders, test render)."""

from django import forms

from core.forms import add_domain_errors


class TemplateUploadForm(forms.Form):
    file = forms.FileField(
        label="新模板（.docx）",
        error_messages={"required": "请选择模板文件。", "empty": "文件为空。", "invalid": "请选择模板文件。"},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
        ),
        help_text="在 WPS 或 Word 中编辑下载的模板后上传；占位符写作 {{ 名称 }}。上传前会用示例数据试生成，不合格的不会启用。",
    )
    note = forms.CharField(label="说明", max_length=200, required=False, help_text="如：2027 年启用新红头")

    def __init__(self, *args, kind, **kwargs):
        super().__init__(*args, auto_id=f"id_{kind}_%s", **kwargs)
        self.kind = kind

    def add_service_errors(self, exc):
        add_domain_errors(self, exc, unmatched_to_form=False)
