"""The follow-through over the API (issue 17): 会商研判 (002 第七条, 002 第九条), upward reports (000 三; 004 二(三)3)
and 市级交办 (000 三.2). Thin like incidents.api: reads through followup.selectors (whoever may see the incident sees
its records), every write is the pages' own service in followup.services."""

from typing import cast
from urllib.parse import quote

from django.contrib.auth.models import User
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.response import Response

from core.api.base import ACTION_ERRORS, READ_ERRORS, ApiView
from followup import selectors, services
from followup.models import JointReview, UpwardReport
from followup.serializers import (
    CityAssignmentCreateSerializer,
    CityAssignmentSerializer,
    CityDispatchSerializer,
    JointReviewCreateSerializer,
    JointReviewSerializer,
    ReportBackSerializer,
    UpwardReportCreateSerializer,
    UpwardReportSerializer,
)
from incidents.api.serializers import TicketSerializer
from incidents.models import Incident
from incidents.selectors import visible_incidents

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
INCIDENT_NOT_FOUND = "舆情不存在或无权查看。"
INCIDENT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="舆情 id")
DOCX_RESPONSE = {(200, DOCX): OpenApiResponse(OpenApiTypes.BINARY, description=".docx 文件"), **READ_ERRORS}


def _docx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = (
        f"attachment; filename=\"document.docx\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


class _FollowupView(ApiView, viewsets.GenericViewSet):
    # Routes are bound in yuqing/api_urls.py: under incidents/{id}/ the pk is the incident's.
    filter_backends: list = []
    downloads: tuple[str, ...] = ()

    @property
    def actor(self) -> User:
        return cast(User, self.request.user)  # IsAuthenticated: a signed-in user

    def incident(self) -> Incident:
        incident = visible_incidents(self.request.user).filter(pk=self.kwargs["pk"]).first()
        if incident is None:
            raise exceptions.NotFound(INCIDENT_NOT_FOUND)
        return incident

    def perform_content_negotiation(self, request, force=False):
        # A download answers with the file itself; its errors are JSON whatever the caller's Accept header asks.
        return super().perform_content_negotiation(request, force=force or self.action in self.downloads)


class JointReviewViewSet(_FollowupView):
    """会商研判：办公室对重大敏感舆情组织相关单位会商研判（002 第七条），记录参会单位和专家、性质趋势风险研判、处置意见和
    回应口径，生成会商纪要。关注度高的舆情经会商研判后5个工作日内回复，回复须引用会商研判（002 第九条）。
    可见范围同舆情；只有办公室可以登记。"""

    queryset = JointReview.objects.none()  # for the schema; requests use the selectors
    serializer_class = JointReviewSerializer
    downloads = ("document",)

    @extend_schema(
        summary="某舆情的会商研判列表（新的在前）",
        parameters=[INCIDENT_ID],
        responses={200: JointReviewSerializer(many=True), **READ_ERRORS},
    )
    def list(self, request, pk):
        page = self.paginate_queryset(selectors.joint_reviews(request.user, self.incident()))
        return self.get_paginated_response(JointReviewSerializer(page, many=True).data)

    @extend_schema(
        summary="登记会商研判（办公室；生成会商纪要，关注度高的舆情回应时限自会商起算，002 第九条）",
        parameters=[INCIDENT_ID],
        request=JointReviewCreateSerializer,
        responses={201: JointReviewSerializer, **ACTION_ERRORS},
    )
    def create(self, request, pk):
        incident = self.incident()
        data = self.input(JointReviewCreateSerializer)
        review = services.record_joint_review(self.actor, incident.pk, ip=self.ip, **data)
        return Response(JointReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="下载会商纪要（.docx）",
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="会商研判 id")],
        responses=DOCX_RESPONSE,
    )
    def document(self, request, pk):
        try:
            review = selectors.joint_review(request.user, int(pk))
        except JointReview.DoesNotExist:
            raise exceptions.NotFound("会商研判不存在或无权查看。") from None
        return _docx(bytes(review.document), f"会商纪要-{review.incident.number}.docx")


class UpwardReportViewSet(_FollowupView):
    """向上报送：属地在本区、责任主体不在本区的舆情报市委办公厅、市委网宣办（000 三），重要舆情报市委网信办
    （004 二(三)3）。专报作为上行文，由所选县领导或办公室领导签发。可见范围同舆情；只有办公室可以登记。"""

    queryset = UpwardReport.objects.none()
    serializer_class = UpwardReportSerializer
    downloads = ("document",)

    @extend_schema(
        summary="某舆情的向上报送列表（新的在前）",
        parameters=[INCIDENT_ID],
        responses={200: UpwardReportSerializer(many=True), **READ_ERRORS},
    )
    def list(self, request, pk):
        page = self.paginate_queryset(selectors.upward_reports(request.user, self.incident()))
        return self.get_paginated_response(UpwardReportSerializer(page, many=True).data)

    @extend_schema(
        summary="登记向上报送（办公室；生成专报，上行文注明签发人）",
        parameters=[INCIDENT_ID],
        request=UpwardReportCreateSerializer,
        responses={201: UpwardReportSerializer, **ACTION_ERRORS},
    )
    def create(self, request, pk):
        incident = self.incident()
        data = self.input(UpwardReportCreateSerializer)
        report = services.record_upward_report(self.actor, incident.pk, ip=self.ip, **data)
        return Response(UpwardReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="下载专报（.docx）",
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="向上报送 id")],
        responses=DOCX_RESPONSE,
    )
    def document(self, request, pk):
        try:
            report = selectors.upward_report(request.user, int(pk))
        except UpwardReport.DoesNotExist:
            raise exceptions.NotFound("向上报送不存在或无权查看。") from None
        return _docx(bytes(report.document), f"专报-{report.doc_number or report.incident.number}.docx")


class CityAssignmentViewSet(_FollowupView):
    """市级交办：接收市里交办的舆情（编号、市级反馈时限），按市级时限转办（明确时限，000 三.2），并按时向市里反馈
    （市级交办反馈时限，纳入督办）。可见范围同舆情；只有办公室可以登记。"""

    queryset = Incident.objects.none()
    serializer_class = CityAssignmentSerializer
    pagination_class = None

    @extend_schema(
        summary="某舆情的市级交办",
        parameters=[INCIDENT_ID],
        responses={200: CityAssignmentSerializer, **READ_ERRORS},
    )
    def retrieve(self, request, pk):
        assignment = selectors.city_assignment(request.user, self.incident())
        if assignment is None:
            raise exceptions.NotFound("该舆情没有市级交办。")
        return Response(CityAssignmentSerializer(assignment).data)

    @extend_schema(
        summary="接收市级交办（办公室；市级反馈时限开始计时）",
        parameters=[INCIDENT_ID],
        request=CityAssignmentCreateSerializer,
        responses={201: CityAssignmentSerializer, **ACTION_ERRORS},
    )
    def create(self, request, pk):
        incident = self.incident()
        data = self.input(CityAssignmentCreateSerializer)
        assignment = services.receive_city_assignment(self.actor, incident.pk, ip=self.ip, **data)
        return Response(CityAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="按市级时限转办（办公室；各转办单以市级反馈时限为明确时限，000 三.2）",
        parameters=[INCIDENT_ID],
        request=CityDispatchSerializer,
        responses={200: TicketSerializer(many=True), **ACTION_ERRORS},
    )
    def dispatch_units(self, request, pk):
        incident = self.incident()
        data = self.input(CityDispatchSerializer)
        tickets = services.dispatch_city_assignment(self.actor, incident.pk, ip=self.ip, **data)
        return Response(TicketSerializer(tickets, many=True).data)

    @extend_schema(
        summary="向市里反馈（办公室；满足市级交办反馈时限，逾期记为超时）",
        parameters=[INCIDENT_ID],
        request=ReportBackSerializer,
        responses={200: CityAssignmentSerializer, **ACTION_ERRORS},
    )
    def report_back(self, request, pk):
        incident = self.incident()
        data = self.input(ReportBackSerializer)
        assignment = services.report_back_to_city(self.actor, incident.pk, ip=self.ip, **data)
        return Response(CityAssignmentSerializer(assignment).data)
