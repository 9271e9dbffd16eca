"""值班表 (004 三(一) 24小时值班制度; 002 第六条 晚上和节假日安排人员值班): swapping two people's shifts and the
handover note (交接班) at each change of shift."""

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.errors import Conflict, InvalidInput, NotPermitted
from monitoring.models import DutyAssignment, Handover, Shift
from notifications.notify import notify
from org.access import access_for, require_role

NOTE_MAX = 2000
ROSTER_ROLES = ("is_office", "is_admin")


def _label(shift: Shift) -> str:
    start = timezone.localtime(shift.starts_at)
    return f"{start:%m月%d日} {shift.get_kind_display()}（{start:%H:%M}起）"


def _overlaps(user: User, shift: Shift, *, excluding: tuple[int, ...]) -> bool:
    return (
        DutyAssignment.objects.filter(user=user, shift__starts_at__lt=shift.ends_at, shift__ends_at__gt=shift.starts_at)
        .exclude(shift_id__in=excluding)
        .exists()
    )


@transaction.atomic
def swap_shifts(
    actor: User, first: DutyAssignment, second: DutyAssignment, *, reason: str = "", ip: str | None = None
) -> tuple[DutyAssignment, DutyAssignment]:
    """换班: the person of `first` takes `second`'s shift and the other way round. The office (or the system
    administrator) records it; both are told. Refused if either would then be on two shifts at once, or if a
    shift has already begun."""
    require_role(actor, ROSTER_ROLES, "只有值班员或系统管理员可以调整值班表。")
    a = DutyAssignment.objects.select_for_update().select_related("shift", "user").get(pk=first.pk)
    b = DutyAssignment.objects.select_for_update().select_related("shift", "user").get(pk=second.pk)
    if a.user_id == b.user_id:
        raise InvalidInput("换班须是两个不同的人。")
    if a.shift.unit_id != b.shift.unit_id:
        raise InvalidInput("只能在同一单位的值班表内换班。")
    now = timezone.now()
    if min(a.shift.starts_at, b.shift.starts_at) <= now:
        raise Conflict("已开始的班次不能换班。")
    if (
        DutyAssignment.objects.filter(shift=b.shift, user=a.user).exists()
        or DutyAssignment.objects.filter(shift=a.shift, user=b.user).exists()
    ):
        raise Conflict("换班后同一人会在同一班次重复值班。")
    ids = (a.shift_id, b.shift_id)
    if _overlaps(a.user, b.shift, excluding=ids) or _overlaps(b.user, a.shift, excluding=ids):
        raise Conflict("换班后有人会同时在两个班次值班。")
    before = {"first": [a.shift_id, a.user_id], "second": [b.shift_id, b.user_id]}
    # The two rows trade shifts; (shift, user) stays unique, checked above.
    a_shift, b_shift = b.shift, a.shift
    DutyAssignment.objects.filter(pk=a.pk).update(shift=a_shift)
    DutyAssignment.objects.filter(pk=b.pk).update(shift=b_shift)
    a.shift, b.shift = a_shift, b_shift
    for who, gave, took in ((a.user, b_shift, a_shift), (b.user, a_shift, b_shift)):
        notify(
            [who],
            title=f"【换班】您的{_label(gave)}值班已换为{_label(took)}",
            link=reverse("monitoring:roster"),
        )
    audit.record(
        actor,
        "duty_swapped",
        a,
        before=before,
        after={"first": [a_shift.pk, a.user_id], "second": [b_shift.pk, b.user_id]},
        reason=reason,
        ip=ip,
    )
    return a, b


@transaction.atomic
def hand_over(actor: User, shift: Shift, note: str, *, ip: str | None = None) -> Handover:
    """交接班: someone on the outgoing shift (or the office) writes what the next shift must know."""
    require_role(actor, ("is_office", "is_liaison", "is_leader"), "只有值班人员可以填写交接班记录。")
    on_it = DutyAssignment.objects.filter(shift=shift, user=actor).exists()
    if not on_it and not access_for(actor).is_office:
        raise NotPermitted("只有本班次的值班人员可以填写交接班记录。")
    note = (note or "").strip()
    if not note:
        raise InvalidInput("请填写交接事项（无事项可写“无”）。", {"note": ["请填写交接事项（无事项可写“无”）。"]})
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"交接事项不能超过{NOTE_MAX}字。", {"note": [f"交接事项不能超过{NOTE_MAX}字。"]})
    handover = Handover.objects.create(shift=shift, author=actor, note=note, written_at=timezone.now())
    audit.record(actor, "duty_handed_over", handover, after={"shift": shift.pk, "note": note}, ip=ip)
    return handover
