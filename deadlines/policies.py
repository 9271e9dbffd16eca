"""Which deadline policy applies: the most specific active policy for the incident's grade and case type."""

from collections.abc import Iterable

from deadlines.models import CaseType, DeadlineKind, DeadlinePolicy, Scope, StartEvent
from incidents.models import Incident, Ticket, TicketRole


def case_type_of(incident: Incident) -> CaseType:
    return CaseType.HISTORICAL if incident.is_historical else CaseType.NORMAL


def scopes_for(ticket: Ticket | None) -> list[Scope]:
    if ticket is None:
        return [Scope.INCIDENT]
    return [Scope.TICKET, Scope.LEAD_TICKET] if ticket.role == TicketRole.LEAD else [Scope.TICKET]


def _score(policy: DeadlinePolicy, grade: str, case_type: str) -> int | None:
    if policy.grade and policy.grade != grade:
        return None
    if policy.case_type and policy.case_type != case_type:
        return None
    return (2 if policy.grade else 0) + (1 if policy.case_type else 0)


def pick(policies: Iterable[DeadlinePolicy], incident: Incident) -> dict[str, DeadlinePolicy]:
    """One policy per kind: grade match beats any grade, case-type match beats any type."""
    grade, case_type = incident.grade, case_type_of(incident)
    best: dict[str, tuple[int, DeadlinePolicy]] = {}
    for policy in sorted(policies, key=lambda p: p.pk):
        score = _score(policy, grade, case_type)
        if score is None:
            continue
        if policy.kind not in best or score > best[policy.kind][0]:
            best[policy.kind] = (score, policy)
    return {kind: policy for kind, (_, policy) in best.items()}


def policies_for(
    incident: Incident, ticket: Ticket | None, start_events: Iterable[StartEvent | str]
) -> dict[str, DeadlinePolicy]:
    """{kind: policy} for deadlines that start at one of `start_events` for this incident or ticket."""
    candidates = DeadlinePolicy.objects.filter(
        is_active=True, start_event__in=start_events, scope__in=scopes_for(ticket)
    ).exclude(kind=DeadlineKind.EXTENSION_WINDOW)
    return pick(list(candidates), incident)


def policy_for_kind(incident: Incident, ticket: Ticket | None, kind: str) -> DeadlinePolicy | None:
    candidates = DeadlinePolicy.objects.filter(is_active=True, kind=kind, scope__in=scopes_for(ticket))
    return pick(list(candidates), incident).get(kind)
