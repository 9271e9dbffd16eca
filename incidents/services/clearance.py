"""知悉范围 of a confidential incident (issue 4, issue 11 §1): the office grants and revokes `view_incident`
(django-guardian), and a dispatch grants the receiving units' people. Each grant and revocation is audited."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm
from guardian.utils import get_user_obj_perms_model

from core import audit
from core.errors import InvalidInput
from incidents.models import Incident, Ticket
from incidents.services._common import locked_incident
from org import recipients as monitoring_recipients
from org.access import require_role


def _is_granted(user, incident):
    return (
        get_user_obj_perms_model()
        .objects.filter(
            user=user,
            permission__codename="view_incident",
            content_type__app_label="incidents",
            content_type__model="incident",
            object_pk=str(incident.pk),
        )
        .exists()
    )


def _grant(actor, incident, user, *, ip=None, reason=""):
    """One grant of `view_incident` on the incident (django-guardian's object permission, read by
    selectors._cleared_for_confidential), audited; a user already granted is left as is. Returns whether granted."""
    if _is_granted(user, incident):
        return False
    assign_perm("incidents.view_incident", user, incident)
    audit.record(
        actor,
        "confidential_granted",
        incident,
        after={"user": user.get_full_name() or user.get_username(), "user_id": user.pk},
        reason=reason,
        ip=ip,
        incident=incident,
    )
    return True


def grant_receiving_units(actor: User, incident: Incident, tickets: Iterable[Ticket], *, ip: str | None = None) -> None:
    """A confidential incident dispatched to a unit is opened by the people who must act on it: the unit's
    liaisons (认领, 002 第六条) and the leaders its deadlines escalate to (org.recipients.leaders) are
    granted it, each grant audited (issue 11 §1); the office revokes what is no longer needed."""
    if not incident.is_confidential:
        return
    for ticket in tickets:
        people = monitoring_recipients.liaisons(ticket.unit) + monitoring_recipients.leaders(ticket.unit)
        for user in {u.pk: u for u in people}.values():
            _grant(actor, incident, user, ip=ip, reason=f"转办{ticket.unit.name}")


def _confidential_for_office(actor: User, incident: Incident | int) -> Incident:
    incident = locked_incident(actor, incident)
    require_role(actor, "is_office", "只有办公室可以授权或撤销查阅敏感舆情。")
    if not incident.is_confidential:
        raise InvalidInput("该舆情未标记为敏感，无需授权。")
    return incident


@transaction.atomic
def grant_confidential_access(
    actor: User, incident: Incident | int, *, user: User | None, ip: str | None = None
) -> Incident:
    """限制知悉: a confidential incident is visible only to its reporter and the people granted it
    (issue 4). The office grants, among those who already see it; each grant is audited."""
    incident = _confidential_for_office(actor, incident)
    if user is None or not user.is_active:
        raise InvalidInput("被授权人不存在或已停用。", {"user": ["被授权人不存在或已停用。"]})
    _grant(actor, incident, user, ip=ip)
    return incident


@transaction.atomic
def revoke_confidential_access(
    actor: User, incident: Incident | int, *, user: User | None, ip: str | None = None
) -> Incident:
    """撤销知悉: the office withdraws a grant (GB/T 22239-2019 8.1.4.2 访问控制, need-to-know ends with the task);
    the person no longer finds the incident, its tickets or its reports (404). The reporter keeps sight of what
    they reported, so only a grant can be revoked. Audited."""
    incident = _confidential_for_office(actor, incident)
    if user is None or not _is_granted(user, incident):
        raise InvalidInput("该用户没有查阅此敏感舆情的授权。", {"user": ["该用户没有查阅此敏感舆情的授权。"]})
    remove_perm("incidents.view_incident", user, incident)
    audit.record(
        actor,
        "confidential_revoked",
        incident,
        before={"user": user.get_full_name() or user.get_username(), "user_id": user.pk},
        ip=ip,
        incident=incident,
    )
    return incident
