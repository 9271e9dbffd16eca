"""The unit ledger (台账, issue 6): every incident and every ticket of a period with all its times, as .xlsx.

Written with openpyxl's write-only mode and read with `.iterator()`, so a year of history streams through
in chunks instead of being held in memory. Times are written as local (Asia/Shanghai) date-times, which is
what a spreadsheet user filters and sorts on."""

import datetime
import io
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from deadlines.models import Deadline, DeadlineKind
from deadlines.selectors import county_deadlines, visible_deadlines
from incidents.models import Grade, Ticket, TicketRole
from incidents.selectors import county_incidents, county_tickets, visible_incidents, visible_tickets
from reporting.safe_output import spreadsheet_value

CHUNK = 2000
TIME_FORMAT = "yyyy-mm-dd hh:mm"
INCIDENT_SHEET = "舆情台账"
TICKET_SHEET = "转办台账"
# The ticket's own deadlines, in the order a ticket meets them.
TICKET_DEADLINE_KINDS = (DeadlineKind.CLAIM, DeadlineKind.FEEDBACK, DeadlineKind.REPORT)


# Printing (issue 13): A4 landscape. The sheet is fitted to the page width only while its text stays legible
# (at least MIN_PRINTED_POINTS); wider, it prints at full size across pages, with the header row and the 舆情编号
# column repeated on every page.
A4_LANDSCAPE_WIDTH_MM = 297
MARGINS_MM = {"left": 15, "right": 10, "top": 20, "bottom": 18, "header": 8, "footer": 8}
BODY_POINTS = 11  # the cells keep the workbook's default font, Calibri 11
MIN_PRINTED_POINTS = 8
MM_PER_INCH = 25.4


@dataclass(frozen=True)
class Column:
    title: str
    width: int
    is_time: bool = False


INCIDENT_COLUMNS = [
    Column("舆情编号", 18),
    Column("标题", 40),
    Column("等级", 12),
    Column("类别", 12),
    Column("状态", 10),
    Column("属地/涉事单位", 14),
    Column("主办单位", 14),
    Column("协办单位", 20),
    Column("原帖发布时间", 17, True),
    Column("发现时间", 17, True),
    Column("报送时间", 17, True),
    Column("研判时间", 17, True),
    Column("销号时间", 17, True),
    Column("浏览量", 9),
    Column("评论量", 9),
    Column("转发量", 9),
    Column("历史遗留问题", 8),
]

TICKET_COLUMNS = [
    Column("舆情编号", 18),
    Column("舆情标题", 36),
    Column("等级", 12),
    Column("责任单位", 14),
    Column("承办类型", 8),
    Column("状态", 10),
    Column("转办时间", 17, True),
    Column("认领时间", 17, True),
    Column("指定认领", 8),
    Column("退回时间", 17, True),
    Column("反馈时间", 17, True),
    Column("销号时间", 17, True),
    *[
        col
        for kind in TICKET_DEADLINE_KINDS
        for col in (
            Column(f"{kind.label}·到期", 17, True),
            Column(f"{kind.label}·完成", 17, True),
            Column(f"{kind.label}·结果", 10),
        )
    ],
]


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def grade_label(grade):
    return Grade(grade).label if grade else "待研判"


def deadline_outcome(deadline, now):
    """按时/逾期 once decided; 已逾期 while overdue and open; 未到期 otherwise."""
    if deadline is None:
        return ""
    if deadline.met_at is not None:
        return "按时" if deadline.met_at <= deadline.due_at else "逾期完成"
    return "已逾期" if deadline.due_at <= now else "未到期"


def ledger_querysets(*, start, end, unit_ids=None, grade=None, user=None):
    """Incidents reported in [start, end) and their tickets; by unit (the incidents it has a ticket for)
    and grade; only what `user` may see when given."""
    incidents = (visible_incidents(user) if user is not None else county_incidents()).filter(
        reported_at__gte=start, reported_at__lt=end
    )
    tickets = (visible_tickets(user) if user is not None else county_tickets()).filter(
        incident__reported_at__gte=start, incident__reported_at__lt=end
    )
    if grade:
        incidents = incidents.filter(grade="" if grade == "none" else grade)
        tickets = tickets.filter(incident__grade="" if grade == "none" else grade)
    if unit_ids is not None:
        incidents = incidents.filter(Exists(Ticket.objects.filter(incident=OuterRef("pk"), unit_id__in=unit_ids)))
        tickets = tickets.filter(unit_id__in=unit_ids)
    return incidents, tickets


def column_points(width):
    """The printed width of a column of `width` (Excel's unit: digits of the default font, Calibri 11, 7 px
    each, plus 5 px of padding; 96 px to the inch)."""
    return int(width * 7 + 5) * 72 / 96


def printable_points():
    """The width between the side margins of A4 landscape, in points."""
    return (A4_LANDSCAPE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]) * 72 / MM_PER_INCH


def fit_scale(columns):
    """The scale (percent) that fits the columns to the page width, or None when that would print the text
    smaller than MIN_PRINTED_POINTS: the sheet then prints at full size across several pages."""
    scale = min(100, int(100 * printable_points() / sum(column_points(c.width) for c in columns)))
    return scale if BODY_POINTS * scale / 100 >= MIN_PRINTED_POINTS else None


def print_period(start, end):
    """[start, end) as the printed header names it: 2026-10-01 至 2026-12-31."""
    last_day = timezone.localtime(end - datetime.timedelta(microseconds=1)).date()
    return f"{timezone.localtime(start).date():%Y-%m-%d} 至 {last_day:%Y-%m-%d}"


def _print_setup(sheet, columns, period):
    """A4 landscape, gridlines, the sheet's name and period at the head of each page and 第 N 页 共 M 页 at its
    foot; fitted to the width while legible (fit_scale), else at 100 % with the header row and the first
    column repeated, a band of rows printed left to right before the next band."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_margins = PageMargins(**{side: mm / MM_PER_INCH for side, mm in MARGINS_MM.items()})
    sheet.print_options.gridLines = True
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = "1:1"
    if fit_scale(columns) is not None:
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    else:
        sheet.sheet_properties.pageSetUpPr.fitToPage = False
        sheet.page_setup.scale = 100
        sheet.page_setup.pageOrder = "overThenDown"
        sheet.print_title_cols = "A:A"  # 舆情编号: which row a continued page belongs to
    sheet.oddHeader.center.text = f'&"-,Bold"{sheet.title}' + (f"（{period}）" if period else "")
    sheet.oddHeader.center.size = 12
    sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    sheet.oddFooter.center.size = 10


def _sheet(workbook, title, columns, period=""):
    sheet = workbook.create_sheet(title)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "C2"  # header row and the number/title columns stay in view
    _print_setup(sheet, columns, period)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    sheet.append(header)
    return sheet


def _row(sheet, columns, values):
    """The one place the ledger writes a row. Text is cleaned of control characters stored before input refused
    them: openpyxl raises IllegalCharacterError on one, which would cost the whole ledger (issue 10 §1); text
    a spreadsheet would run as a formula is written as text (issue 11 §4; safe_output.spreadsheet_value)."""
    cells = []
    for column, value in zip(columns, values, strict=True):
        if column.is_time:
            cell = WriteOnlyCell(sheet, value=_local(value))
            cell.number_format = TIME_FORMAT
            cells.append(cell)
        else:
            cells.append(spreadsheet_value(sheet, value))
    sheet.append(cells)


def incident_row(incident):
    tickets = incident.ledger_tickets
    lead = ", ".join(t.unit.name for t in tickets if t.role == TicketRole.LEAD)
    assist = ", ".join(t.unit.name for t in tickets if t.role == TicketRole.ASSIST)
    return [
        incident.number,
        incident.title,
        grade_label(incident.grade),
        incident.get_category_display(),
        incident.get_status_display(),
        incident.subject_unit.name if incident.subject_unit else "",
        lead,
        assist,
        incident.posted_at,
        incident.first_seen_at,
        incident.reported_at,
        incident.graded_at,
        incident.closed_at,
        incident.views,
        incident.comments,
        incident.reposts,
        "是" if incident.is_historical else "",
    ]


def ticket_row(ticket, now):
    latest = {}
    for deadline in ticket.ledger_deadlines:  # ordered by id: a replacement (extension) comes last
        latest[deadline.kind] = deadline
    values = [
        ticket.incident.number,
        ticket.incident.title,
        grade_label(ticket.incident.grade),
        ticket.unit.name,
        ticket.get_role_display(),
        ticket.get_status_display(),
        ticket.dispatched_at,
        ticket.claimed_at,
        "是" if ticket.designated else "",
        ticket.returned_at,
        ticket.feedback_at,
        ticket.closed_at,
    ]
    for kind in TICKET_DEADLINE_KINDS:
        d = latest.get(kind)
        values += [d.due_at if d else None, d.met_at if d else None, deadline_outcome(d, now)]
    return values


def build_ledger(*, start, end, unit_ids=None, grade=None, user=None, now=None) -> bytes:
    """The .xlsx ledger of incidents reported in [start, end): sheet 舆情台账 (one row per incident) and
    sheet 转办台账 (one row per ticket, with each of its deadlines due / met / outcome)."""
    now = now or timezone.now()
    period = print_period(start, end)
    incidents, tickets = ledger_querysets(start=start, end=end, unit_ids=unit_ids, grade=grade, user=user)
    workbook = Workbook(write_only=True)

    sheet = _sheet(workbook, INCIDENT_SHEET, INCIDENT_COLUMNS, period)
    # An incident's row names its units: only the tickets the reader may see (a liaison, not the other units').
    readable_tickets = visible_tickets(user) if user is not None else county_tickets()
    ticket_prefetch = Prefetch(
        "tickets", queryset=readable_tickets.select_related("unit").order_by("role", "id"), to_attr="ledger_tickets"
    )
    rows = incidents.select_related("subject_unit").prefetch_related(ticket_prefetch).order_by("reported_at", "id")
    for incident in rows.iterator(chunk_size=CHUNK):
        _row(sheet, INCIDENT_COLUMNS, incident_row(incident))

    sheet = _sheet(workbook, TICKET_SHEET, TICKET_COLUMNS, period)
    deadline_prefetch = Prefetch(
        "deadlines",
        queryset=(visible_deadlines(user) if user is not None else county_deadlines())
        .filter(kind__in=TICKET_DEADLINE_KINDS)
        .exclude(state=Deadline.State.CANCELLED)
        .order_by("id"),
        to_attr="ledger_deadlines",
    )
    rows = (
        tickets.select_related("incident", "unit")
        .prefetch_related(deadline_prefetch)
        .order_by("incident__reported_at", "incident_id", "id")
    )
    for ticket in rows.iterator(chunk_size=CHUNK):
        _row(sheet, TICKET_COLUMNS, ticket_row(ticket, now))

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
