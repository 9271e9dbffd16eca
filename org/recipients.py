"""Who is told: the office's duty officers, a unit's liaisons, a unit's responsible leaders, the
office's leaders."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import User
from django.db.models import F, QuerySet

from org.models import Membership, Role, Unit


def _members(unit_ids: Iterable[int], role: str) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__unit_id__in=unit_ids, memberships__role=role, memberships__is_active=True
    ).distinct()


class Directory:
    """Who is told, read once for the length of one pass of the timed checks (a few seconds; a membership changed
    meanwhile counts from the next pass): preload() reads the liaisons and the leaders up the chain of a whole batch's
    units in one statement, however many units, and the functions below answer from it while the pass runs
    (pass_directory()). They stay the one place that says who is told: a notice from the sweep reaches whom the same
    notice from a service would."""

    def __init__(self) -> None:
        self.codes: set[str] = set()  # the units (by code) whose liaisons and own leaders are loaded
        self.liaisons: dict[str, list[User]] = {}
        self.own_leaders: dict[str, list[User]] = {}
        self.duty: list[User] | None = None
        self.office: list[User] | None = None

    def knows(self, unit: Unit) -> bool:
        return all(c in self.codes for c in _codes(unit))

    def preload(self, units: Iterable[Unit | None]) -> None:
        codes = {c for u in units if u is not None for c in _codes(u)} - self.codes
        if not codes:
            return
        rows = (
            Membership.objects.filter(
                unit__code__in=codes, role__in=[Role.LIAISON, Role.LEADER], is_active=True, user__is_active=True
            )
            .select_related("user")
            .annotate(unit_code=F("unit__code"))
            .order_by("pk")
        )
        found: dict[tuple[str, str], dict[int, User]] = {}
        for m in rows:
            found.setdefault((m.role, m.unit_code), {}).setdefault(m.user_id, m.user)
        for code in codes:
            self.liaisons[code] = list(found.get((Role.LIAISON, code), {}).values())
            self.own_leaders[code] = list(found.get((Role.LEADER, code), {}).values())
        self.codes |= codes


_PASS: ContextVar[Directory | None] = ContextVar("recipients_pass", default=None)


@contextmanager
def pass_directory() -> Iterator[Directory]:
    """While the block runs (one pass of the timed checks), the lookups below answer from one Directory."""
    directory = Directory()
    token = _PASS.set(directory)
    try:
        yield directory
    finally:
        _PASS.reset(token)


def _codes(unit: Unit) -> list[str]:
    return [c for c in unit.path.strip("/").split("/") if c]


def duty_officers() -> list[User]:
    directory = _PASS.get()
    if directory is not None and directory.duty is not None:
        return list(directory.duty)
    found = list(
        User.objects.filter(is_active=True, memberships__role=Role.DUTY_OFFICER, memberships__is_active=True).distinct()
    )
    if directory is not None:
        directory.duty = found
    return list(found)


def liaisons(unit: Unit | None) -> list[User]:
    if unit is None:
        return []
    directory = _PASS.get()
    if directory is not None and unit.code in directory.codes:
        return list(directory.liaisons[unit.code])
    return list(_members([unit.pk], Role.LIAISON))


def leaders(unit: Unit | None) -> list[User]:
    """The unit's own leaders; if it has none, the nearest ancestor's (docs/rules.md §1.2: the unit's
    principal leader is first responsible; a unit without one answers to the level above)."""
    if unit is None:
        return []
    codes = _codes(unit)
    directory = _PASS.get()
    if directory is not None and directory.knows(unit):
        for code in reversed(codes):
            if found := directory.own_leaders[code]:
                return list(found)
        return []
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
    directory = _PASS.get()
    if directory is not None and directory.office is not None:
        return list(directory.office)
    offices = list(Unit.objects.filter(is_office=True, is_active=True).order_by("path"))
    if directory is not None:
        directory.preload(offices)
    found: dict[int, User] = {}
    for unit in offices:
        for user in leaders(unit):
            found.setdefault(user.pk, user)
    if directory is not None:
        directory.office = list(found.values())
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
