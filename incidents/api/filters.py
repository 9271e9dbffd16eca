"""How API lists are cut: filters (django-filter), a stable order, and pages whose count is bounded."""

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework.response import Response

from core.api.filters import ApiPagination, DateTimeFilter, IdFilter
from deadlines.models import Deadline, DeadlineKind, ExtensionRequest
from incidents import paging, search, selectors
from incidents.models import Category, Grade, TicketRole
from incidents.workflow import IncidentStatus, ReplyDraftState, TicketStatus
from org.models import Unit


@extend_schema_field(OpenApiTypes.INT)
class UnitChoiceFilter(filters.ModelChoiceFilter):
    """A unit id (units are public: GET /api/units/)."""


class IncidentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=IncidentStatus.choices, label="状态")
    grade = filters.ChoiceFilter(choices=Grade.choices, label="等级")
    category = filters.ChoiceFilter(choices=Category.choices, label="类别")
    unit = UnitChoiceFilter(queryset=Unit.objects.all(), method="filter_unit", label="责任单位或属地单位")
    reported_after = DateTimeFilter(field_name="reported_at", lookup_expr="gte", label="报送时间不早于")
    reported_before = DateTimeFilter(field_name="reported_at", lookup_expr="lt", label="报送时间早于")
    is_confidential = filters.BooleanFilter(label="敏感")
    external_id = filters.CharFilter(label="外部编号")
    q = filters.CharFilter(
        method="filter_text",
        max_length=search.MAX_QUERY_CHARS,
        label="搜索：编号、标题、摘要、来源链接、单位名称（与舆情列表的搜索框相同）",
    )

    def filter_unit(self, queryset, name, unit):
        return queryset.filter(selectors.subject_unit_or_dispatched_to(unit.pk))

    def filter_text(self, queryset, name, value):
        # The list page's search (incidents/search.py): indexed terms, the newest items first, a bounded count.
        # A substring scan of every title and summary read all 1M rows for a rare word (issue 16).
        return search.apply(queryset, search.parse(value))


class TicketFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=TicketStatus.choices, label="状态")
    role = filters.ChoiceFilter(choices=TicketRole.choices, label="承办类型")
    unit = filters.ModelChoiceFilter(queryset=Unit.objects.all(), label="责任单位")
    incident = IdFilter(field_name="incident_id", label="舆情 id")
    dispatched_after = DateTimeFilter(field_name="dispatched_at", lookup_expr="gte", label="转办时间不早于")
    dispatched_before = DateTimeFilter(field_name="dispatched_at", lookup_expr="lt", label="转办时间早于")
    due_after = DateTimeFilter(field_name="due_at", lookup_expr="gte", label="指定时限不早于")
    due_before = DateTimeFilter(field_name="due_at", lookup_expr="lt", label="指定时限早于")


class UnitFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Unit.Kind.choices, label="类型")
    is_office = filters.BooleanFilter(label="舆情办公室")
    parent = IdFilter(field_name="parent_id", label="上级单位 id")


class DeadlineFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=Deadline.State.choices, label="状态")
    kind = filters.ChoiceFilter(choices=DeadlineKind.choices, label="时限类型")
    unit = filters.ModelChoiceFilter(queryset=Unit.objects.all(), label="责任单位")
    incident = IdFilter(field_name="incident_id", label="舆情 id")
    ticket = IdFilter(field_name="ticket_id", label="转办单 id")
    due_after = DateTimeFilter(field_name="due_at", lookup_expr="gte", label="到期时间不早于")
    due_before = DateTimeFilter(field_name="due_at", lookup_expr="lt", label="到期时间早于")


class ExtensionRequestFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=ExtensionRequest.State.choices, label="状态")
    unit = filters.ModelChoiceFilter(field_name="ticket__unit", queryset=Unit.objects.all(), label="申请单位")
    ticket = IdFilter(field_name="ticket_id", label="转办单 id")
    incident = IdFilter(field_name="ticket__incident_id", label="舆情 id")


class ReplyDraftFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=ReplyDraftState.choices, label="状态")
    unit = filters.ModelChoiceFilter(field_name="ticket__unit", queryset=Unit.objects.all(), label="拟稿单位")
    ticket = IdFilter(field_name="ticket_id", label="转办单 id")
    incident = IdFilter(field_name="incident_id", label="舆情 id")


class BoundedCountPagination(ApiPagination):
    """Pages of the big lists (舆情, 转办单; issue 16): the page's rows plus one tell whether a next page exists, and
    `count` is exact up to 1000 rows, else 1000 with `count_exact: false`, so a page costs the same at a million rows
    as at a thousand. `next` is given whenever more rows follow, past 1000 too: a client reads every page by
    following `next`, not by dividing `count`."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param) or "1"
        if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 10**9:
            raise exceptions.NotFound("页码无效。")
        number = int(raw)
        rows, more = paging.rows_and_next(queryset, number, size)
        if not rows and number > 1:
            raise exceptions.NotFound("页码超过末页。")
        count, exact = paging.page_count(queryset, number, size, rows, more)
        self.page = paging.BoundedPage(rows, number, paging.BoundedPaginator(count, exact, size), more)
        return rows

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_exact": self.page.paginator.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        properties = response["properties"]
        properties["count"] = {
            "type": "integer",
            "example": 123,
            "description": f"总条数；超过 {paging.COUNT_CAP} 条时为 {paging.COUNT_CAP}（count_exact 为 false）。"
            "取全部数据请沿 next 翻页，不要用 count 推算页数。",
        }
        properties["count_exact"] = {
            "type": "boolean",
            "description": f"count 是否为精确总数：超过 {paging.COUNT_CAP} 条时为 false（只计到 {paging.COUNT_CAP}）。",
        }
        response["required"] = [*response["required"], "count_exact"]
        return {
            "type": "object",
            "required": response["required"],
            "properties": {name: properties[name] for name in ("count", "count_exact", "next", "previous", "results")},
        }
