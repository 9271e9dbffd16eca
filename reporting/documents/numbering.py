"""Numbers of documents, given once when a report is created and kept when it is regenerated or edited.

公文 (GB/T 9704-2012 7.2.4 发文字号): the office's prefix for the kind (ReportSettings.number_prefix_*), the year
in 〔〕 and the sequence of that kind in that year, without leading zeros or 第: 县网舆督〔2026〕7号.
简报: 第N期, N the sequence of the kind in the year, and 总第N期, counted since the first one."""

import datetime
from collections.abc import Callable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from reporting.models import Report, ReportSettings

PREFIX_FIELD: dict[str, str] = {
    Report.Kind.SUPERVISION: "number_prefix_supervision",
    Report.Kind.RISK_NOTICE: "number_prefix_risk_notice",
    Report.Kind.QUARTERLY: "number_prefix_quarterly",
    Report.Kind.SPECIAL: "number_prefix_special",
}
FIELDS = ("year", "sequence", "total_sequence", "doc_number")

# Other series numbered with the same 代字 as a kind (the 专报 followup sends upward, issue 17): each gives the
# highest sequence it used in a year, so a 发文字号 is never given twice. Registered by the higher app's ready().
_SHARED_SERIES: dict[str, list[Callable[[int], int]]] = {}


def share_series(kind: str, highest_in_year: Callable[[int], int]) -> None:
    if highest_in_year not in _SHARED_SERIES.setdefault(kind, []):
        _SHARED_SERIES[kind].append(highest_in_year)


def doc_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix.strip()}〔{year}〕{sequence}号"


def is_official(kind: str, settings: ReportSettings) -> bool:
    """Whether `kind` is a 公文 with a 发文字号 (the 专报 only when the office sends it upward)."""
    if kind == Report.Kind.SPECIAL:
        return settings.special_upward
    return kind in PREFIX_FIELD


def take_number(kind: str, when: datetime.datetime | None = None) -> dict:
    """The next number of `kind` in the year of `when`, as Report fields (year, sequence, total_sequence,
    doc_number) to create the report with. The settings row is locked while the number is taken, so two reports
    created at once get consecutive numbers (the unique constraint on kind/year/sequence backs it)."""
    year = timezone.localtime(when or timezone.now()).year
    with transaction.atomic():
        ReportSettings.current()
        settings = ReportSettings.objects.select_for_update().get(pk=1)
        of_kind = Report.objects.filter(kind=kind)
        official = is_official(kind, settings)
        highest = of_kind.filter(year=year).aggregate(n=Max("sequence"))["n"] or 0
        if official:
            highest = max([highest, *(series(year) for series in _SHARED_SERIES.get(kind, ()))])
        sequence = highest + 1
        return {
            "year": year,
            "sequence": sequence,
            "total_sequence": None if official else (of_kind.aggregate(n=Max("total_sequence"))["n"] or 0) + 1,
            "doc_number": doc_number(getattr(settings, PREFIX_FIELD[kind]), year, sequence) if official else "",
        }


def numbers_of(report: Report) -> dict:
    return {field: getattr(report, field) for field in FIELDS}


def number_report(report: Report) -> dict:
    """The numbers of `report`, given now if it was created before documents were numbered."""
    if report.sequence is None:
        fields = take_number(report.kind, report.created_at)
        for field, value in fields.items():
            setattr(report, field, value)
        report.save(update_fields=list(fields))
    return numbers_of(report)
