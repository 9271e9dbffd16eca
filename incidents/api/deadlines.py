"""The deadline engine over the API (issue 4): deadlines, and the office's decisions on extension requests.
Thin like incidents.api: reads through deadlines.selectors (the same visibility as tickets), writes through
deadlines.services. Asking for an extension is an action of the ticket (TicketViewSet.extension_requests)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.base import ACTION_ERRORS, READ_ERRORS, ApiView, VisibleObjectMixin
from deadlines import selectors as monitoring_selectors
from deadlines import services as monitoring_services
from deadlines.models import Deadline, ExtensionRequest
from incidents.api.filters import DeadlineFilter, ExtensionRequestFilter
from incidents.api.serializers import (
    EXTENSION_REQUEST_RELATED,
    DeadlineSerializer,
    ExtensionApproveSerializer,
    ExtensionRejectSerializer,
    ExtensionRequestSerializer,
)


def _decision(request_serializer, summary):
    return extend_schema(
        request=request_serializer,
        responses={200: ExtensionRequestSerializer, **ACTION_ERRORS},
        summary=summary,
        filters=False,
    )


@extend_schema_view(
    list=extend_schema(summary="延期申请列表", responses={200: ExtensionRequestSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="延期申请详情", responses={200: ExtensionRequestSerializer, **READ_ERRORS}),
)
class ExtensionRequestViewSet(
    VisibleObjectMixin, ApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """延期申请。办公室审批；联络员只见本单位的申请，领导见其分管单位的，办公室见全部。"""

    queryset = ExtensionRequest.objects.none()  # for the schema's id type; requests use get_queryset()
    serializer_class = ExtensionRequestSerializer
    filterset_class = ExtensionRequestFilter
    ordering_fields = ["requested_at", "requested_due_at", "decided_at", "id"]
    ordering = ["-requested_at", "-id"]

    def get_queryset(self):
        return monitoring_selectors.visible_extension_requests(self.request.user).select_related(
            *EXTENSION_REQUEST_RELATED
        )

    not_found_detail = "延期申请不存在或无权查看。"

    def _done(self):
        return Response(ExtensionRequestSerializer(self.get_object()).data)

    @_decision(ExtensionApproveSerializer, "批准延期（办公室；原时限留档，新时限重新提醒和督办）")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        self.get_object()
        data = self.input(ExtensionApproveSerializer)
        monitoring_services.approve_extension(
            request.user, int(pk), note=data["note"], due_at=data["due_at"], ip=self.ip
        )
        return self._done()

    @_decision(ExtensionRejectSerializer, "驳回延期申请（办公室；原时限不变）")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk):
        self.get_object()
        data = self.input(ExtensionRejectSerializer)
        monitoring_services.reject_extension(request.user, int(pk), note=data["note"], ip=self.ip)
        return self._done()


@extend_schema_view(
    list=extend_schema(
        summary="时限列表（默认按到期时间排序）", responses={200: DeadlineSerializer(many=True), **READ_ERRORS}
    ),
    retrieve=extend_schema(summary="时限详情", responses={200: DeadlineSerializer, **READ_ERRORS}),
)
class DeadlineViewSet(
    VisibleObjectMixin, ApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """时限（认领、报告领导、办理反馈、核实调查报告、回应等）。办公室和县领导见全部；联络员、单位领导只见本单位
    （分管单位）转办单的时限；敏感舆情的时限仅对有权查阅者可见。延期后原时限保留（状态「已延期」）。"""

    queryset = Deadline.objects.none()  # for the schema's id type; requests use get_queryset()
    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilter
    ordering_fields = ["due_at", "started_at", "original_due_at", "id"]
    ordering = ["due_at", "id"]

    def get_queryset(self):
        return monitoring_selectors.visible_deadlines(self.request.user).select_related("unit")

    not_found_detail = "时限不存在或无权查看。"
