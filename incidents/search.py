"""The incident search box (issue 14: number, title, summary, source URL and responsible unit, for Chinese text,
fast at a million rows).

Chinese has no spaces between words, so a word index finds nothing; instead each incident keeps the set of its
character bigrams (core.text.cjk_bigrams, the splitter the duplicate check uses too) in `Incident.search_terms`,
space-separated, written by the services that change what is searched (报送, 转办, 合并) through `refresh()`.
On PostgreSQL a GIN index over `string_to_array(search_terms, ' ')` answers "contains all these bigrams"
(`@>`) without reading the table (migration 0011); elsewhere (SQLite, the embedded default) the same test is a
scan, which is fine at the embedded sizes.

A query is split at spaces and punctuation; every bigram of every piece must be present (AND), so 食堂 变质 finds
"食堂饭菜变质" and words typed in any order still match. A one-character piece has no bigram: alone it is
looked up in the titles and summaries of the newest SINGLE_CHAR_WINDOW items only (a bounded scan, and the page
says so); beside longer pieces it only narrows what their bigrams found. A number (YQ20261130-00042) is looked
up by its id, or by its date for a prefix (YQ20261130, YQ202611), through the primary key and the reported_at
index.

A term found in many items (食堂 in 50,000 of a million) is searched newest first: a page of the list (newest
first) is read from the items of the last RECENT_WINDOWS[0] first, and from all items only when that window holds
too few to fill it; its bounded count is taken in no order (NewestFirstSearch). Rows and counts are exactly those of
the whole search."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import Concat
from django.utils import timezone

from core.text import cjk_bigrams
from incidents.models import Incident, IncidentQuerySet

INDEX_NAME = "incident_search_terms_gin"
MAX_QUERY_CHARS = 100
SINGLE_CHAR_WINDOW = 5000
# The newest items a bigram search's page reads first, then wider (NewestFirstSearch); past the last, every item.
# Narrow enough that PostgreSQL intersects the window's reported_at range with the GIN bitmap (BitmapAnd) before it
# reads a row: at 1M over two years 7 days are ~9,600 items; with 30 days (41,000) it read all 50,000 matches of
# 食堂饭菜 and filtered them by date (292 ms, bench/RESULTS-filters.md).
RECENT_WINDOWS = (timedelta(days=7),)

_PIECES = re.compile(r"[^\w]+|_+")
_NUMBER = re.compile(r"^YQ(?P<date>\d{0,8})(?:-(?P<seq>\d{1,19}))?$", re.IGNORECASE)


def terms_from(*texts: str | None) -> str:
    """The search terms of an incident: the sorted bigrams of all its searchable texts, space-separated."""
    bigrams: set[str] = set()
    for text in texts:
        for piece in _PIECES.split(text or ""):
            bigrams |= cjk_bigrams(piece)
    return " ".join(sorted(bigrams))


def terms_for(incident: Incident) -> str:
    """What an incident is found by: title, summary, 属地/涉事单位, every responsible unit it was dispatched to,
    every source URL."""
    units = list(incident.tickets.values_list("unit__name", flat=True).distinct())
    urls = list(incident.links.values_list("url", flat=True))
    subject = incident.subject_unit.name if incident.subject_unit_id and incident.subject_unit else ""
    return terms_from(incident.title, incident.summary, subject, *units, *urls)


def refresh(incident: Incident) -> None:
    """Rewrite the incident's search terms; called by the services inside their transaction after they changed
    the title, the links or the tickets. Only this column is written (no updated_at, no other field)."""
    terms = terms_for(incident)
    if terms != incident.search_terms:
        incident.search_terms = terms
        incident.save(update_fields=["search_terms"])


@dataclass(frozen=True)
class Query:
    """A parsed search: the bigrams all required, the one-character pieces, or a number (id or date range)."""

    bigrams: tuple[str, ...] = ()
    single_chars: tuple[str, ...] = ()
    pk: int | None = None
    day_range: tuple[date, date] | None = None  # [first, last] local days, for a number prefix

    @property
    def bounded(self) -> bool:
        """Only one-character pieces: the bounded scan of the newest items."""
        return bool(self.single_chars) and not self.bigrams


def _number_query(text: str) -> Query | None:
    found = _NUMBER.match(text.replace(" ", ""))
    if not found:
        return None
    digits, seq = found.group("date"), found.group("seq")
    if seq is not None:
        number = int(seq)
        return Query(pk=number if 0 < number < 2**63 else 0)
    try:
        if len(digits) == 8:
            day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
            return Query(day_range=(day, day))
        if len(digits) == 6:
            first = date(int(digits[:4]), int(digits[4:6]), 1)
            nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return Query(day_range=(first, nxt - timedelta(days=1)))
        if len(digits) == 4:
            year = int(digits)
            return Query(day_range=(date(year, 1, 1), date(year, 12, 31)))
    except ValueError:
        return Query(pk=0)  # YQ20261399: no such day, no such item
    return None


def parse(text: str | None) -> Query:
    text = (text or "").strip()[:MAX_QUERY_CHARS]
    number = _number_query(text)
    if number is not None:
        return number
    bigrams: set[str] = set()
    singles: list[str] = []
    for piece in _PIECES.split(text.lower()):
        if len(piece) == 1:
            singles.append(piece)
        bigrams |= cjk_bigrams(piece)
    return Query(bigrams=tuple(sorted(bigrams)), single_chars=tuple(dict.fromkeys(singles)))


class _TermArray(Func):
    """string_to_array(search_terms, ' '), written exactly as the GIN index's expression (migration 0011), so
    PostgreSQL uses the index for `@>`. The separator is a literal, not a parameter, for the same reason."""

    function = "string_to_array"
    template = "%(function)s(%(expressions)s, ' ')"
    output_field = ArrayField(TextField())


def _has_bigrams(qs: IncidentQuerySet, bigrams: Iterable[str]) -> IncidentQuerySet:
    bigrams = list(bigrams)
    if connection.vendor == "postgresql":
        terms = qs.alias(_terms=_TermArray(F("search_terms")))
        # django-stubs types an alias by the column it wraps (text), not by the Func's ArrayField output.
        return terms.filter(_terms__contains=bigrams)  # type: ignore[misc]
    padded = qs.alias(_padded=Concat(Value(" "), F("search_terms"), Value(" "), output_field=TextField()))
    for bigram in bigrams:
        padded = padded.filter(_padded__contains=f" {bigram} ")
    return padded


def _day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(first, time.min))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min))
    return start, end


def _mentions(char: str) -> Q:
    return Q(title__icontains=char) | Q(summary__icontains=char)


def apply(qs: IncidentQuerySet, query: Query) -> IncidentQuerySet:
    """`qs` (already visible to the reader: a selector's queryset) narrowed to what `query` finds."""
    if query.pk is not None:
        return qs.filter(pk=query.pk)
    if query.day_range is not None:
        start, end = _day_bounds(*query.day_range)
        return qs.filter(reported_at__gte=start, reported_at__lt=end)
    if query.bigrams:
        qs = _has_bigrams(qs, query.bigrams)
        for char in query.single_chars:
            qs = qs.filter(_mentions(char))
        return NewestFirstSearch.of(qs)
    if query.single_chars:
        newest = qs.order_by("-reported_at", "-id").values("pk")[:SINGLE_CHAR_WINDOW]
        qs = qs.filter(pk__in=newest)
        for char in query.single_chars:
            qs = qs.filter(_mentions(char))
        return qs
    return qs


class NewestFirstSearch(IncidentQuerySet):
    """A bigram search whose pages in the list's order (newest first) are read from the newest items first, and
    whose bounded counts are taken in no order.

    On PostgreSQL the GIN index returns every item holding the bigrams; they were all read from the table and sorted
    to take the newest 26, and counted in that order up to 1,001 (issue 16: 食堂饭菜 matched 50,000 of 1M, 723 ms).
    The items reported since a cutoff are a prefix of the list in its order (-reported_at, -id), so when the window
    holds all the rows a slice asks for (LIMIT high: the page and the next page's first row), the window's slice is
    the list's slice, row for row; when it holds fewer, the next wider window is tried, the last one being the whole
    search. Any cutoff gives the same rows, so the windows start from the clock at each read. A slice in another
    order, or no slice (an export's iterator), reads the whole search as before.

    How many rows a slice holds does not depend on their order, so a count drops it: the bitmap of the matches is
    then read only until the cap (COUNT_CAP + 1 rows), in the table's order, with no sort."""

    @classmethod
    def of(cls, qs: IncidentQuerySet) -> "NewestFirstSearch":
        # The same query (filters, select_related, annotations) answering slices the newest-first way.
        return cls(model=qs.model, query=qs.query.chain(), using=qs.db)

    def _newest_first_slice(self) -> bool:
        query = self.query
        ordering = list(query.order_by) or (list(self.model._meta.ordering or ()) if query.default_ordering else [])
        return query.high_mark is not None and ordering[:1] == ["-reported_at"]

    def _fetch_all(self) -> None:
        if self._result_cache is None and self._newest_first_slice():
            wanted = (self.query.high_mark or 0) - self.query.low_mark
            for since in window_starts(timezone.now()):
                window = self.all()
                window.query.add_q(Q(reported_at__gte=since))
                # Through the iterable, not the window's own _fetch_all (which would window again).
                rows = list(cast(Iterable, window._iterable_class(window)))
                if len(rows) == wanted:
                    self._result_cache = rows
                    break
        super()._fetch_all()

    def count(self) -> int:
        if self._result_cache is not None:
            return len(self._result_cache)
        query = self.query.chain()
        query.clear_ordering(force=True)
        return query.get_count(using=self.db)


def window_starts(now: datetime) -> list[datetime]:
    """Where the windows of NewestFirstSearch start, narrowest first."""
    return [now - span for span in RECENT_WINDOWS]


def is_searchable(query: Query) -> bool:
    return bool(query.pk is not None or query.day_range or query.bigrams or query.single_chars)
