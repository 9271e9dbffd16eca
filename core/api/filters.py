"""What every API list shares: bounded date-time and id filters, a stable order that refuses a field it does not
know (400), and the page size with its limits, each described in the schema as it is enforced."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination

MAX_ID = 2**63 - 1  # ids are BigAutoField

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
        super().__init__(min_value=-(2**63), max_value=MAX_ID, **kwargs)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": -(2**63), "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """An id compared as is, without checking that the object exists (which would tell an outsider so)."""

    field_class = IdField


class StableOrdering(OrderingFilter):
    """Whatever order the caller asks for, ties fall back to the id so pages never overlap or skip. A field the
    view does not offer is a 400 naming the ones it does (DRF would silently ignore it and sort by default)."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        allowed = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
        bad = [term for term in fields if term.lstrip("-") not in allowed]
        if bad:
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        f"不支持按「{bad[0]}」排序；可用字段：{'、'.join(sorted(allowed))}（前加 - 为倒序）。"
                    ]
                }
            )
        return list(fields)

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if ordering and not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            ordering = [*ordering, "-id"]
        return ordering

    def get_schema_operation_parameters(self, view):
        fields = list(getattr(view, "ordering_fields", None) or [])
        default = ",".join(getattr(view, "ordering", None) or [])
        term = "-?(" + "|".join(fields) + ")"
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    f"排序字段，逗号分隔，前加 - 为倒序。可用：{', '.join(fields)}。默认：{default}（同值按 id）。"
                    "不支持的字段返回 400。"
                ),
                "schema": {"type": "string", "pattern": f"^{term}(,{term})*$", "example": default},
            }
        ]


MAX_PAGE_SIZE = 200
PAGE_SIZE = 50


class ApiPagination(PageNumberPagination):
    """Pages of 50 (page_size: 1—200). A page size outside those bounds or not a number is a 400, like any other
    malformed query parameter; a page past the end is DRF's 404."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not (1 <= int(raw) <= self.max_page_size):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"每页条数应为 1—{self.max_page_size} 的整数。"]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "页码，从 1 开始；超过末页返回 404。",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"每页条数，默认 {self.page_size}，最大 {self.max_page_size}；超出范围返回 400。",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
            },
        ]
