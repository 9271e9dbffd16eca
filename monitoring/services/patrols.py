"""巡查记录: the officer on duty records a patrol; it meets the unit's open patrol slots (巡查时限)."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import InvalidInput, NotPermitted
from deadlines import scheduling
from monitoring import patrol_days, selectors
from monitoring.models import PatrolRecord, PatrolSlot, Site
from org.access import access_for, require_role
from org.models import Unit

FINDINGS_MAX = 2000
# A patrol may be written down afterwards, within a day; later than that it is no record of a patrol (product rule).
BACKDATE_LIMIT = timedelta(hours=24)


@transaction.atomic
def record_patrol(
    actor: User,
    *,
    unit: Unit,
    sites: Iterable[Site],
    patrolled_at: datetime | None = None,
    found: bool = False,
    findings: str = "",
    ip: str | None = None,
) -> PatrolRecord:
    """Record a patrol of `sites` (002 第五条 巡查; "未发现" is a valid result). It covers every open patrol slot of
    the unit started by then: on time inside the slot's window, late after it (002 第六条 纳入考核)."""
    require_role(actor, ("is_office", "is_liaison", "is_leader"), "只有值班人员和监测单位的工作人员可以登记巡查。")
    access = access_for(actor)
    if not access.is_office and unit.pk not in {u.pk for u in access.units}:
        raise NotPermitted(f"您不是{unit.name}的工作人员，不能登记该单位的巡查。")
    now = timezone.now()
    at = patrolled_at or now
    errors: dict[str, list[str]] = {}
    if at > now + timedelta(minutes=5):
        errors["patrolled_at"] = ["巡查时间不能晚于现在。"]
    elif at < now - BACKDATE_LIMIT:
        errors["patrolled_at"] = ["只能补记24小时内的巡查。"]
    chosen = list(sites)
    if not chosen:
        errors["sites"] = ["请至少选择一个巡查的网站。"]
    elif any(site.unit_id != unit.pk or not site.is_active for site in chosen):
        errors["sites"] = [f"所选网站须是{unit.name}负责巡查的网站。"]
    findings = (findings or "").strip()
    if len(findings) > FINDINGS_MAX:
        errors["findings"] = [f"发现情况不能超过{FINDINGS_MAX}字。"]
    if errors:
        raise InvalidInput("；".join(e for messages in errors.values() for e in messages), errors)
    record = PatrolRecord.objects.create(unit=unit, officer=actor, patrolled_at=at, found=found, findings=findings)
    record.sites.set(chosen)
    # Lock the slots it may cover, then read them again: a concurrent patrol of the same unit waits, and the slots
    # it met are no longer open when this one looks (met once, by the first patrol).
    candidates = [slot_id for slot_id, _ in selectors.open_slot_deadline_ids(unit, at)]
    list(PatrolSlot.objects.select_for_update().filter(pk__in=candidates).values_list("pk", flat=True))
    covered = selectors.open_slot_deadline_ids(unit, at)
    scheduling.meet_by_ids([deadline_id for _, deadline_id in covered], at)
    PatrolSlot.objects.filter(pk__in=[slot_id for slot_id, _ in covered]).update(record=record)
    # The daily figures of the days it touched: the record's, and those of the slots it may have covered.
    first, last = patrol_days.local_day(at - selectors.COVERS_BACK), patrol_days.local_day(at)
    patrol_days.refresh((unit.pk, first + timedelta(days=i)) for i in range((last - first).days + 1))
    audit.record(
        actor,
        "patrol_recorded",
        record,
        after={
            "unit": unit.pk,
            "patrolled_at": at,
            "sites": [s.pk for s in chosen],
            "found": found,
            "findings": findings,
            "slots": len(covered),
        },
        ip=ip,
    )
    return record
