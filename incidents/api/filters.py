"""How API lists are cut: filters (django-filter), a stable order, and page size."""

from django.db.models import Exists, OuterRef, Q
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.api.filters import DateTimeFilter, IdFilter
from deadlines.models import Deadline, DeadlineKind, ExtensionRequest
from incidents.models import Category, Grade, Ticket, TicketRole
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


class ReplyDraftFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=ReplyDraftState.choices, label="状态")
    unit = filters.ModelChoiceFilter(field_name="ticket__unit", queryset=Unit.objects.all(), label="拟稿单位")
    ticket = IdFilter(field_name="ticket_id", label="转办单 id")
    incident = IdFilter(field_name="incident_id", label="舆情 id")
