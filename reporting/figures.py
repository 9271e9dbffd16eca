"""What every compiled report (日报, 周报, 月报, 季度通报) counts the same way: the items of a period,
the grade labels, and which grades make an item of note."""

from django.db.models import QuerySet

from incidents.models import Grade
from incidents.selectors import county_incidents
from incidents.workflow import IncidentStatus

# Items of note (重点舆情): everything graded 较大 or above, up to a page's worth.
NOTABLE_GRADES = (Grade.I, Grade.II, Grade.III)
NOTABLE_LIMIT = 30
UNGRADED = "待研判"  # as the dashboard and the ledger say


def grade_label(grade):
    return Grade(grade).label if grade else UNGRADED


def items_reported(period_start, period_end) -> QuerySet:
    """Items reported in [period_start, period_end); merged duplicates are counted once, under the item
    they joined."""
    return (
        county_incidents()
        .filter(reported_at__gte=period_start, reported_at__lt=period_end)
        .exclude(status=IncidentStatus.MERGED)
    )
