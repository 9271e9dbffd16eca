"""Counts that stop at a cap (issue 16): a badge on the desk or the cockpit says "1000+" once a queue holds more than
the cap, so its cost follows the cap and never the number of open items (counting 100,000 items awaiting a grade
read them all, on every view). The desk and the cockpit count through here with the same cap and the same
selectors, so their figures agree (tests/test_dashboard_counts.py)."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

CAP = 1000


@dataclass(frozen=True, eq=False)
class Bounded:
    """A count up to the cap: `n` exact when not `capped`, else the cap itself (there are more). Compares with an
    int by `n` (a capped count is at least its cap)."""

    n: int
    capped: bool = False

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Bounded):
            return (self.n, self.capped) == (other.n, other.capped)
        return isinstance(other, int) and not self.capped and self.n == other

    def __hash__(self) -> int:
        return hash((self.n, self.capped))

    def __lt__(self, other: int) -> bool:
        return not self.capped and self.n < other

    def __ge__(self, other: int) -> bool:
        return self.capped or self.n >= other

    def __gt__(self, other: int) -> bool:
        return self.capped or self.n > other

    def __le__(self, other: int) -> bool:
        return not self.capped and self.n <= other

    def __str__(self) -> str:
        return f"{self.n}+" if self.capped else str(self.n)

    def __bool__(self) -> bool:
        return self.n > 0

    def __add__(self, other: "Bounded") -> "Bounded":
        return Bounded(self.n + other.n, self.capped or other.capped)


def bounded_counts(querysets: dict[str, QuerySet], cap: int | None = None) -> dict[str, Bounded]:
    """{name: Bounded} for several querysets in one statement: each counts at most cap + 1 of its rows (a LIMIT in a
    subquery, so the planner stops at the cap), whatever their number. The cap is CAP unless given."""
    cap = CAP if cap is None else cap
    parts: list[str] = []
    params: list[Any] = []
    names: list[str] = []
    empty: list[str] = []
    for name, qs in querysets.items():
        try:
            sql, p = qs.order_by().values("pk")[: cap + 1].query.sql_with_params()
        except EmptyResultSet:  # a selector's .none(): nothing to count
            empty.append(name)
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS bounded_{len(parts)})")
        params.extend(p)
        names.append(name)
    counts = {name: Bounded(0) for name in empty}
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
        counts |= {name: Bounded(min(n, cap), n > cap) for name, n in zip(names, row, strict=True)}
    return {name: counts[name] for name in querysets}
