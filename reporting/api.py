"""Reports, units' daily submissions and the assessment over the API, for other government systems that pull
documents and figures (issue 4 contract: "GET /api/reports/… once reporting lands"). Thin like incidents.api:
who sees which report is reporting.selectors.visible_reports, the downloads are the browser's
(version_views), submissions go through reporting.services, the assessment through the page's own rule."""

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import READ_ERRORS, ApiView, errors
from core.api.filters import DateTimeFilter, IdFilter
from core.http import client_ip
from org.access import access_for
from org.models import Unit
from reporting import selectors, services
from reporting.assessment_views import may_view_assessment, visible_assessment
from reporting.models import DailySubmission, Report, ReportVersion
from reporting.period_forms import PeriodForm
from reporting.serializers import (
    AssessmentSerializer,
    DailySubmissionCreateSerializer,
    DailySubmissionSerializer,
    DailySubmissionStatusSerializer,
    ReportDetailSerializer,
    ReportSerializer,
    SubmissionDateSerializer,
)
from reporting.version_views import DOCX_CONTENT_TYPE, version_file_response

REPORT_NOT_FOUND = "报告不存在或无权查看。"


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

    def perform_content_negotiation(self, request, force=False):
        # The download answers with the file itself; its errors are JSON whatever the caller's Accept header asks.
        return super().perform_content_negotiation(request, force=force or self.action == "download")

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


class DailySubmissionViewSet(ApiView, viewsets.GenericViewSet):
    """收集单位每日报送（每日 17 时前报送收集到的舆情信息，格式「标题+链接地址」）。办公室可见全部每日报送单位的
    报送情况（含未报送）；联络员只见本单位的。"""

    queryset = DailySubmission.objects.none()
    serializer_class = DailySubmissionStatusSerializer
    filter_backends = []

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
