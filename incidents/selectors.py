"""Reads. Every list or lookup a user can reach goes through these, so unit isolation is enforced once."""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import CharField, F, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.db.models.lookups import In, Lookup
from django.utils import timezone
from guardian.utils import get_user_obj_perms_model

from core import audit
from core.models import AuditEvent
from deadlines.models import Deadline
from incidents import search
from incidents.models import (
    Feedback,
    Incident,
    IncidentQuerySet,
    LeaderInstruction,
    LeaderInstructionQuerySet,
    LeaderReport,
    Reply,
    ReplyDraft,
    ReplyDraftQuerySet,
    Ticket,
    TicketQuerySet,
)
from incidents.workflow import INCIDENT, IncidentStatus
from org.access import AnyUser, access_for
from org.models import Unit


def _granted_incident_pks(user_id: int) -> QuerySet:
    """The pks (as text: guardian's object_pk) of the confidential incidents granted to the user (知悉范围)."""
    return (
        get_user_obj_perms_model()
        ._default_manager.filter(
            user_id=user_id,
            permission__codename="view_incident",
            content_type__app_label="incidents",
            content_type__model="incident",
        )
        .values("object_pk")
    )


def _granted(user_id: int) -> In:
    """The incident (its pk as text, guardian's object_pk) is among those granted to the user."""
    return In(Cast(F("pk"), CharField()), _granted_incident_pks(user_id))


def _cleared_for_confidential(user_id: int) -> Q:
    """A confidential incident (涉密/敏感, issue 4) is visible only to its reporter and to users granted
    `incidents.view_incident` on it (services.grant_confidential_access), whatever their role; the
    grant narrows, it never widens what the unit rules allow.

    Written for the planner (issue 16): the grants are one uncorrelated subquery, which PostgreSQL hashes once per
    statement (a few rows), instead of a correlated EXISTS per row, which made it estimate every list ~200x too
    costly, give up the index order of the list and compile the statement with JIT. The rows a list walks in its
    index order are then checked against a flag and that small set."""
    return Q(is_confidential=False) | Q(reported_by_id=user_id) | Q(_granted(user_id))


def _hidden_confidential_pks(user_id: int) -> QuerySet:
    """The confidential incidents the user is not cleared for (_cleared_for_confidential's rule turned round: neither
    their reporter nor granted). A ticket does not carry its incident's flag; `incident_id NOT IN` this set (hashed
    once per statement, read off the partial index incident_confidential) keeps a ticket list on the tickets' own
    index in its order, with no join to the incidents, which the planner turned into a hash join over all of them
    when the reader had thousands of grants (issue 16: a liaison's /tickets/ count at 1M, 829 ms that way, 30 ms this)."""
    hidden = Incident.objects.filter(is_confidential=True).exclude(reported_by_id=user_id)
    return hidden.exclude(_granted(user_id)).values("pk")


def visible_tickets(user: AnyUser) -> TicketQuerySet:
    access = access_for(user)
    qs = Ticket.objects.all()
    if access.user_id is None:
        return qs.none()
    hidden = Q(incident_id__in=_hidden_confidential_pks(access.user_id))
    if access.sees_everything:
        return qs.exclude(hidden)
    # One unit: `unit_id = n`, so a unit's list walks ticket_unit_dispatched in its order (issue 16).
    return qs.filter(unit_id__in=sorted(access.visible_unit_ids)).exclude(hidden)


def visible_reply_drafts(user: AnyUser) -> ReplyDraftQuerySet:
    """Reply drafts are seen like their ticket: the unit, its leaders, the office (and confidential clearance)."""
    return ReplyDraft.objects.filter(ticket__in=visible_tickets(user))


def visible_leader_reports(user: AnyUser) -> QuerySet[LeaderReport]:
    """Reports to the leaders (报告领导) are seen by whoever sees their incident."""
    return LeaderReport.objects.filter(incident__in=visible_incidents(user))


def visible_leader_instructions(user: AnyUser) -> LeaderInstructionQuerySet:
    """领导批示 are seen by whoever sees their incident (and its 知悉范围)."""
    return LeaderInstruction.objects.filter(incident__in=visible_incidents(user))


def visible_replies(user: AnyUser) -> QuerySet[Reply]:
    """Published replies (回应) are seen by whoever sees their incident."""
    return Reply.objects.filter(incident__in=visible_incidents(user))


def visible_incidents(user: AnyUser) -> IncidentQuerySet:
    access = access_for(user)
    qs = Incident.objects.all()
    if access.user_id is None:
        return qs.none()
    cleared = _cleared_for_confidential(access.user_id)
    if access.sees_everything:
        return qs.filter(cleared)
    # Whoever reported an item keeps sight of it, so a liaison's repeated push finds its own incident.
    condition = Q(reported_by_id=access.user_id)
    unit_ids = access.visible_unit_ids
    if unit_ids:
        # Uncorrelated, like the grants above: one hashed set of the units' incidents, not a probe per row.
        condition |= Q(pk__in=Ticket.objects.filter(unit_id__in=sorted(unit_ids)).values("incident_id"))
    if access.leader_unit_ids:
        condition |= Q(subject_unit_id__in=access.leader_unit_ids)
    return qs.filter(condition, cleared)


# 待研判: the states the grade transition starts from (已报送, 舆情反复). Merged duplicates and dismissed items
# (不予处置) are not awaiting a grade.
AWAITING_GRADING = tuple(sorted(INCIDENT.transitions["grade"].sources))


def awaiting_grading(user: AnyUser) -> IncidentQuerySet:
    """待研判 for this reader: the one definition the desk (研判台) and the cockpit (驾驶舱) both count (issue 14)."""
    return visible_incidents(user).filter(status__in=AWAITING_GRADING)


def new_incidents(user: AnyUser, since: datetime) -> IncidentQuerySet:
    """新增 since an instant for this reader: reported since then, merged duplicates left out (a duplicate merged
    into another item is that item, already counted; issue 14)."""
    return visible_incidents(user).filter(reported_at__gte=since).exclude(status=IncidentStatus.MERGED)


def county_incidents() -> IncidentQuerySet:
    """Every incident, for what the system compiles for the county as a whole, with no reader yet (日报, 周报/月报/通报,
    考核, 风险提示函 screening, 督报 facts). No visibility applies, so a builder never prints a confidential one in
    full: it shows it as incidents.clearance.sensitive_items(n) (issue 11 §1), or only in a document whose
    readers are cleared for it (a 专报/督报 on that incident, marked with its 密级)."""
    return Incident.objects.all()


def county_tickets() -> TicketQuerySet:
    """Every ticket, for the same county-wide compilations as county_incidents(), under the same rule."""
    return Ticket.objects.all()


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _day_after(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def subject_unit_or_dispatched_to(unit_id: int) -> Q:
    """属地/涉事单位 is the unit, or a ticket went to it: a condition that narrows an already visible incident list.
    The tickets are one uncorrelated subquery (a hashed set), not a probe per incident (issue 16)."""
    return Q(subject_unit_id=unit_id) | Q(pk__in=Ticket.objects.filter(unit_id=unit_id).values("incident_id"))


def incident_list(
    user: AnyUser,
    *,
    status: str | None = None,
    grade: str | None = None,
    q: str | None = None,
    since: date | None = None,
    until: date | None = None,
    unit_id: int | None = None,
) -> IncidentQuerySet:
    """The 舆情 list (issue 18): what `user` may see, filtered by status, grade ("none": not graded yet), the days
    reported [since, until], a unit (属地/涉事单位, or a responsible unit it was dispatched to) and the search box
    (incidents/search.py: number, title, summary, source URL, unit names)."""
    qs = visible_incidents(user).select_related("subject_unit")
    if status:
        qs = qs.filter(status=status)
    if grade == "none":  # not graded yet
        qs = qs.filter(grade="")
    elif grade:
        qs = qs.filter(grade=grade)
    if since:
        qs = qs.filter(reported_at__gte=_day_start(since))
    if until:
        qs = qs.filter(reported_at__lt=_day_after(until))
    if unit_id:
        qs = qs.filter(subject_unit_or_dispatched_to(unit_id))
    if q:
        qs = search.apply(qs, search.parse(q))
    return qs.order_by("-reported_at", "-id")


def ticket_list(
    user: AnyUser,
    *,
    status: str | None = None,
    unit_ids: list[int] | None = None,
    overdue: bool = False,
    grade: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> TicketQuerySet:
    """The 转办单 list (issue 18): the tickets `user` may see (a liaison: their units'), filtered by status, unit,
    the incident's grade, the days dispatched [since, until] and a breached deadline (只看逾期)."""
    qs = visible_tickets(user).select_related("incident", "unit", "claimed_by")
    if status:
        qs = qs.filter(status=status)
    if unit_ids:
        qs = qs.filter(unit_id__in=unit_ids)
    if grade == "none":
        qs = qs.filter(incident__grade="")
    elif grade:
        qs = qs.filter(incident__grade=grade)
    if since:
        qs = qs.filter(dispatched_at__gte=_day_start(since))
    if until:
        qs = qs.filter(dispatched_at__lt=_day_after(until))
    if overdue:
        qs = qs.filter(_open_breaches(user, unit_ids))
    return qs.order_by("-dispatched_at", "-id")


class _AnyOf(Lookup):
    """`lhs = ANY(rhs)`, rhs an array: PostgreSQL computes ARRAY(subquery) once (an InitPlan) and looks the rows up by
    the index of lhs, instead of planning the subquery as a join by its estimated size."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def _open_breaches(user: AnyUser, unit_ids: list[int] | None) -> Q | _AnyOf:
    """The tickets with a deadline breached and not met yet (只看逾期), as a set computed once per statement, not a
    probe per ticket of the list (issue 16: 917 ms for a unit with none of its 50,000 tickets overdue).

    A list confined to units (a liaison's, a leader's, or the unit filter) reads only those units' breaches: a
    ticket's deadlines carry the ticket's unit (deadlines.scheduling.create_deadline), so the set comes from the
    partial index deadline_breached_open_unit and its size is the units' open breaches, whatever the history and
    the other units' backlog. On PostgreSQL it is an array the tickets are fetched from by primary key: as a
    subquery the planner estimated a unit's breaches from the county's (the unit's share of all deadlines) and
    walked all 50,000 of its tickets in date order looking for them (531 ms, bench/RESULTS-filters.md). The office's
    unscoped list keeps the subquery, which the planner estimates from the county's own figures."""
    breaches = Deadline.objects.filter(state=Deadline.State.BREACHED, met_at__isnull=True)
    access = access_for(user)
    units = unit_ids or (None if access.sees_everything else sorted(access.visible_unit_ids))
    if units is None:
        return Q(pk__in=breaches.values("ticket_id"))
    breaches = breaches.filter(unit_id__in=units)
    if connection.vendor == "postgresql":
        return _AnyOf(F("pk"), ArraySubquery(breaches.order_by().values("ticket_id")))
    return Q(pk__in=breaches.values("ticket_id"))


def filter_units(user: AnyUser) -> QuerySet[Unit]:
    """The units a list may be filtered by: every active unit for whoever sees everything, else the units the
    user acts for or oversees (a liaison is never offered another unit's name)."""
    access = access_for(user)
    units = Unit.objects.filter(is_active=True).order_by("path")
    if access.user_id is None:
        return units.none()
    if access.sees_everything:
        return units
    return units.filter(pk__in=access.visible_unit_ids)


def incident_detail(user: AnyUser, pk: int | str, *, ip: str | None = None) -> Incident:
    """The incident with the tickets, feedback and timeline this user may see; Incident.DoesNotExist otherwise.
    Reading a confidential incident leaves an audit event (issue 4: each read of it is audited)."""
    incident = visible_incidents(user).select_related("subject_unit", "graded_by", "merged_into").get(pk=pk)
    record_confidential_read(user, incident, ip=ip)
    tickets = (
        visible_tickets(user)
        .filter(incident=incident)
        .select_related("unit", "claimed_by")
        .prefetch_related(
            Prefetch(
                "feedback", queryset=Feedback.objects.select_related("submitted_by").prefetch_related("attachments")
            )
        )
        .order_by("role", "id")
    )
    incident.visible_tickets = list(tickets)
    incident.timeline = list(timeline(user, incident))
    return incident


def timeline(user: AnyUser, incident: Incident) -> QuerySet[AuditEvent]:
    """Incident-level events plus the events of the tickets this user may see."""
    events = AuditEvent.objects.filter(incident=incident)
    access = access_for(user)
    if not access.sees_everything:
        visible_ids = visible_tickets(user).filter(incident=incident).values("pk")
        events = events.filter(Q(ticket__isnull=True) | Q(ticket_id__in=visible_ids))
    return events.order_by("at", "id")


def confidential_grantees(user: AnyUser, incident: Incident) -> list[User]:
    """Who is granted a confidential incident (知悉范围), for the office that grants and revokes; [] otherwise."""
    if not incident.is_confidential or not access_for(user).is_office:
        return []
    granted = (
        get_user_obj_perms_model()
        ._default_manager.filter(
            permission__codename="view_incident",
            content_type__app_label="incidents",
            content_type__model="incident",
            object_pk=str(incident.pk),
        )
        .values("user_id")
    )
    return list(get_user_model().objects.filter(pk__in=granted).order_by("username"))


def record_confidential_read(user: AnyUser, incident: Incident, *, ip: str | None = None) -> None:
    """The one write a read makes: who opened a confidential incident, and when."""
    if incident.is_confidential:
        audit.record(user, "confidential_read", incident, ip=ip, incident=incident)
