import re

from django import forms
from django.contrib.auth import get_user_model

from core.forms import DateTimeInput
from incidents import selectors
from incidents.models import Feedback, Grade, Incident, LeaderReport, MediaLevel, Reply, TicketRole
from incidents.uploads import UPLOAD_HELP, validate_upload
from org.models import Role, Unit


class ReportForm(forms.ModelForm):
    platform = forms.CharField(label="来源平台", max_length=50, required=False)
    url = forms.URLField(label="原帖链接", max_length=1000, required=False, assume_scheme="https")
    screenshot = forms.FileField(label="截图", required=False, validators=[validate_upload], help_text=UPLOAD_HELP)

    class Meta:
        model = Incident
        fields = [
            "title",
            "summary",
            "category",
            "subject_unit",
            "location",
            "posted_at",
            "first_seen_at",
            "views",
            "comments",
            "reposts",
            "site_count",
            "media_level",
            "is_historical",
            "is_confidential",
        ]
        widgets = {
            "posted_at": DateTimeInput(),
            "first_seen_at": DateTimeInput(),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    # What the officer has in front of them first: the post, its link, then the metrics that grade it.
    field_order = [
        "title",
        "platform",
        "url",
        "summary",
        "category",
        "subject_unit",
        "location",
        "posted_at",
        "first_seen_at",
        "views",
        "comments",
        "reposts",
        "site_count",
        "media_level",
        "screenshot",
        "is_historical",
        "is_confidential",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject_unit"].queryset = Unit.objects.filter(is_active=True)
        self.fields["subject_unit"].empty_label = "（未指定）"
        self.fields["media_level"].choices = MediaLevel.choices

    def links(self):
        url = self.cleaned_data.get("url")
        if not url:
            return []
        return [{"platform": self.cleaned_data.get("platform") or "未注明", "url": url}]


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label="等级", choices=Grade.choices)
    reason = forms.CharField(label="研判理由", widget=forms.Textarea(attrs={"rows": 2}))
    is_historical = forms.BooleanField(
        label="历史遗留问题",
        required=False,
        help_text="核实调查报告时限为认领后 15 个工作日（002 第八条）；转办时指定的时限优先",
    )
    # The incident's version the page was drawn from (issue 18: a concurrent grade is refused, not overwritten).
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if "version" in self.errors:  # hidden: say it above the form
            del self.errors["version"]
            self.add_error(None, "页面信息已失效，请刷新页面后重新研判。")
        return data

    def refresh_version(self, version):
        """After a stale submission was refused: the redisplayed form carries the current version, so sending it
        again, having read what changed, applies it."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(version)
        self.data = data


class HistoricalForm(forms.Form):
    """The office sets or clears 历史遗留问题 after intake (002 第八条); the initial value is the current one."""

    is_historical = forms.BooleanField(
        label="历史遗留问题", required=False, help_text="勾选为认定，取消勾选为取消认定；在办时限将重新计算"
    )
    reason = forms.CharField(
        label="理由", widget=forms.Textarea(attrs={"rows": 2}), error_messages={"required": "请填写理由。"}
    )


class ClearanceForm(forms.Form):
    """授权 / 撤销查阅敏感舆情 (知悉范围, issue 11 §1): the person whose access the office grants or revokes."""

    user = forms.ModelChoiceField(
        label="人员",
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        error_messages={"required": "请选择人员。", "invalid_choice": "人员不存在或已停用。"},
    )


class LeaderReportForm(forms.Form):
    """报告领导 (002 第八条: 2 小时内; 001 #4 第十三条: 特别重大 30 分钟快报), including by phone or on paper."""

    channel = forms.ChoiceField(
        label="报告方式", choices=LeaderReport.Channel.choices, error_messages={"required": "请选择报告方式。"}
    )
    reported_to = forms.CharField(
        label="报告对象",
        max_length=200,
        error_messages={"required": "请填写报告对象。"},
        help_text="如 县委书记、县长、宣传部部长，或主办单位主要领导、分管领导",
    )
    reported_at = forms.DateTimeField(label="报告时间", required=False, widget=DateTimeInput(), help_text="留空为现在")
    note = forms.CharField(label="内容摘要", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OfficeReplyForm(forms.Form):
    """The office's own publication (新闻通稿 / 新闻发布会 / 官方回应; 000 三.1, 003 三(五), 004 四(二))."""

    kind = forms.ChoiceField(
        label="回应类型", choices=Reply.Kind.choices, error_messages={"required": "请选择回应类型。"}
    )
    channel = forms.CharField(
        label="发布渠道",
        max_length=100,
        error_messages={"required": "请填写发布渠道。"},
        help_text="如 新闻通稿（政府门户网站）、新闻发布会、政务微博官方回应",
    )
    url = forms.CharField(label="发布链接（可选）", max_length=1000, required=False)
    content = forms.CharField(
        label="回应内容", widget=forms.Textarea(attrs={"rows": 4}), error_messages={"required": "请填写回应内容。"}
    )
    published_at = forms.DateTimeField(label="发布时间", required=False, widget=DateTimeInput(), help_text="留空为现在")


class DispatchForm(forms.Form):
    lead = forms.ModelChoiceField(label="主办单位", queryset=Unit.objects.none(), required=False)
    assists = forms.ModelMultipleChoiceField(
        label="协办单位", queryset=Unit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    due_at = forms.DateTimeField(label="指定办理时限（可选）", required=False, widget=DateTimeInput())
    instructions = forms.CharField(label="转办要求", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Responsible units only: not the office, not the leading group above everyone.
        units = Unit.objects.filter(is_active=True, is_office=False).exclude(kind=Unit.Kind.OFFICE)
        self.fields["lead"].queryset = units
        self.fields["lead"].empty_label = "（请选择）"
        self.fields["assists"].queryset = units

    def assignments(self):
        result = []
        if self.cleaned_data.get("lead"):
            result.append((self.cleaned_data["lead"], TicketRole.LEAD))
        result += [(u, TicketRole.ASSIST) for u in self.cleaned_data.get("assists") or []]
        return result


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由", widget=forms.Textarea(attrs={"rows": 2}), error_messages={"required": "请填写理由。"}
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


_MERGE_NUMBER = re.compile(r"^YQ\d{8}-(?P<seq>\d{1,18})$")


class MergeForm(forms.Form):
    """合并 names the target by the number people see (YQ20261130-00042), never a database id (issue 14). The
    number is looked up among the incidents the user sees (incidents.selectors.visible_incidents); the merge
    service checks the rest (not itself, still open)."""

    into = forms.CharField(
        label="合并至舆情编号",
        max_length=40,
        error_messages={
            "required": "请填写合并目标的舆情编号（如 YQ20261130-00042）。",
            "max_length": "舆情编号不超过 40 个字符，如 YQ20261130-00042。",
        },
        help_text="填写编号（如 YQ20261130-00042），或在上方按编号、标题查找后选择",
        widget=forms.TextInput(attrs={"list": "merge-candidates", "autocomplete": "off", "spellcheck": "false"}),
    )
    reason = forms.CharField(label="理由", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_into(self):
        text = self.cleaned_data["into"].strip().upper().replace(" ", "")
        found = _MERGE_NUMBER.match(text)
        target = None
        if found and self.user is not None:
            target = selectors.visible_incidents(self.user).filter(pk=int(found.group("seq"))).first()
        if target is None or target.number != text:
            raise forms.ValidationError(
                f"未找到编号为「{text[:40]}」的舆情（或无权查看）。请填写完整编号，如 YQ20261130-00042。"
            )
        return target


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=Feedback.Kind.choices)
    content = forms.CharField(label="内容", widget=forms.Textarea(attrs={"rows": 4}))
    promised_at = forms.DateTimeField(
        label="承诺落实时间",
        required=False,
        widget=DateTimeInput(),
        help_text="提交书面说明时必填（000 三.2：一时难以落实的，要形成书面材料及时反馈），届时须报送结果",
    )
    attachment = forms.FileField(label="附件", required=False, validators=[validate_upload], help_text=UPLOAD_HELP)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label="指定认领人", queryset=get_user_model().objects.none())
    reason = forms.CharField(label="说明", required=False)

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit is not None:
            self.fields["assignee"].queryset = get_user_model().objects.filter(
                memberships__unit=unit, memberships__role=Role.LIAISON, memberships__is_active=True
            )


class SignoffForm(forms.Form):
    decision = forms.ChoiceField(
        label="审签意见", choices=[("approve", "同意销号"), ("send_back", "退回重办（批示）")], widget=forms.RadioSelect
    )
    instruction = forms.CharField(label="批示/意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_at = forms.DateTimeField(label="批示办理时限（退回时可选）", required=False, widget=DateTimeInput())

    def clean(self):
        data = super().clean()
        if data.get("decision") == "send_back" and not (data.get("instruction") or "").strip():
            self.add_error("instruction", "退回重办须填写批示。")
        return data


class ReplyDraftForm(forms.Form):
    """拟写回应稿. The rules (who, when, what is valid) are the service's; this only carries the fields."""

    kind = forms.ChoiceField(
        label="回应类型", choices=Reply.Kind.choices, error_messages={"required": "请选择回应类型。"}
    )
    channel = forms.CharField(
        label="发布渠道",
        max_length=100,
        error_messages={"required": "请填写发布渠道。"},
        help_text="如 政民互动平台网络新闻发言人版块、政务微博、跟帖",
    )
    url = forms.CharField(label="原帖/发布链接（可选）", max_length=1000, required=False)
    content = forms.CharField(
        label="回应内容", widget=forms.Textarea(attrs={"rows": 5}), error_messages={"required": "请填写回应内容。"}
    )


class ReplyDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="审定意见",
        choices=[("approve", "同意发布"), ("send_back", "退回修改（批示）")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择审定意见。"},
    )
    instruction = forms.CharField(label="批示/意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_at = forms.DateTimeField(label="批示办理时限（退回时可选）", required=False, widget=DateTimeInput())

    def clean(self):
        data = super().clean()
        if data.get("decision") == "send_back" and not (data.get("instruction") or "").strip():
            self.add_error("instruction", "退回修改须填写批示。")
        return data


class ExtensionRequestForm(forms.Form):
    requested_due_at = forms.DateTimeField(label="申请延至", widget=DateTimeInput())
    reason = forms.CharField(
        label="延期理由（书面申请）",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写延期理由。"},
    )


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="审批", choices=[("approve", "批准"), ("reject", "驳回")], widget=forms.RadioSelect
    )
    note = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))
