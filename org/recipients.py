"""Who is told: the office's duty officers, a unit's liaisons, a unit's responsible leaders, the
office's leaders."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db.models import QuerySet

from org.models import Membership, Role, Unit


def _members(unit_ids: Iterable[int], role: str) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__unit_id__in=unit_ids, memberships__role=role, memberships__is_active=True
    ).distinct()


def duty_officers() -> list[User]:
    return list(
        User.objects.filter(is_active=True, memberships__role=Role.DUTY_OFFICER, memberships__is_active=True).distinct()
    )


def liaisons(unit: Unit | None) -> list[User]:
    return list(_members([unit.pk], Role.LIAISON)) if unit else []


def leaders(unit: Unit | None) -> list[User]:
    """The unit's own leaders; if it has none, the nearest ancestor's (docs/rules.md §1.2: the unit's
    principal leader is first responsible; a unit without one answers to the level above)."""
    if unit is None:
        return []
    codes = [c for c in unit.path.strip("/").split("/") if c]
    ancestors = {u.code: u.pk for u in Unit.objects.filter(code__in=codes)}
    for code in reversed(codes):
        found = list(_members([ancestors[code]], Role.LEADER))
        if found:
            return found
    return []


def office_leaders() -> list[User]:
    """The leaders the office answers to: each office unit's (Unit.is_office) own leaders, or its nearest
    ancestor's as leaders() finds them. The office's own deadlines (报告领导, 回应发布 …) escalate to them,
    not to the leaders of the unit the incident is about: the principal leader of whoever owns a deadline
    is its first responsible person (004 一(五))."""
    found: dict[int, User] = {}
    for unit in Unit.objects.filter(is_office=True, is_active=True).order_by("path"):
        for user in leaders(unit):
            found.setdefault(user.pk, user)
    return list(found.values())


def county_leaders() -> list[User]:
    """县领导: leaders of a top unit (the county), who oversee every unit (org.access: oversees_all). They
    approve what the grade reserves for the county (GradeSetting: Approver.COUNTY)."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__role=Role.LEADER,
            memberships__is_active=True,
            memberships__unit__parent__isnull=True,
            memberships__unit__is_active=True,
        ).distinct()
    )


def phone_of(user: User) -> str:
    return (
        Membership.objects.filter(user=user, is_active=True).exclude(phone="").values_list("phone", flat=True).first()
        or ""
    )
