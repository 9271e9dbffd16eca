"""The duty officer's triage desk (研判台): work queues with honest countdowns, and the htmx helpers of the intake
and dispatch forms (grade suggestion, possible duplicates, deadline preview).

Every queue reads through the visibility selectors, so a confidential (敏感) item shows on the desk only to the duty
officers cleared for it (issue 11 §1). An open item that still needs the office sits in one of the queues (issue 18:
a 特别重大 item sat undispatched in none): 待研判 (reported, reopened), 已研判未转办 (graded), 被退回 (its lead unit
sent it back), 待审签 (under review); once dispatched its deadlines put it in 待认领, 待答复 or 已逾期."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from core.http import datetime_param
from core.text import cjk_bigrams
from deadlines.models import Deadline, DeadlineKind, ExtensionRequest
from deadlines.policy_text import duration_words
from deadlines.scheduling import REPLY_KINDS
from deadlines.selectors import (
    attach_countdowns,
    open_deadlines_prefetch,
    preview_dispatch,
    visible_deadlines,
    visible_extension_requests,
    with_countdowns,
)
from incidents.bounded import bounded_counts
from incidents.grading import suggest_grade
from incidents.models import DuplicateCheckSettings, Grade, Incident, Ticket, TicketRole
from incidents.selectors import awaiting_grading, new_incidents, visible_incidents, visible_tickets
from incidents.workflow import INCIDENT_OPEN_STATES, IncidentStatus, TicketStatus
from org.access import role_required
from org.models import Unit


@dataclass(frozen=True)
class Queue:
    label: str
    rows: str  # what the list shows: "incidents", "tickets", "extensions" or "deadlines"
    order: str  # the time the queue is ordered by, oldest first
    hint: str  # what an item in it waits for


QUEUES = {
    "new": Queue("新报送", "incidents", "reported_at", "最近 24 小时内报送的舆情"),
    "grade": Queue("待研判", "incidents", "reported_at", "已报送或舆情反复，等待研判定级"),
    "graded": Queue("已研判未转办", "incidents", "graded_at", "已定级，尚未转办责任单位"),
    "claim": Queue("待认领", "deadlines", "due_at", "已转办，责任单位尚未认领"),
    "returned": Queue("被退回", "tickets", "returned_at", "责任单位退回，尚未重新转办"),
    "extension": Queue("延期待批", "extensions", "requested_at", "责任单位的延期申请，等待办公室审批（002 第八条）"),
    "reply": Queue("待答复", "deadlines", "due_at", "回应发布时限未满足，等待发布回应"),
    "signoff": Queue("待审签", "incidents", "reported_at", "主办单位已报送核实调查报告，等待审核销号"),
    "overdue": Queue("已逾期", "deadlines", "due_at", "已过到期时间仍未完成的时限"),
}
SORTS = {"oldest": "最早在前", "newest": "最新在前"}
URGENT_GRADES = (Grade.I, Grade.II)


def _returned_tickets(user):
    """被退回: tickets a unit returned (not its business) while the incident is still open and nothing was dispatched
    on it since the return: the office still has to find the right unit."""
    redispatched = Ticket.objects.filter(incident=OuterRef("incident"), dispatched_at__gt=OuterRef("returned_at"))
    return (
        visible_tickets(user)
        .filter(status=TicketStatus.RETURNED, incident__status__in=INCIDENT_OPEN_STATES)
        .exclude(Exists(redispatched))
    )


def _pending_extensions(user):
    """延期申请 awaiting the office's decision (002 第八条: 书面申请 to the office), on tickets the user may see."""
    return visible_extension_requests(user).filter(state=ExtensionRequest.State.PENDING)


def _overdue(now):
    """Past its due time: marked breached by the timed checks, or due already and not yet swept."""
    return Q(state=Deadline.State.BREACHED) | Q(due_at__lte=now)


def queue_querysets(user, now):
    """Every queue's rows, unordered, each read through a visibility selector; the incident and deadline selectors
    are built once for all nine (building them per queue cost more Python than the database spent counting)."""
    incidents = visible_incidents(user)
    deadlines = visible_deadlines(user).open()
    return {
        "new": new_incidents(user, now - timedelta(hours=24)),
        "grade": awaiting_grading(user),
        "graded": incidents.filter(status=IncidentStatus.GRADED),
        "signoff": incidents.filter(status=IncidentStatus.UNDER_REVIEW),
        "returned": _returned_tickets(user),
        "extension": _pending_extensions(user),
        "claim": deadlines.filter(kind=DeadlineKind.CLAIM, ticket__claimed_at__isnull=True),
        "reply": deadlines.filter(kind__in=REPLY_KINDS),
        "overdue": deadlines.filter(_overdue(now)),
    }


def queue_rows(user, key, now):
    """The rows of one queue, unordered."""
    return queue_querysets(user, now)[key]


def queue_counts(user, now, querysets=None):
    """Every queue's count in one statement, each bounded (incidents.bounded: "1000+" past the cap, so the desk costs
    the same with 100 or 1,000,000 open items); `urgent`: the queues holding a Ⅰ/Ⅱ item that has not been dispatched
    yet, or anything overdue (their badge is red)."""
    querysets = dict(querysets or queue_querysets(user, now))
    querysets["graded_urgent"] = querysets["graded"].filter(grade__in=URGENT_GRADES)
    counts = bounded_counts(querysets)
    urgent = {"graded": bool(counts.pop("graded_urgent")), "overdue": bool(counts["overdue"])}
    return counts, urgent


GRADE_FIELD = {
    "incidents": "grade",
    "tickets": "incident__grade",
    "extensions": "ticket__incident__grade",
    "deadlines": "incident__grade",
}


def _with_related(queue, qs):
    if queue.rows == "incidents":
        return qs.select_related("subject_unit").prefetch_related(open_deadlines_prefetch())
    if queue.rows == "tickets":
        incident_deadlines = open_deadlines_prefetch(lookup="incident__deadlines")
        return qs.select_related("incident", "unit").prefetch_related(incident_deadlines)
    if queue.rows == "extensions":
        return qs.select_related("ticket__incident", "ticket__unit", "deadline", "requested_by")
    return qs.select_related("incident", "unit", "ticket")


PER_PAGE = 25
MAX_PAGE = 40  # 1,000 items deep: past that the officer filters (grade) or sorts the other way


@dataclass
class QueuePage:
    """One page of a queue without counting the queue (issue 16: a COUNT(*) per view grew with the open items):
    the page's rows plus one, which says whether there is a next page. Numbers past MAX_PAGE read as the last one."""

    object_list: list
    number: int
    has_next: bool

    @classmethod
    def of(cls, qs, page):
        try:
            number = min(max(int(page or 1), 1), MAX_PAGE)
        except (TypeError, ValueError):
            number = 1
        start = (number - 1) * PER_PAGE
        rows = list(qs[start : start + PER_PAGE + 1])
        return cls(rows[:PER_PAGE], number, len(rows) > PER_PAGE and number < MAX_PAGE)

    def __iter__(self):
        return iter(self.object_list)

    @property
    def has_previous(self):
        return self.number > 1


def _countdowns(queue, rows, now):
    if queue.rows == "incidents":
        attach_countdowns(rows, now=now)
    elif queue.rows == "tickets":
        attach_countdowns([t.incident for t in rows], now=now)
    elif queue.rows == "extensions":
        with_countdowns([r.deadline for r in rows], now)
    else:
        with_countdowns(rows, now)


@login_required
@role_required("is_office", "仅值班员可使用研判台。")
def desk(request):
    key = request.GET.get("queue") if request.GET.get("queue") in QUEUES else "grade"
    queue = QUEUES[key]
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "oldest"
    grade = request.GET.get("grade") if request.GET.get("grade") in Grade.values else ""
    now = timezone.now()
    querysets = queue_querysets(request.user, now)
    qs = querysets[key]
    if grade:
        qs = qs.filter(**{GRADE_FIELD[queue.rows]: grade})
    order = (queue.order, "id") if sort == "oldest" else (f"-{queue.order}", "-id")
    page = QueuePage.of(_with_related(queue, qs).order_by(*order), request.GET.get("page"))
    _countdowns(queue, page.object_list, now)
    counts, urgent = queue_counts(request.user, now, querysets)
    context = {
        "queue": key,
        "current": queue,
        "queues": QUEUES,
        "counts": counts,
        "urgent": urgent,
        "page": page,
        "rows_kind": queue.rows,
        "sorts": SORTS,
        "grades": Grade.choices,
        "filters": {"queue": key, "sort": sort, "grade": grade},
    }
    return render(request, "desk/desk.html", context)


def _int(value):
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


@login_required
def suggest(request):
    """htmx: the grade the thresholds suggest for the metrics typed so far, with the rule behind it."""
    data = request.POST if request.method == "POST" else request.GET
    suggestion = suggest_grade(
        views=_int(data.get("views")),
        comments=_int(data.get("comments")),
        site_count=_int(data.get("site_count")),
        media_level=data.get("media_level") or "",
        text=f"{data.get('title', '')}\n{data.get('summary', '')}",
    )
    return render(request, "desk/_suggestion.html", {"suggestion": suggestion})


# --- 查重: possible duplicates at intake (issue 14) ----------------------------------------------------------------

# The newest items of the window compared, at most: a county reports tens a day, so a month is well inside it.
MAX_CANDIDATES = 3000
MIN_TITLE_CHARS = 4


@dataclass(frozen=True)
class DuplicateMatch:
    """An item that may be the one being reported, and why: the same source link, or a similar title (or title and
    summary), with the words they share, as runs of the other item's title (`segments` marks them for the page)."""

    incident: Incident
    score: float  # Dice coefficient of the character bigrams, 0–1
    same_link: bool
    where: str  # "标题" or "标题与摘要"
    shared: tuple[str, ...]
    segments: tuple[tuple[str, bool], ...]

    @property
    def reason(self) -> str:
        parts = ["同一链接"] if self.same_link else []
        if self.shared:
            parts.append(f"{self.where}相似度 {self.score:.0%}：共同词 {'、'.join(self.shared)}")
        return "；".join(parts)


def dice(a: set[str], b: set[str]) -> float:
    """Dice's coefficient of two bigram sets: 2|A∩B| / (|A|+|B|)."""
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def shared_runs(text: str, shared: set[str]) -> tuple[tuple[str, bool], ...]:
    """`text` cut into pieces that are / are not covered by one of the `shared` bigrams (punctuation and spaces are
    skipped when pairing, as core.text.cjk_bigrams does), for highlighting and for naming the shared words."""
    marked = [False] * len(text)
    chars = [(i, c.lower()) for i, c in enumerate(text) if c.isalnum()]
    for (i, a), (j, b) in zip(chars, chars[1:], strict=False):
        if a + b in shared:
            marked[i] = marked[j] = True
    pieces: list[tuple[str, bool]] = []
    for char, mark in zip(text, marked, strict=True):
        if pieces and pieces[-1][1] == mark:
            pieces[-1] = (pieces[-1][0] + char, mark)
        else:
            pieces.append((char, mark))
    return tuple(pieces)


def _words(pieces):
    """The shared runs, longest first, each once."""
    runs = dict.fromkeys(text for text, mark in pieces if mark)
    return tuple(sorted(runs, key=len, reverse=True))


def _similarity(title, summary, other):
    """(score, where, shared bigrams) of the typed title (and summary) against an existing item."""
    mine, theirs = cjk_bigrams(title), cjk_bigrams(other.title)
    best = (dice(mine, theirs), "标题", mine & theirs)
    if summary and other.summary:
        mine_all, theirs_all = mine | cjk_bigrams(summary), theirs | cjk_bigrams(other.summary)
        both = dice(mine_all, theirs_all)
        if both > best[0]:
            best = (both, "标题与摘要", mine_all & theirs_all)
    return best


def possible_duplicates(user, *, title="", summary="", url="", exclude=None, now=None, limit=5):
    """The items reported in the admin's window (查重设置) that the user can see and that have the same source link,
    or a title (or title and summary) at least as similar as the threshold, most similar first. Merged items are
    left out (their target is the one to merge into). Through visible_incidents: an officer is never told of a
    confidential item they are not cleared for."""
    settings = DuplicateCheckSettings.current()
    since = (now or timezone.now()) - timedelta(days=settings.window_days)
    recent = visible_incidents(user).filter(reported_at__gte=since).exclude(status=IncidentStatus.MERGED)
    if exclude:
        recent = recent.exclude(pk=exclude)
    title, summary, url = (title or "").strip(), (summary or "").strip(), (url or "").strip()
    same_link = set(recent.filter(links__url=url).values_list("pk", flat=True)[:limit]) if url else set()
    if len(title) < MIN_TITLE_CHARS and not same_link:
        return []
    candidates = recent.only("pk", "title", "summary", "status", "reported_at").order_by("-reported_at", "-id")
    if len(title) < MIN_TITLE_CHARS:
        candidates = candidates.filter(pk__in=same_link)
    matches = []
    for other in candidates[:MAX_CANDIDATES]:
        score, where, shared = _similarity(title, summary, other) if title else (0.0, "标题", set())
        similar = score * 100 >= settings.threshold
        if not (similar or other.pk in same_link):
            continue
        pieces = shared_runs(other.title, shared) if similar else ((other.title, False),)
        words = _words(pieces) or (_words(shared_runs(other.summary, shared)) if similar else ())
        matches.append(DuplicateMatch(other, score, other.pk in same_link, where, words, pieces))
    matches.sort(key=lambda m: (not m.same_link, -m.score))
    return matches[:limit]


@login_required
def duplicates(request):
    data = request.POST if request.method == "POST" else request.GET
    rows = possible_duplicates(
        request.user, title=data.get("title", ""), summary=data.get("summary", ""), url=data.get("url", "")
    )
    return render(request, "desk/_duplicates.html", {"rows": rows})


@login_required
@role_required("is_office", "仅值班员可使用研判台。")
def dispatch_preview(request, pk):
    """htmx: the deadlines the chosen dispatch would create, before the officer confirms it."""
    incident = get_object_or_404(visible_incidents(request.user), pk=pk)
    data = request.POST if request.method == "POST" else request.GET
    units = {u.pk: u for u in Unit.objects.filter(is_active=True)}
    assignments = []
    lead = units.get(_int(data.get("dispatch-lead")))
    if lead:
        assignments.append((lead, TicketRole.LEAD))
    for value in data.getlist("dispatch-assists"):
        unit = units.get(_int(value))
        if unit and unit != lead:
            assignments.append((unit, TicketRole.ASSIST))
    due_at = datetime_param(data.get("dispatch-due_at"))  # an impossible date previews no limit, not a 500
    if due_at is not None and timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    rows = preview_dispatch(incident, assignments, due_at=due_at) if incident.grade else []
    rows = [(*row[:5], _rule_words(row[5])) for row in rows]
    return render(request, "desk/_dispatch_preview.html", {"rows": rows, "incident": incident})


def _rule_words(rule):
    """'5wd' reads '5 个工作日' for the officer; text that is not a duration stays as it is."""
    prefix, _, spec = rule.rpartition(" ")
    words = duration_words(spec)
    return f"{prefix} {words}".strip() if words != spec else rule


def suggested_units(incident):
    """属地/属事: the subject unit leads; units whose keywords occur in the text assist."""
    text = f"{incident.title} {incident.summary} {incident.location}"
    lead = incident.subject_unit if incident.subject_unit and not incident.subject_unit.is_office else None
    assists = []
    for unit in Unit.objects.filter(is_active=True, is_office=False).exclude(jurisdiction_keywords=""):
        if unit != lead and any(k.strip() and k.strip() in text for k in unit.jurisdiction_keywords.split(",")):
            assists.append(unit)
    if lead is None and assists:
        lead = assists.pop(0)
    return lead, assists
