"""Who a user is in the workflow: their roles and the units they act for or oversee.

Computed once per user object and cached on it, so one request costs one query."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse

from core.errors import NotPermitted
from org.models import Membership, Role, Unit

# Who a request or a task acts as: a person, the anonymous visitor, or nobody (a system step).
AnyUser = User | AnonymousUser | None

# The attribute access_for() caches its answer in, on the user object (one query per request).
_CACHE = "_yuqing_access"

# The actor kinds the workflow's transitions name (incidents/workflow.py): who acts towards a ticket.
OFFICE = "office"  # duty officers of the office (区委办/网信办)
LIAISON = "liaison"  # liaisons of the ticket's own unit
LEADER = "leader"  # leaders overseeing the unit
SYSTEM = "system"  # the application itself, on another transition's behalf


# Per-person yes/no answers a higher app needs on every page (the navigation's 巡查 link: monitoring), answered in
# access_for's one membership statement instead of a statement of their own per request (issue 16). name → a
# function returning a boolean expression evaluated on each of the person's active Membership rows (its unit, its
# role); the flag holds if it holds on any row. Registered in the higher app's AppConfig.ready() (register_flag).
_FLAGS: dict[str, Callable[[], Any]] = {}


def register_flag(name: str, expression: Callable[[], Any]) -> None:
    _FLAGS[name] = expression


@dataclass
class Access:
    user_id: int | None
    roles: set[str] = field(default_factory=set)
    liaison_unit_ids: set[int] = field(default_factory=set)
    leader_unit_ids: set[int] = field(default_factory=set)  # the leader's units and everything under them
    units: list[Unit] = field(default_factory=list)
    flags: dict[str, bool] = field(default_factory=dict)  # the registered flags (register_flag), by name

    @property
    def is_office(self) -> bool:
        return Role.DUTY_OFFICER in self.roles

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_security_admin(self) -> bool:
        return Role.SECURITY_ADMIN in self.roles

    @property
    def is_auditor(self) -> bool:
        return Role.AUDITOR in self.roles

    @property
    def is_leader(self) -> bool:
        return Role.LEADER in self.roles

    @property
    def is_liaison(self) -> bool:
        return Role.LIAISON in self.roles

    oversees_all: bool = False  # a leader of a top unit (the county): oversees every unit

    @property
    def sees_everything(self) -> bool:
        return self.is_office or self.oversees_all

    @property
    def visible_unit_ids(self) -> set[int]:
        return self.liaison_unit_ids | self.leader_unit_ids

    def kinds_for_unit(self, unit_id: int | None) -> set[str]:
        """The actor kinds (workflow.OFFICE/LIAISON/LEADER) this user holds towards a unit's ticket."""
        kinds: set[str] = set()
        if self.is_office:
            kinds.add(OFFICE)
        if unit_id in self.liaison_unit_ids:
            kinds.add(LIAISON)
        if unit_id in self.leader_unit_ids:
            kinds.add(LEADER)
        return kinds


def access_for(user: AnyUser) -> Access:
    cached: Access | None = getattr(user, _CACHE, None)
    if cached is not None:
        return cached
    if not user or not user.is_authenticated:
        return Access(user_id=None)
    access = Access(user_id=user.pk)
    rows = Membership.objects.filter(user=user, is_active=True, unit__is_active=True).select_related("unit")
    memberships = list(rows.annotate(**{f"_flag_{name}": expression() for name, expression in _FLAGS.items()}))
    access.flags = {name: any(getattr(m, f"_flag_{name}") for m in memberships) for name in _FLAGS}
    leader_paths: list[str] = []
    for m in memberships:
        access.roles.add(m.role)
        access.units.append(m.unit)
        if m.role == Role.LIAISON:
            access.liaison_unit_ids.add(m.unit_id)
        elif m.role == Role.LEADER:
            leader_paths.append(m.unit.path)
            access.oversees_all |= m.unit.parent_id is None
    if user.is_superuser:
        access.roles.add(Role.ADMIN)
    if leader_paths:
        q = Q()
        for path in leader_paths:
            q |= Q(path__startswith=path)
        access.leader_unit_ids = set(Unit.objects.filter(q).values_list("pk", flat=True))
    setattr(user, _CACHE, access)
    return access


# 三员分立: the three administrator duties (GB/T 22239-2019 8.1.4.2 c "实现管理用户的权限分离"). A Django
# superuser counts as the system administrator (access_for above), never as either of the other two.
ADMIN_DUTIES = (Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)


def held_duties(user: User | None, *, exclude_pks: Iterable[int | None] = ()) -> set[str]:
    """The administrator duties a user holds through active memberships (those in `exclude_pks` left out,
    as when they are being edited) and the user object's superuser flag."""
    duties: set[str] = set()
    if user is not None and user.pk is not None:
        rows = Membership.objects.filter(user=user, is_active=True, role__in=ADMIN_DUTIES)
        duties = set(rows.exclude(pk__in=[pk for pk in exclude_pks if pk]).values_list("role", flat=True))
    if user is not None and user.is_superuser:
        duties.add(Role.ADMIN)
    return duties


def duty_conflict(duties: Iterable[str]) -> str:
    """Why a set of roles breaks 三员分立 (zh-hans), or "" if it does not: one person holds at most one
    of the three administrator duties."""
    held = sorted(set(duties) & set(ADMIN_DUTIES), key=ADMIN_DUTIES.index)
    if len(held) < 2:
        return ""
    return f"三员分立：同一人不能同时担任{'、'.join(Role(d).label for d in held)}。"


def forget_access(user: AnyUser) -> None:
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


# --- The one role guard -------------------------------------------------------------------------------------
# Services call require_role (a NotPermitted the pages show and the API answers as 403 JSON); views are wrapped in
# role_required (Django's 403 page, or a 404 where a page must not admit it exists). `roles` names the Access
# properties any one of which admits the user (e.g. ("is_leader", "is_office")).


def _admitted(access: Access, roles: str | tuple[str, ...]) -> bool:
    return any(getattr(access, role) for role in ((roles,) if isinstance(roles, str) else roles))


def require_role(actor: AnyUser | None, roles: str | tuple[str, ...], message: str, *, system: bool = False) -> None:
    """Refuse `actor` unless one of `roles` holds. `system=True`: the application itself (actor None, a timed job)
    is admitted too."""
    if actor is None and system:
        return
    if actor is None or not _admitted(access_for(actor), roles):
        raise NotPermitted(message)


def role_required(
    roles: str | tuple[str, ...], message: str = "", *, hide: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """The view form of require_role: 403 with `message`, or 404 with `hide=True`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _admitted(access_for(request.user), roles):
                raise Http404 if hide else PermissionDenied(message)
            return view(request, *args, **kwargs)

        return guarded

    return decorator
