"""The periods a spot check covers: a month or a quarter, as [start, end) dates."""

from datetime import date

from review.models import PeriodKind


def period_containing(kind: str, day: date) -> tuple[date, date]:
    months = 3 if kind == PeriodKind.QUARTER else 1
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    return start, _add_months(start, months)


def previous_period(kind: str, day: date) -> tuple[date, date]:
    """The whole period before the one `day` falls in: the one whose closed incidents are drawn at its end."""
    start, _ = period_containing(kind, day)
    months = 3 if kind == PeriodKind.QUARTER else 1
    return _add_months(start, -months), start


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
