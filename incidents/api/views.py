"""The REST API (issue 4). Thin: every read goes through incidents.selectors (deadlines.selectors for deadlines
and extension requests) and every write through incidents.services (deadlines.services), the same ones the
browser uses, so visibility and workflow rules hold identically. Errors are shaped in api_errors; lists are cut
in api_filters; deadlines and extension decisions live in api_deadlines."""

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

if TYPE_CHECKING:  # the stubs' own aliases for what DRF accepts in these attributes
    pass

from core.api.base import ACTION_ERRORS, READ_ERRORS, ApiView, VisibleObjectMixin, errors
from core.api.parsers import StrictJSONParser, StrictMultiPartParser
from deadlines import selectors as monitoring_selectors
from deadlines import services as monitoring_services
from incidents import selectors, services
from incidents.api.filters import BoundedCountPagination, IncidentFilter, TicketFilter, UnitFilter
from incidents.api.serializers import (
    EXTENSION_REQUEST_RELATED,
    AssignSerializer,
    AuditEventSerializer,
    CloseSerializer,
    DispatchSerializer,
    ExtensionRequestCreateSerializer,
    ExtensionRequestSerializer,
    FeedbackCreateSerializer,
    FeedbackSerializer,
    FeedbackUploadSerializer,
    GradeSerializer,
    GrantSerializer,
    HistoricalSerializer,
    IncidentCreateSerializer,
    IncidentDetailSerializer,
    IncidentSerializer,
    LeaderReportCreateSerializer,
    LeaderReportSerializer,
    MergeSerializer,
    ReasonSerializer,
    ReplyCreateSerializer,
    ReplyDraftCreateSerializer,
    ReplyDraftSerializer,
    ReplySerializer,
    SendBackSerializer,
    TicketSerializer,
    UnitSerializer,
)
from incidents.models import Incident, Ticket
from org.models import Unit

# --- Incidents -----------------------------------------------------------------------------------


def _incident_action(request_serializer, summary, response=IncidentSerializer, example=None):
    examples = [OpenApiExample(summary.split("（")[0], value=example, request_only=True)] if example else []
    return extend_schema(
        request=request_serializer,
        responses={200: response, **ACTION_ERRORS},
        summary=summary,
        filters=False,
        examples=examples,
    )


@extend_schema_view(
    list=extend_schema(summary="舆情列表", responses={200: IncidentSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(
        summary="舆情详情（敏感舆情的每次查阅均记入审计）", responses={200: IncidentDetailSerializer, **READ_ERRORS}
    ),
)
class IncidentViewSet(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet):
    """舆情。只返回调用者可见的舆情：办公室可见全部，联络员可见本单位有转办单的舆情，领导可见其分管单位的；
    敏感舆情仅报送人及被授权人可见。"""

    queryset = Incident.objects.none()  # for the schema's id type; requests use get_queryset()
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    pagination_class = BoundedCountPagination
    ordering_fields = ["reported_at", "first_seen_at", "grade", "status", "views", "id"]
    ordering = ["-reported_at", "-id"]

    def get_queryset(self):
        return selectors.visible_incidents(self.request.user).select_related("subject_unit")

    def _visible(self, pk):
        incident = self.get_queryset().filter(pk=pk).first()
        if incident is None:
            raise exceptions.NotFound("舆情不存在或无权查看。")
        return incident

    def retrieve(self, request, pk):
        try:
            incident = selectors.incident_detail(request.user, pk, ip=self.ip)
        except Incident.DoesNotExist:
            raise exceptions.NotFound("舆情不存在或无权查看。") from None
        return Response(IncidentDetailSerializer(incident).data)

    @extend_schema(
        summary="报送舆情（带 external_id 时幂等：重复报送返回已有舆情 200）",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer, 200: IncidentSerializer, **errors(400, 401, 403, 409, 422, 429)},
        examples=[
            OpenApiExample(
                "监测平台推送",
                value={
                    "title": "网传某小学食堂饭菜变质，家长群热议",
                    "summary": "多名家长在微信群反映学生腹痛",
                    "category": "livelihood",
                    "external_id": "weibo:4987654321",
                    "links": [{"platform": "微博", "url": "https://weibo.com/1234567890/Abcdef"}],
                },
                request_only=True,
            )
        ],
    )
    def create(self, request):
        data = dict(self.input(IncidentCreateSerializer))
        external_id = data.pop("external_id")
        links = [{"platform": link["platform"], "url": link["url"]} for link in data.pop("links")]
        if external_id:
            incident, created = services.report_incident_once(
                request.user, external_id=external_id, links=links, ip=self.ip, **data
            )
            if not created:
                selectors.record_confidential_read(request.user, incident, ip=self.ip)
        else:
            incident, created = services.report_incident(request.user, links=links, ip=self.ip, **data), True
        return Response(
            IncidentSerializer(incident).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @_incident_action(
        GradeSerializer, "研判定级 / 调整等级", example={"grade": "III", "reason": "涉及学生健康，转发量较大"}
    )
    @action(detail=True, methods=["post"])
    def grade(self, request, pk):
        self._visible(pk)
        data = self.input(GradeSerializer)
        services.grade_incident(
            request.user,
            int(pk),
            grade=data["grade"],
            reason=data["reason"],
            is_historical=data["is_historical"],
            ip=self.ip,
        )
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(HistoricalSerializer, "认定或取消历史遗留问题（办公室；重算在办时限并通知责任单位，002 第八条）")
    @action(detail=True, methods=["post"])
    def historical(self, request, pk):
        self._visible(pk)
        data = self.input(HistoricalSerializer)
        services.set_historical(
            request.user, int(pk), is_historical=data["is_historical"], reason=data["reason"], ip=self.ip
        )
        return Response(IncidentSerializer(self._visible(pk)).data)

    @extend_schema(
        methods=["GET"],
        summary="报告领导记录",
        filters=False,
        responses={200: LeaderReportSerializer(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        filters=False,
        request=LeaderReportCreateSerializer,
        summary="登记报告领导（办公室或主办单位联络员；满足报告领导时限，002 第八条 2 小时、001 #4 第十三条 30 分钟）",
        responses={201: LeaderReportSerializer, **ACTION_ERRORS},
    )
    @action(
        detail=True, methods=["get", "post"], url_path="leader-reports", url_name="leader-reports", filter_backends=[]
    )
    def leader_reports(self, request, pk):
        incident = self._visible(pk)
        if request.method == "POST":
            data = self.input(LeaderReportCreateSerializer)
            report = services.record_leader_report(
                request.user,
                incident.pk,
                channel=data["channel"],
                reported_to=data["reported_to"],
                note=data["note"],
                reported_at=data["reported_at"],
                ip=self.ip,
            )
            return Response(LeaderReportSerializer(report).data, status=status.HTTP_201_CREATED)
        reports = selectors.visible_leader_reports(request.user).filter(incident=incident).order_by("reported_at", "id")
        page = self.paginate_queryset(reports)
        return self.get_paginated_response(LeaderReportSerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="已发布的回应",
        filters=False,
        responses={200: ReplySerializer(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        filters=False,
        request=ReplyCreateSerializer,
        summary="登记办公室发布的回应（新闻通稿、新闻发布会、官方回应；满足回应时限）",
        responses={201: ReplySerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], url_path="replies", url_name="replies", filter_backends=[])
    def replies(self, request, pk):
        incident = self._visible(pk)
        if request.method == "POST":
            data = self.input(ReplyCreateSerializer)
            reply = services.publish_reply(
                request.user,
                incident.pk,
                kind=data["kind"],
                channel=data["channel"],
                content=data["content"],
                url=data["url"],
                published_at=data["published_at"],
                ip=self.ip,
            )
            return Response(ReplySerializer(reply).data, status=status.HTTP_201_CREATED)
        replies = selectors.visible_replies(request.user).filter(incident=incident).order_by("published_at", "id")
        page = self.paginate_queryset(replies)
        return self.get_paginated_response(ReplySerializer(page, many=True).data)

    @_incident_action(
        DispatchSerializer,
        "转办（每个责任单位一张转办单，须有且只有一个主办）",
        example={
            "tickets": [{"unit": 12, "role": "lead"}, {"unit": 15, "role": "assist"}],
            "instructions": "请教育局牵头核实，卫健委协助",
        },
    )
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_(self, request, pk):  # not "dispatch": that name is the view's request entry point
        self._visible(pk)
        data = self.input(DispatchSerializer)
        units = Unit.objects.in_bulk([a["unit"] for a in data["tickets"]])
        # An unknown unit id reaches the service as None and is refused there with the usual message.
        assignments = [(units.get(a["unit"]), a["role"]) for a in data["tickets"]]
        services.dispatch_incident(
            request.user,
            int(pk),
            assignments=assignments,
            due_at=data["due_at"],
            instructions=data["instructions"],
            ip=self.ip,
        )
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(ReasonSerializer, "不予处置")
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk):
        self._visible(pk)
        data = self.input(ReasonSerializer)
        services.dismiss_incident(request.user, int(pk), reason=data["reason"], ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(MergeSerializer, "合并重复舆情")
    @action(detail=True, methods=["post"])
    def merge(self, request, pk):
        self._visible(pk)
        data = self.input(MergeSerializer)
        services.merge_incident(request.user, int(pk), into=data["into"], reason=data["reason"], ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(CloseSerializer, "审核销号", example={"opinion": "核查属实，整改到位，同意销号"})
    @action(detail=True, methods=["post"])
    def close(self, request, pk):
        self._visible(pk)
        data = self.input(CloseSerializer)
        services.close_incident(request.user, int(pk), opinion=data["opinion"], ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(SendBackSerializer, "退回重办（可附领导批示时限）")
    @action(detail=True, methods=["post"], url_path="send-back", url_name="send-back")
    def send_back(self, request, pk):
        self._visible(pk)
        data = self.input(SendBackSerializer)
        services.send_back_incident(request.user, int(pk), reason=data["reason"], due_at=data["due_at"], ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(ReasonSerializer, "舆情反复，重新研判")
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk):
        self._visible(pk)
        data = self.input(ReasonSerializer)
        services.reopen_incident(request.user, int(pk), reason=data["reason"], ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(GrantSerializer, "授权查阅敏感舆情（办公室）")
    @action(detail=True, methods=["post"], url_path="grant-access", url_name="grant-access")
    def grant_access(self, request, pk):
        self._visible(pk)
        data = self.input(GrantSerializer)
        user = get_user_model().objects.filter(pk=data["user"]).first()
        services.grant_confidential_access(request.user, int(pk), user=user, ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @_incident_action(GrantSerializer, "撤销查阅敏感舆情的授权（办公室）")
    @action(detail=True, methods=["post"], url_path="revoke-access", url_name="revoke-access")
    def revoke_access(self, request, pk):
        self._visible(pk)
        data = self.input(GrantSerializer)
        user = get_user_model().objects.filter(pk=data["user"]).first()
        services.revoke_confidential_access(request.user, int(pk), user=user, ip=self.ip)
        return Response(IncidentSerializer(self._visible(pk)).data)

    @extend_schema(
        summary="处置时间线（审计记录；只含本人可见的转办单的记录）",
        responses={200: AuditEventSerializer(many=True), **READ_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def audit(self, request, pk):
        incident = self._visible(pk)
        selectors.record_confidential_read(request.user, incident, ip=self.ip)
        page = self.paginate_queryset(selectors.timeline(request.user, incident))
        return self.get_paginated_response(AuditEventSerializer(page, many=True).data)


# --- Tickets --------------------------------------------------------------------------------------


def _ticket_action(request_serializer, summary, response=TicketSerializer, code=200):
    return extend_schema(
        request=request_serializer, responses={code: response, **ACTION_ERRORS}, summary=summary, filters=False
    )


@extend_schema_view(
    list=extend_schema(summary="转办单列表", responses={200: TicketSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="转办单详情", responses={200: TicketSerializer, **READ_ERRORS}),
)
class TicketViewSet(
    VisibleObjectMixin, ApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """转办单。联络员只见本单位的转办单，领导见其分管单位的，办公室见全部。"""

    queryset = Ticket.objects.none()  # for the schema's id type; requests use get_queryset()
    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    pagination_class = BoundedCountPagination
    ordering_fields = ["dispatched_at", "due_at", "status", "id"]
    ordering = ["-dispatched_at", "-id"]

    def get_queryset(self):
        return selectors.visible_tickets(self.request.user).select_related("incident", "unit")

    not_found_detail = "转办单不存在或无权查看。"

    def _done(self):
        return Response(TicketSerializer(self.get_object()).data)

    @_ticket_action(None, "认领")
    @action(detail=True, methods=["post"])
    def claim(self, request, pk):
        self.get_object()
        services.claim_ticket(request.user, int(pk), ip=self.ip)
        return self._done()

    @_ticket_action(ReasonSerializer, "退回（不属于本单位职责）")
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk):
        self.get_object()
        data = self.input(ReasonSerializer)
        services.return_ticket(request.user, int(pk), reason=data["reason"], ip=self.ip)
        return self._done()

    @extend_schema(
        # JSON, or multipart/form-data with the attachments (`files`, repeated): checked by content like on the page.
        request={"application/json": FeedbackCreateSerializer, "multipart/form-data": FeedbackUploadSerializer},
        responses={201: FeedbackSerializer, **ACTION_ERRORS},
        summary="报送进展 / 提交反馈（可附附件：multipart/form-data 的 files 字段）",
        filters=False,
        examples=[
            OpenApiExample(
                "核实调查报告",
                value={"kind": "report", "content": "经核查，反映情况基本属实，已责成学校整改。"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"], parser_classes=[StrictJSONParser, StrictMultiPartParser])
    def feedback(self, request, pk):
        self.get_object()
        multipart = (request.content_type or "").startswith("multipart/")
        data = self.input(FeedbackUploadSerializer if multipart else FeedbackCreateSerializer)
        feedback = services.submit_feedback(
            request.user,
            int(pk),
            kind=data["kind"],
            content=data["content"],
            files=data.get("files", []),
            promised_at=data["promised_at"],
            ip=self.ip,
        )
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)

    @_ticket_action(AssignSerializer, "指定认领（办公室）")
    @action(detail=True, methods=["post"])
    def assign(self, request, pk):
        self.get_object()
        data = self.input(AssignSerializer)
        assignee = get_user_model().objects.filter(pk=data["assignee"]).first()
        services.assign_ticket(request.user, int(pk), assignee=assignee, reason=data["reason"], ip=self.ip)
        return self._done()

    @extend_schema(
        methods=["GET"],
        summary="本转办单的延期申请",
        filters=False,
        responses={200: ExtensionRequestSerializer(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="申请延期（本单位联络员，认领后 3 个工作日内书面申请）",
        filters=False,
        request=ExtensionRequestCreateSerializer,
        responses={201: ExtensionRequestSerializer, **ACTION_ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="extension-requests",
        url_name="extension-requests",
        filter_backends=[],
    )
    def extension_requests(self, request, pk):
        ticket = self.get_object()
        requests = monitoring_selectors.visible_extension_requests(request.user).select_related(
            *EXTENSION_REQUEST_RELATED
        )
        if request.method == "POST":
            data = self.input(ExtensionRequestCreateSerializer)
            created = monitoring_services.request_extension(
                request.user, ticket.pk, requested_due_at=data["requested_due_at"], reason=data["reason"], ip=self.ip
            )
            return Response(
                ExtensionRequestSerializer(requests.get(pk=created.pk)).data, status=status.HTTP_201_CREATED
            )
        page = self.paginate_queryset(requests.filter(ticket=ticket).order_by("-requested_at", "-id"))
        return self.get_paginated_response(ExtensionRequestSerializer(page, many=True).data)

    @_ticket_action(
        ReplyDraftCreateSerializer, "拟写回应稿（本单位联络员；报审定后发布）", response=ReplyDraftSerializer, code=201
    )
    @action(detail=True, methods=["post"], url_path="reply-drafts", url_name="reply-drafts")
    def reply_drafts(self, request, pk):
        self.get_object()
        data = self.input(ReplyDraftCreateSerializer)
        draft = services.draft_reply(
            request.user,
            int(pk),
            kind=data["kind"],
            channel=data["channel"],
            content=data["content"],
            url=data["url"],
            ip=self.ip,
        )
        return Response(ReplyDraftSerializer(draft).data, status=status.HTTP_201_CREATED)


# --- Units and sign-in ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="单位列表（转办时选择责任单位）", responses={200: UnitSerializer(many=True), **READ_ERRORS}
    )
)
class UnitViewSet(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet):
    """启用中的单位。"""

    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    ordering_fields = ["path", "sort_order", "name", "id"]
    ordering = ["path", "id"]
    queryset = Unit.objects.filter(is_active=True)
