"""Reports, units' daily submissions, the assessment and the ledger over the API, for other government systems that
pull documents and figures (issue 4 contract: "GET /api/reports/… once reporting lands") and, since issue 14, for
everything the report pages do: drafting a 专报, 督报 or 风险提示函, generating a 日报 or 周报/月报/季度通报, issuing,
and the PDF and ledger (.xlsx) downloads. Thin like incidents.api: who sees which report is
reporting.selectors.visible_reports, every write is the pages' own service (reporting.services, reporting.daily,
reporting.periodic through reporting/generation.py), the downloads follow the pages' rules (version_views,
ledger_views), the assessment the page's own rule."""

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import ACTION_ERRORS, READ_ERRORS, ApiView, errors
from core.api.errors import ProblemException
from core.api.filters import DateTimeFilter, IdFilter
from core.http import client_ip
from incidents.api.serializers import BoundedDateTimeField
from org.access import access_for
from org.models import Unit
from reporting import periodic as periodic_reports
from reporting import selectors, services
from reporting.assessment_views import may_view_assessment, visible_assessment
from reporting.daily import generate_daily_report
from reporting.documents import URGENCIES
from reporting.downloads import (
    DOCX_CONTENT_TYPE,
    XLSX,
    default_ledger_days,
    ledger_response,
    ledger_unit_ids,
    ledger_units,
    version_file_response,
    version_pdf_response,
)
from reporting.models import DailySubmission, Report, ReportVersion
from reporting.pdf import ConversionError
from reporting.period_forms import LedgerForm, PeriodForm
from reporting.serializers import (
    AssessmentSerializer,
    DailySubmissionCreateSerializer,
    DailySubmissionSerializer,
    DailySubmissionStatusSerializer,
    ReportDetailSerializer,
    ReportSerializer,
    SubmissionDateSerializer,
)

REPORT_NOT_FOUND = "报告不存在或无权查看。"
MAX_ID = 2**63 - 1


# --- Creating reports: input shapes only; every rule is the service's, as on the pages ------------------------


class SpecialReportCreateSerializer(serializers.Serializer):
    incident = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="舆情 id（重大、特别重大）")


class SupervisionCreateSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="被督办的转办单 id")
    reason = serializers.CharField(help_text="督办原因")
    due_at = BoundedDateTimeField(help_text="督办时限（须晚于现在）")
    urgency = serializers.ChoiceField(
        choices=[("", "无"), *((u, u) for u in URGENCIES)], required=False, default="", help_text="紧急程度（可选）"
    )


class RiskNoticeCreateSerializer(serializers.Serializer):
    topic = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="风险点 id")
    requirements = serializers.CharField(required=False, allow_blank=True, default="", help_text="工作要求（可选）")
    due_at = BoundedDateTimeField(required=False, allow_null=True, default=None, help_text="反馈时限（可选）")
    urgency = serializers.ChoiceField(
        choices=[("", "无"), *((u, u) for u in URGENCIES)], required=False, default="", help_text="紧急程度（可选）"
    )


class DailyReportCreateSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="日报日期（该日汇总时间过后方可生成）")

    def validate_date(self, value):
        if not (1990 <= value.year < 2200):
            raise serializers.ValidationError("日期超出允许范围（1990—2200 年）。")
        return value


class PeriodicReportCreateSerializer(DailyReportCreateSerializer):
    kind = serializers.ChoiceField(
        choices=[("weekly", "舆情周报"), ("monthly", "舆情月报"), ("quarterly", "季度通报")], help_text="报告类型"
    )
    date = None  # type: ignore[assignment]  # the period is given by any day in it
    start = serializers.DateField(help_text="期间内任意一天：按所在整周（周一至周日）、整月或整季统计")
    regenerate = serializers.BooleanField(
        required=False, default=False, help_text="该期间已有草稿时重新生成（否则 409）；已签发的不能重新生成"
    )

    def validate_start(self, value):
        return self.validate_date(value)


class ReportFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Report.Kind.choices, label="类型")
    status = filters.ChoiceFilter(choices=Report.Status.choices, label="状态")
    incident = IdFilter(field_name="incident_id", label="舆情 id")
    unit = filters.ModelChoiceFilter(queryset=Unit.objects.all(), label="主送单位")
    created_after = DateTimeFilter(field_name="created_at", lookup_expr="gte", label="生成时间不早于")
    created_before = DateTimeFilter(field_name="created_at", lookup_expr="lt", label="生成时间早于")


def _latest_number():
    return Subquery(ReportVersion.objects.filter(report=OuterRef("pk")).order_by("-number").values("number")[:1])


@extend_schema_view(
    list=extend_schema(summary="报告列表（默认新的在前）", responses={200: ReportSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(
        summary="报告详情（含各版本及下载地址）", responses={200: ReportDetailSerializer, **READ_ERRORS}
    ),
)
class ReportViewSet(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet):
    """报告（日报、专报、督报、风险提示函、周报、月报、季度通报）。办公室可见全部（含草稿）；领导可见已签发的日报和
    周报、月报、季度通报；报送对象可见发给本人的；单位联络员和领导可见发给本单位的已签发督报和风险提示函。涉及敏感舆情的
    报告仅对有权查阅该舆情者可见。其他情况一律 404。"""

    queryset = Report.objects.none()  # for the schema's id type; requests use get_queryset()
    serializer_class = ReportSerializer
    filterset_class = ReportFilter
    ordering_fields = ["created_at", "issued_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        reports = selectors.visible_reports(self.request.user).select_related("unit")
        return reports.annotate(latest_number=_latest_number())

    unpaginated_actions = ("retrieve", "download", "pdf")

    def perform_content_negotiation(self, request, force=False):
        # The downloads answer with the file itself; their errors are JSON whatever the caller's Accept header asks.
        return super().perform_content_negotiation(request, force=force or self.action in ("download", "pdf"))

    def _detail(self, report, status_code=status.HTTP_200_OK):
        report = selectors.report_detail(self.request.user, report.pk, ip=self.ip)
        report.latest_number = report.version_list[0].number if report.version_list else None
        data = ReportDetailSerializer(report, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def retrieve(self, request, pk):
        try:
            report = selectors.report_detail(request.user, pk, ip=client_ip(request))
        except Report.DoesNotExist:
            raise exceptions.NotFound(REPORT_NOT_FOUND) from None
        report.latest_number = report.version_list[0].number if report.version_list else None
        return Response(ReportDetailSerializer(report, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="下载报告某一版本的 .docx",
        parameters=[OpenApiParameter("number", OpenApiTypes.INT, OpenApiParameter.PATH, description="版本号")],
        responses={(200, DOCX_CONTENT_TYPE): OpenApiTypes.BINARY, **READ_ERRORS},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"versions/(?P<number>[0-9]+)/download",
        url_name="version-download",
        filter_backends=[],
    )
    def download(self, request, pk, number):
        try:
            version = selectors.report_version(request.user, pk, number, ip=client_ip(request))
        except ReportVersion.DoesNotExist:
            raise exceptions.NotFound("报告或该版本不存在，或无权查看。") from None
        return version_file_response(version)

    @extend_schema(
        summary="下载报告某一版本的 PDF（归档用，首次请求时转换并保存）",
        parameters=[OpenApiParameter("number", OpenApiTypes.INT, OpenApiParameter.PATH, description="版本号")],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF 文件"),
            **READ_ERRORS,
            **errors(503),
        },
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"versions/(?P<number>[0-9]+)/pdf",
        url_name="version-pdf",
        filter_backends=[],
    )
    def pdf(self, request, pk, number):
        # The page's rule (reporting.version_views): who sees the report sees its PDF; converted once per version.
        try:
            version = selectors.report_version(request.user, pk, number, ip=client_ip(request))
        except ReportVersion.DoesNotExist:
            raise exceptions.NotFound("报告或该版本不存在，或无权查看。") from None
        try:
            return version_pdf_response(version)
        except ConversionError as exc:
            raise ProblemException(str(exc.args[0]), "unavailable", 503) from None

    def _create(self, request_serializer, make):
        data = self.input(request_serializer)
        return self._detail(make(data), status.HTTP_201_CREATED)

    @extend_schema(
        summary="编制舆情专报草稿（办公室；重大、特别重大舆情，004 三(三)）",
        request=SpecialReportCreateSerializer,
        responses={201: ReportDetailSerializer, **ACTION_ERRORS},
        filters=False,
        examples=[OpenApiExample("专报", value={"incident": 42}, request_only=True)],
    )
    @action(detail=False, methods=["post"], url_path="special", url_name="special", filter_backends=[])
    def special(self, request):
        return self._create(
            SpecialReportCreateSerializer,
            lambda data: services.create_special_report(request.user, data["incident"], ip=self.ip),
        )

    @extend_schema(
        summary="编制舆情督报草稿（办公室；签发后通知责任单位并起算办理时限，004 二(五)）",
        request=SupervisionCreateSerializer,
        responses={201: ReportDetailSerializer, **ACTION_ERRORS},
        filters=False,
    )
    @action(detail=False, methods=["post"], url_path="supervision", url_name="supervision", filter_backends=[])
    def supervision(self, request):
        return self._create(
            SupervisionCreateSerializer,
            lambda data: services.draft_supervision_notice(
                request.user,
                data["ticket"],
                reason=data["reason"],
                due_at=data["due_at"],
                urgency=data["urgency"],
                ip=self.ip,
            ),
        )

    @extend_schema(
        summary="编制网络风险提示函草稿（办公室；004 二(二)、五(二)）",
        request=RiskNoticeCreateSerializer,
        responses={201: ReportDetailSerializer, **ACTION_ERRORS},
        filters=False,
    )
    @action(detail=False, methods=["post"], url_path="risk-notices", url_name="risk-notices", filter_backends=[])
    def risk_notices(self, request):
        return self._create(
            RiskNoticeCreateSerializer,
            lambda data: services.draft_risk_notice(
                request.user,
                data["topic"],
                requirements=data["requirements"],
                due_at=data["due_at"],
                urgency=data["urgency"],
                ip=self.ip,
            ),
        )

    @extend_schema(
        summary="生成舆情日报（办公室；该日汇总时间过后；已有草稿则重新汇总为新版本）",
        request=DailyReportCreateSerializer,
        responses={201: ReportDetailSerializer, **ACTION_ERRORS},
        filters=False,
    )
    @action(detail=False, methods=["post"], url_path="daily", url_name="daily", filter_backends=[])
    def daily(self, request):
        return self._create(
            DailyReportCreateSerializer, lambda data: generate_daily_report(data["date"], actor=request.user)
        )

    @extend_schema(
        summary="生成周报、月报或季度通报（办公室；任一已结束的期间）",
        request=PeriodicReportCreateSerializer,
        responses={201: ReportDetailSerializer, **ACTION_ERRORS},
        filters=False,
        examples=[
            OpenApiExample(
                "上月月报", value={"kind": "monthly", "start": "2026-10-01", "regenerate": False}, request_only=True
            )
        ],
    )
    @action(detail=False, methods=["post"], url_path="periodic", url_name="periodic", filter_backends=[])
    def periodic(self, request):
        return self._create(
            PeriodicReportCreateSerializer,
            lambda data: periodic_reports.generate_periodic_report(
                data["kind"],
                periodic_reports.period_containing(data["kind"], data["start"]),
                actor=request.user,
                regenerate=data["regenerate"],
            ),
        )

    @extend_schema(
        summary="签发报告（办公室；通知报送对象；督报、风险提示函此时编号并起算时限）",
        request=None,
        responses={200: ReportDetailSerializer, **ACTION_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path="issue", url_name="issue", filter_backends=[])
    def issue(self, request, pk):
        if not self.get_queryset().filter(pk=pk).exists():
            raise exceptions.NotFound(REPORT_NOT_FOUND)
        return self._detail(services.issue_report(request.user, int(pk), ip=self.ip))


class DailySubmissionViewSet(ApiView, viewsets.GenericViewSet):
    """收集单位每日报送（每日 17 时前报送收集到的舆情信息，格式「标题+链接地址」）。办公室可见全部每日报送单位的
    报送情况（含未报送）；联络员只见本单位的。"""

    queryset = DailySubmission.objects.none()
    serializer_class = DailySubmissionStatusSerializer
    filter_backends = []
    query_parameters = ("date",)

    @extend_schema(
        summary="某日各每日报送单位的报送情况",
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, description="报送日期（默认今天）")],
        responses={200: DailySubmissionStatusSerializer(many=True), **READ_ERRORS},
    )
    def list(self, request):
        query = SubmissionDateSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        page = self.paginate_queryset(selectors.daily_submission_status(request.user, day))
        return self.get_paginated_response(DailySubmissionStatusSerializer(page, many=True, context={"date": day}).data)

    @extend_schema(
        summary="报送本单位今日收集的舆情信息（当日再次报送即更新，返回 200）",
        request=DailySubmissionCreateSerializer,
        responses={201: DailySubmissionSerializer, 200: DailySubmissionSerializer, **errors(400, 401, 403, 429)},
    )
    def create(self, request):
        data = self.input(DailySubmissionCreateSerializer)
        updating = DailySubmission.objects.filter(unit_id=data["unit"], date=timezone.localdate()).exists()
        submission = services.submit_daily_items(
            request.user, unit=data["unit"], content=data["content"], incidents=data["incidents"], ip=self.ip
        )
        code = status.HTTP_200_OK if updating else status.HTTP_201_CREATED
        return Response(DailySubmissionSerializer(submission).data, status=code)


def _form_errors(form):
    return {("non_field_errors" if name == "__all__" else name): messages for name, messages in form.errors.items()}


class AssessmentView(ApiView, APIView):
    """考核：各单位在统计期间的按时认领、反馈、回应率，延期、退回、指定认领、督报、通报批评次数，得分和全县排名。
    办公室和县领导可见全部单位；单位领导只见其分管单位（排名仍为全县排名）；其他角色 403。"""

    query_parameters = ("start", "end")

    @extend_schema(
        summary="各单位考核得分与排名",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True, description="起始日期"),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True, description="截止日期（含），期间最长三年"),
        ],
        responses={200: AssessmentSerializer, **errors(400, 401, 403, 429)},
    )
    def get(self, request):
        access = access_for(request.user)
        if not may_view_assessment(access):
            raise exceptions.PermissionDenied("仅办公室和领导可查看考核。")
        form = PeriodForm(request.query_params)
        if not form.is_valid():
            raise serializers.ValidationError(_form_errors(form))
        rows, weighting = visible_assessment(access, *form.period)
        data = {
            "start": form.cleaned_data["start"],
            "end": form.cleaned_data["end"],
            "weighting": weighting.name,
            "results": rows,
        }
        return Response(AssessmentSerializer(data).data)


class LedgerView(ApiView, APIView):
    """舆情台账（.xlsx）：期间内的舆情和转办单。办公室和县领导可下载全部单位；单位领导为其分管单位；联络员为本单位；
    其他角色 403。与网页「台账」同一规则。"""

    query_parameters = ("start", "end", "unit", "grade")

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)  # the file, or a JSON error

    @extend_schema(
        summary="下载舆情台账（.xlsx）",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="起始日期（默认本季度第一天）"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="截止日期（含；默认本季度最后一天），期间最长三年"),
            OpenApiParameter("unit", OpenApiTypes.INT, description="只含该单位（须在可见范围内，否则 404）"),
            OpenApiParameter(
                "grade", OpenApiTypes.STR, enum=["I", "II", "III", "IV", "none"], description="等级；none 为待研判"
            ),
        ],
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="台账 .xlsx 文件"),
            **errors(400, 401, 403, 404, 429),
        },
    )
    def get(self, request):
        allowed = ledger_unit_ids(request.user)  # 403 for a role without a ledger, as on the page
        query = {name: day.isoformat() for name, day in default_ledger_days().items()}
        query.update(
            {name: request.query_params[name] for name in self.query_parameters if name in request.query_params}
        )
        form = LedgerForm(query)
        if not form.is_valid():
            raise serializers.ValidationError(_form_errors(form))
        unit_id = form.cleaned_data["unit"]
        if unit_id is not None and not ledger_units(allowed).filter(pk=unit_id).exists():
            raise exceptions.NotFound("单位不存在或无权查看。")
        return ledger_response(request.user, form.cleaned_data, form.period, allowed)
