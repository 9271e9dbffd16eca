"""Pages of a list whose cost does not grow with history (issue 16): a page reads its rows plus one (whether there is
a next page), and the total is counted only up to COUNT_CAP rows ("1000+" beyond). At a million incidents an exact
count walks every visible row of every page view (a liaison's list: all of the unit's tickets joined with their
incidents); the bounded count stops at COUNT_CAP + 1 rows in the list's index order. Past the cap a reader narrows
the list with the filters (date, status, unit) or pages on with 下一页."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

COUNT_CAP = 1000


def bounded_count(qs: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """(the number of rows, whether it is exact): at most `cap` (COUNT_CAP), then (cap, False)."""
    cap = COUNT_CAP if cap is None else cap
    # In the list's own order: the planner then walks the index the page walks, and stops at cap + 1 rows (without
    # an order it chose a merge join over all of a unit's tickets, bench/RESULTS-pages.md).
    counted = qs[: cap + 1].count()
    return (counted, True) if counted <= cap else (cap, False)


def page_number(raw: Any) -> int:
    """A page number from a query parameter: a positive integer, else 1 (the pages forgive a bad link)."""
    text = str(raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 10**9 else 1


def rows_and_next(qs: QuerySet, number: int, size: int) -> tuple[list, bool]:
    """The rows of page `number` and whether more follow: one statement (LIMIT size + 1)."""
    offset = (number - 1) * size
    rows = list(qs[offset : offset + size + 1])
    return rows[:size], len(rows) > size


@dataclass
class BoundedPaginator:
    """What the templates read of Django's Paginator (count, num_pages), with the count bounded."""

    count: int
    count_exact: bool
    per_page: int

    @property
    def num_pages(self) -> int | None:
        """None past the cap: the last page is not known without counting every row."""
        return max(1, math.ceil(self.count / self.per_page)) if self.count_exact else None

    @property
    def count_label(self) -> str:
        return str(self.count) if self.count_exact else f"{self.count}+"


@dataclass
class BoundedPage(Sequence):
    """One page, quacking like Django's Page for the list templates and incidents/_pagination.html."""

    object_list: list
    number: int
    paginator: BoundedPaginator
    more: bool

    def __getitem__(self, index):  # type: ignore[override]
        return self.object_list[index]

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.more or self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def bounded_page(qs: QuerySet, raw_number: Any, per_page: int = 25) -> BoundedPage:
    """The page asked for (page 1 for a bad number, the last page with rows for one past the end), its rows in the
    list's order, and the bounded count: two statements, whatever the size of the list (four past the end)."""
    number = page_number(raw_number)
    rows, more = rows_and_next(qs, number, per_page)
    if not rows and number > 1:
        # Past the end (an old link): the last page, as Django's get_page does, when the bounded count knows it;
        # else the first.
        count, exact = bounded_count(qs)
        number = max(1, math.ceil(count / per_page)) if exact else 1
        rows, more = rows_and_next(qs, number, per_page)
    count, exact = page_count(qs, number, per_page, rows, more)
    return BoundedPage(rows, number, BoundedPaginator(count, exact, per_page), more)


def page_count(qs: QuerySet, number: int, per_page: int, rows: list, more: bool) -> tuple[int, bool]:
    """The count a page shows: bounded at COUNT_CAP, exact on the list's last page."""
    offset = (number - 1) * per_page
    if more and offset + per_page + 1 > COUNT_CAP:
        return COUNT_CAP, False  # more rows than the cap lie before this page's end: nothing to count
    # Counted on the last page too (where the rows tell the total), so a page costs the same statements however
    # long the list is (tests/test_list_speed.py); the bounded count stops at COUNT_CAP + 1 rows.
    count, exact = bounded_count(qs)
    return (offset + len(rows), True) if not more else (count, exact)
