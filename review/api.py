"""review/ over the API (issue 17): the office's 销号抽查 (draws, samples, verdicts; 000 四.3) and each unit's 舆情日志
(002 第八条) with its .xlsx/.docx downloads. Thin: reads through review.selectors, writes through review.services,
the same rules as the pages (review/views.py)."""

from typing import cast

from django.contrib.auth.models import User
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import ACTION_ERRORS, ApiView, errors
from core.export import content_disposition, xlsx_response
from org.access import access_for
from review import documents, selectors, services
from review.models import SpotCheckDraw
from review.serializers import (
    IncidentLogSerializer,
    LogQuerySerializer,
    SpotCheckDrawDetailSerializer,
    SpotCheckDrawSerializer,
    SpotCheckSerializer,
    VerdictSerializer,
)
from review.views import LOG_COLUMNS, OFFICE_ONLY

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFFICE_READ_ERRORS = errors(400, 401, 403, 404, 429)


class _OfficeOnly:
    """The spot checks are the supervising office's (000 四.3): anyone else is refused (403), as on the page."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]  # the APIView this mixes into
        if not access_for(request.user).is_office:
            raise exceptions.PermissionDenied(OFFICE_ONLY)


@extend_schema_view(
    list=extend_schema(
        summary="销号抽查批次列表（新的在前）",
        responses={200: SpotCheckDrawSerializer(many=True), **OFFICE_READ_ERRORS},
    ),
)
class SpotCheckDrawViewSet(_OfficeOnly, ApiView, mixins.ListModelMixin, viewsets.GenericViewSet):
    """销号抽查（000 四.3）：每期从上一期销号的舆情中随机抽取（抽查周期和件数由管理员设置，随机种子留存可复现并记入审计），
    由办公室复核。只有办公室可以查看和操作。"""

    queryset = SpotCheckDraw.objects.none()
    serializer_class = SpotCheckDrawSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.visible_draws(self.request.user).select_related("drawn_by")

    def _detail(self, draw):
        checks = list(selectors.draw_checks(self.request.user, draw))
        context = {"checks": checks, "titles": selectors.check_titles(self.request.user, checks)}
        return Response(SpotCheckDrawDetailSerializer(draw, context=context).data)

    @extend_schema(
        summary="销号抽查批次及抽中的舆情", responses={200: SpotCheckDrawDetailSerializer, **OFFICE_READ_ERRORS}
    )
    def retrieve(self, request, pk):
        draw = self.get_queryset().filter(pk=pk).first()
        if draw is None:
            raise exceptions.NotFound("抽查批次不存在。")
        return self._detail(draw)

    @extend_schema(
        summary="抽取上一期的销号抽查样本（办公室；每期只抽一次，已抽取则返回该期样本）",
        request=None,
        responses={200: SpotCheckDrawDetailSerializer, **ACTION_ERRORS},
    )
    def create(self, request):
        return self._detail(services.draw_spot_checks(cast(User, request.user)))


class SpotCheckViewSet(_OfficeOnly, ApiView, viewsets.GenericViewSet):
    """抽中的一件已销号舆情的复核（000 四.3）：虚假反馈、反馈不及时记通报批评（计入考核），问题未解决的重新打开。"""

    queryset = SpotCheckDraw.objects.none()
    serializer_class = SpotCheckSerializer
    filter_backends: list = []

    @extend_schema(
        summary="记录复核结论（办公室；每件只复核一次）",
        request=VerdictSerializer,
        responses={200: SpotCheckSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="verdict", url_name="verdict", filter_backends=[])
    def verdict(self, request, pk):
        if not selectors.visible_checks(request.user).filter(pk=pk).exists():
            raise exceptions.NotFound("抽查记录不存在。")
        data = self.input(VerdictSerializer)
        services.record_verdict(cast(User, request.user), int(pk), ip=self.ip, **data)
        check = selectors.visible_checks(request.user).select_related("checked_by").get(pk=pk)
        titles = selectors.check_titles(request.user, [check])
        return Response(SpotCheckSerializer(check, context={"titles": titles}).data)


LOG_PARAMETERS = [
    OpenApiParameter("unit", OpenApiTypes.INT, description="单位 id（默认可查看的第一个单位；不在可查看范围内则 404）"),
    OpenApiParameter("start", OpenApiTypes.DATE, description="起始日期（含）"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="截止日期（含）"),
]


class _LogView(ApiView, APIView):
    query_parameters: tuple[str, ...] = ("unit", "start", "end")

    def log(self, request):
        """(unit, start, end, rows) for the query, with the page's rules: the units the reader may read."""
        units = selectors.log_units(request.user)
        if not units.exists():
            raise exceptions.PermissionDenied("没有可查看的舆情日志。")
        query = LogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise serializers.ValidationError({"start": ["起始日期不能晚于截止日期。"]})
        unit = units.filter(pk=data["unit"]).first() if "unit" in data else units.first()
        if unit is None:
            raise exceptions.NotFound("单位不存在或无权查看。")
        return unit, start, end, selectors.incident_log(request.user, unit, start=start, end=end)


class IncidentLogView(_LogView):
    """舆情日志（002 第八条）：某单位承办的每件舆情（转办、认领、反馈、销号时间及是否按时）。办公室和县领导可查看全部
    单位，其他人本单位（领导为其分管单位）；未获授权的敏感舆情只显示「敏感舆情」。"""

    @extend_schema(
        summary="某单位的舆情日志",
        parameters=LOG_PARAMETERS,
        responses={200: IncidentLogSerializer, **OFFICE_READ_ERRORS},
    )
    def get(self, request):
        unit, start, end, rows = self.log(request)
        data = {"unit": unit.pk, "unit_name": unit.name, "start": start, "end": end, "rows": rows}
        return Response(IncidentLogSerializer(data).data)


class IncidentLogDownloadView(_LogView):
    """舆情日志（002 第八条）的 .xlsx 或 .docx 文件，与网页导出相同。"""

    query_parameters = ("unit", "start", "end", "type")

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)  # the file, or a JSON error

    @extend_schema(
        summary="下载某单位的舆情日志（.xlsx 或 .docx）",
        parameters=[
            *LOG_PARAMETERS,
            OpenApiParameter("type", OpenApiTypes.STR, enum=["xlsx", "docx"], description="文件类型（默认 xlsx）"),
        ],
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="舆情日志 .xlsx"),
            (200, DOCX): OpenApiResponse(OpenApiTypes.BINARY, description="舆情日志 .docx"),
            **OFFICE_READ_ERRORS,
        },
    )
    def get(self, request):
        kind = request.query_params.get("type", "xlsx")
        if kind not in ("xlsx", "docx"):
            raise serializers.ValidationError({"type": ["文件类型须为 xlsx 或 docx。"]})
        unit, start, end, rows = self.log(request)
        if kind == "xlsx":
            values = [documents.row_values(row) for row in rows]
            return xlsx_response(values, LOG_COLUMNS, f"{unit.name}舆情日志.xlsx", sheet_title="舆情日志")
        period = f"{start or '最早'} 至 {end or '今'}"
        response = HttpResponse(documents.log_docx(unit.name, period, rows), content_type=DOCX)
        response["Content-Disposition"] = content_disposition(f"{unit.name}舆情日志.docx").replace(
            "export.xlsx", "export.docx"
        )
        return response
