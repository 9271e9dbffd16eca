"""Reply drafts over the API (issue 5): listed and read like their ticket, decided by the approver the grade
requires. Thin like incidents.api: reads through incidents.selectors, writes through incidents.services.replies.
Drafting is an action of the ticket (TicketViewSet.reply_drafts)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.base import ACTION_ERRORS, READ_ERRORS, ApiView, VisibleObjectMixin
from core.api.filters import MAX_ID
from incidents import selectors, services
from incidents.api.filters import ReplyDraftFilter
from incidents.api.serializers import (
    REPLY_DRAFT_RELATED,
    ReplyApproveSerializer,
    ReplyDraftSerializer,
    ReplySendBackSerializer,
)
from incidents.models import ReplyDraft


class ReplyApproveCitingSerializer(ReplyApproveSerializer):
    review = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="所依据的会商研判 id（关注度高的舆情须经会商研判后回复，002 第九条；不填则引用回应前最近一次会商研判，"
        "没有会商研判时答复 400，code 为 joint_review_required）",
    )


def _decision(request_serializer, summary):
    return extend_schema(
        request=request_serializer,
        responses={200: ReplyDraftSerializer, **ACTION_ERRORS},
        summary=summary,
        filters=False,
    )


@extend_schema_view(
    list=extend_schema(summary="回应稿列表", responses={200: ReplyDraftSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(summary="回应稿详情", responses={200: ReplyDraftSerializer, **READ_ERRORS}),
)
class ReplyDraftViewSet(
    VisibleObjectMixin, ApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """回应稿（回应待审定）。可见范围同转办单：联络员只见本单位的，领导见其分管单位的，办公室见全部。
    一般/较大舆情由单位领导审定，重大/特别重大由办公室会商审定或县领导审定（按等级设置，可由管理员调整）。"""

    queryset = ReplyDraft.objects.none()  # for the schema's id type; requests use get_queryset()
    serializer_class = ReplyDraftSerializer
    filterset_class = ReplyDraftFilter
    ordering_fields = ["drafted_at", "decided_at", "id"]
    ordering = ["-drafted_at", "-id"]

    def get_queryset(self):
        return selectors.visible_reply_drafts(self.request.user).select_related(*REPLY_DRAFT_RELATED)

    not_found_detail = "回应稿不存在或无权查看。"

    def _done(self):
        return Response(ReplyDraftSerializer(self.get_object()).data)

    @_decision(ReplyApproveCitingSerializer, "审定并发布回应（记入回应时限；关注度高的须引用会商研判，002 第九条）")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk):
        self.get_object()
        data = self.input(ReplyApproveCitingSerializer)
        services.approve_reply(request.user, int(pk), note=data["note"], cite=data["review"], ip=self.ip)
        return self._done()

    @_decision(ReplySendBackSerializer, "退回修改并下达批示（可设办理时限，纳入督办）")
    @action(detail=True, methods=["post"], url_path="send-back", url_name="send-back")
    def send_back(self, request, pk):
        self.get_object()
        data = self.input(ReplySendBackSerializer)
        services.send_back_reply(
            request.user, int(pk), instruction=data["instruction"], due_at=data["due_at"], ip=self.ip
        )
        return self._done()
