"""How API lists are cut: filters (django-filter), a stable order, and page size."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Exists, OuterRef, Q
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination

from deadlines.models import Deadline, DeadlineKind, ExtensionRequest
from incidents.models import Category, Grade, Ticket, TicketRole
from incidents.workflow import IncidentStatus, ReplyDraftState, TicketStatus
from org.models import Unit

# Outside these bounds a date is a typo; refusing it also keeps SQLite's UTC conversion from overflowing.
EARLIEST = datetime(1990, 1, 1, tzinfo=ZoneInfo("UTC"))
LATEST = datetime(2200, 1, 1, tzinfo=ZoneInfo("UTC"))


class BoundedIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not (EARLIEST <= value <= LATEST):
            raise forms.ValidationError("日期时间超出允许范围（1990—2200 年）。", code="out_of_range")
        return value


class DateTimeFilter(filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class IdField(forms.IntegerField):
    """Within a bigint: a larger number would overflow the database's integer (a 500) instead of finding nothing."""

    def __init__(self, **kwargs):
        super().__init__(min_value=-(2**63), max_value=2**63 - 1, **kwargs)


class IdFilter(filters.NumberFilter):
    """An id compared as is, without checking that the object exists (which would tell an outsider so)."""

    field_class = IdField


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
    q = filters.CharFilter(method="filter_text", label="标题或摘要包含")

    def filter_unit(self, queryset, name, unit):
        has_ticket = Exists(Ticket.objects.filter(incident=OuterRef("pk"), unit=unit))
        return queryset.filter(Q(has_ticket) | Q(subject_unit=unit))

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(summary__icontains=value))


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


class StableOrdering(OrderingFilter):
    """Whatever order the caller asks for, ties fall back to the id so pages never overlap or skip."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            ordering = [*ordering, "-id"]
        return ordering


class ApiPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ReplyDraftFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=ReplyDraftState.choices, label="状态")
    unit = filters.ModelChoiceFilter(field_name="ticket__unit", queryset=Unit.objects.all(), label="拟稿单位")
    ticket = IdFilter(field_name="ticket_id", label="转办单 id")
    incident = IdFilter(field_name="incident_id", label="舆情 id")
