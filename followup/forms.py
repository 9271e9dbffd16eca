"""The office's forms of the follow-through (issue 17). Fields are parsed here; every rule is the service's, whose
errors the view puts on the form (core.forms.add_domain_errors)."""

from django import forms
from django.contrib.auth.models import User

from core.forms import DateTimeInput
from followup.models import JointReview, UpperBody
from incidents.models import Reply
from org.models import Unit


def _units():
    return Unit.objects.filter(is_active=True).order_by("path")


class _Form(forms.Form):
    """Several forms share a page: each names its controls' ids after itself, so every label finds its control."""

    id_prefix = "f"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class _Named(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class JointReviewForm(_Form):
    id_prefix = "review"
    held_at = forms.DateTimeField(label="会商时间", widget=DateTimeInput())
    units = forms.ModelMultipleChoiceField(
        label="参会单位", queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    experts = forms.CharField(
        label="参会专家（每行一位，可不填）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    nature = forms.CharField(label="性质研判", widget=forms.Textarea(attrs={"rows": 2}))
    trend = forms.CharField(label="趋势研判", widget=forms.Textarea(attrs={"rows": 2}))
    risks = forms.CharField(label="风险研判", widget=forms.Textarea(attrs={"rows": 2}))
    handling = forms.CharField(label="处置意见", widget=forms.Textarea(attrs={"rows": 2}))
    caliber = forms.CharField(label="回应口径", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = _units()


class ReviewedReplyForm(_Form):
    id_prefix = "reply"
    review = forms.ModelChoiceField(label="依据的会商研判", queryset=JointReview.objects.none(), required=False)
    kind = forms.ChoiceField(label="回应类型", choices=Reply.Kind.choices)
    channel = forms.CharField(label="发布渠道", max_length=100)
    url = forms.CharField(label="发布链接（可选）", required=False, max_length=1000)
    content = forms.CharField(label="回应内容", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, reviews=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review"].queryset = JointReview.objects.filter(pk__in=[r.pk for r in reviews])
        self.fields["review"].empty_label = "（不引用）"


class UpwardReportForm(_Form):
    id_prefix = "upward"
    body = forms.ModelChoiceField(label="报送单位", queryset=UpperBody.objects.none())
    reported_at = forms.DateTimeField(label="报送时间", widget=DateTimeInput())
    signer = _Named(label="签发人", queryset=User.objects.none())
    reason = forms.CharField(
        label="报送事由",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：属地在本区、责任主体不在本区（000 三）；重要舆情报市委网信办（004 二(三)3）",
    )

    def __init__(self, *args, bodies=(), signers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = UpperBody.objects.filter(pk__in=[b.pk for b in bodies])
        self.fields["body"].empty_label = "（请选择）"
        self.fields["signer"].queryset = User.objects.filter(pk__in=[u.pk for u in signers])
        self.fields["signer"].empty_label = "（请选择领导）"


class CityAssignmentForm(_Form):
    id_prefix = "city"
    body = forms.ModelChoiceField(label="交办单位", queryset=UpperBody.objects.none())
    reference = forms.CharField(label="市级交办编号", max_length=100)
    received_at = forms.DateTimeField(label="接收时间", widget=DateTimeInput())
    city_due_at = forms.DateTimeField(label="市级反馈时限", widget=DateTimeInput())

    def __init__(self, *args, bodies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = UpperBody.objects.filter(pk__in=[b.pk for b in bodies])
        self.fields["body"].empty_label = "（请选择）"


class CityDispatchForm(_Form):
    id_prefix = "city_dispatch"
    lead = forms.ModelChoiceField(label="主办单位", queryset=Unit.objects.none())
    assists = forms.ModelMultipleChoiceField(
        label="协办单位", queryset=Unit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(is_active=True, is_office=False).exclude(kind=Unit.Kind.OFFICE)
        self.fields["lead"].queryset = units
        self.fields["lead"].empty_label = "（请选择）"
        self.fields["assists"].queryset = units


class ReportBackForm(_Form):
    id_prefix = "report_back"
    reported_at = forms.DateTimeField(label="反馈时间", widget=DateTimeInput())
    content = forms.CharField(label="反馈内容", widget=forms.Textarea(attrs={"rows": 3}))


class AftercareEvaluationForm(_Form):
    """总结评估 (000 三.3): the template's four parts."""

    id_prefix = "aftercare"
    trend = forms.CharField(
        label="关注期舆情走势",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="销号后网上相关舆情的走势：是否平稳、有无反复（000 三.3：关注网络上相关事件的舆情趋势）",
    )
    worked = forms.CharField(label="成功经验", widget=forms.Textarea(attrs={"rows": 3}))
    went_wrong = forms.CharField(label="暴露的问题", widget=forms.Textarea(attrs={"rows": 3}))
    to_change = forms.CharField(
        label="改进措施",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="如何修改完善有关工作方案（000 三.3）",
    )
