"""What every API list shares: bounded date-time and id filters, a stable order, and the page size."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination

# Outside these bounds a date is a typo; refusing it also keeps SQLite's UTC conversion from overflowing.
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
