"""The office keeps the keyword library (004 二(二) "建立网络舆情风险库，及时更新舆情关键词"): add, edit, stop and
restart keywords per risk topic and per 属事 unit, with each keyword's history and hit counts.

Every write here is one transaction: the check, the change and its audit row. The audit rows are the same kind the
admin writes ("setting_change", with the changed fields before and after), so a keyword's history reads alike
whoever changed it and where. A saved keyword bumps the library's version (monitoring.keywords.on_keyword_changed,
a post_save receiver), and every process's matcher rebuilds at its next match (monitoring.matching)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from core import audit
from core.errors import InvalidInput
from core.models import AuditEvent
from monitoring.matching import normalise
from monitoring.models import Keyword, KeywordHit
from org.access import require_role
from org.models import Unit

OFFICE_ONLY = "只有办公室值班员可以维护舆情关键词库。"
# reporting.RiskTopic, reached through the relation the model declares: monitoring sits below reporting.
RiskTopic = Keyword._meta.get_field("topic").related_model
GRADES = dict(Keyword._meta.get_field("raise_to").choices or [])
FIELDS = ("phrase", "topic", "unit", "raise_to", "is_active", "note")
PHRASE_MAX = Keyword._meta.get_field("phrase").max_length or 100
NOTE_MAX = Keyword._meta.get_field("note").max_length or 200
# Product default: a one-character phrase would match nearly every item and drown the office in hits.
PHRASE_MIN = 2
RECENT_DAYS = 30


def active_topics() -> QuerySet:
    return RiskTopic._default_manager.filter(is_active=True).select_related("unit").order_by("name")


def active_units() -> QuerySet[Unit]:
    return Unit.objects.filter(is_active=True).order_by("path")


def office_keywords(
    actor: User, *, q: str = "", topic_id: int | None = None, unit_id: int | None = None, state: str = ""
) -> QuerySet[Keyword]:
    """The library for the office: searched by phrase or note, filtered by topic, unit and 启用/停用."""
    require_role(actor, ("is_office",), OFFICE_ONLY)
    found = Keyword.objects.select_related("topic", "unit").order_by("phrase", "id")
    if q.strip():
        found = found.filter(Q(phrase__icontains=q.strip()) | Q(note__icontains=q.strip()))
    if topic_id:
        found = found.filter(topic_id=topic_id)
    if unit_id:
        found = found.filter(unit_id=unit_id)
    if state in ("active", "inactive"):
        found = found.filter(is_active=state == "active")
    return found


def office_keyword(actor: User, pk: int | None) -> Keyword:
    require_role(actor, ("is_office",), OFFICE_ONLY)
    found = Keyword.objects.select_related("topic", "unit").filter(pk=pk or 0).first()
    if found is None:
        raise InvalidInput("关键词不存在。")
    return found


@dataclass(frozen=True)
class HitCount:
    total: int = 0
    recent: int = 0


def hit_counts(keyword_ids: list[int], now: datetime | None = None) -> dict[int, HitCount]:
    """Hits per keyword (all time and the last 30 days) for one page of keywords: one grouped query."""
    since = (now or timezone.now()) - timedelta(days=RECENT_DAYS)
    rows = (
        KeywordHit.objects.filter(keyword_id__in=keyword_ids)
        .values("keyword_id")
        .annotate(total=Count("pk"), recent=Count("pk", filter=Q(matched_at__gte=since)))
    )
    return {r["keyword_id"]: HitCount(r["total"], r["recent"]) for r in rows}


@dataclass(frozen=True)
class Change:
    at: datetime
    actor: str
    summary: str
    reason: str
    lines: tuple[tuple[str, str, str], ...]  # (field label, before, after)


def _labels() -> dict[str, str]:
    return {name: str(getattr(Keyword._meta.get_field(name), "verbose_name", name)) for name in FIELDS}


def _words(key: str, value, topics: dict[int, str], units: dict[int, str]) -> str:
    if value in (None, ""):
        return "—"
    if key == "topic":
        return topics.get(value, "（已删除）")
    if key == "unit":
        return units.get(value, "（已删除）")
    if key == "is_active":
        return "启用" if value else "停用"
    if key == "raise_to":
        return str(GRADES.get(value, value))
    return str(value)


def keyword_history(actor: User, keyword: Keyword) -> list[Change]:
    """Who changed the keyword, when, and each field before → after (the admin's changes and the office's)."""
    require_role(actor, ("is_office",), OFFICE_ONLY)
    events = list(
        AuditEvent.objects.filter(object_type="keyword", object_id=str(keyword.pk)).order_by("-at", "-id")[:100]
    )
    refs: dict[str, set[int]] = {"topic": set(), "unit": set()}
    for event in events:
        for change in (event.before or {}, event.after or {}):
            for key in refs:
                if isinstance(change.get(key), int):
                    refs[key].add(change[key])
    topics = dict(RiskTopic._default_manager.filter(pk__in=refs["topic"]).values_list("pk", "name"))
    units = dict(Unit.objects.filter(pk__in=refs["unit"]).values_list("pk", "name"))
    labels = _labels()
    changes = []
    for event in events:
        before, after = event.before or {}, event.after or {}
        keys = [k for k in FIELDS if k in before or k in after]
        lines = tuple(
            (labels[k], _words(k, before.get(k), topics, units), _words(k, after.get(k), topics, units)) for k in keys
        )
        summary = "新增" if not before and after else ("删除" if event.action == "setting_delete" else "修改")
        changes.append(Change(event.at, event.actor_name, summary, event.reason, lines))
    return changes


# --- writes -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeywordData:
    phrase: str
    topic: Any  # a reporting.RiskTopic or None (monitoring cannot name the class: it sits below reporting)
    unit: Unit | None
    raise_to: str = ""
    note: str = ""


def problems(data: KeywordData, *, exclude_pk: int | None = None) -> dict[str, list[str]]:
    """What is wrong with a keyword, by field (the form and the .xlsx import say the same)."""
    errors: dict[str, list[str]] = {}
    phrase = (data.phrase or "").strip()
    if not phrase:
        errors["phrase"] = ["请填写关键词或短语。"]
    elif len(phrase) > PHRASE_MAX:
        errors["phrase"] = [f"关键词不能超过{PHRASE_MAX}字。"]
    elif len(normalise(phrase)) < PHRASE_MIN:
        errors["phrase"] = [f"关键词至少{PHRASE_MIN}个字（去掉空格后），单字会命中几乎所有舆情。"]
    if data.topic is None and data.unit is None:
        errors["topic"] = ["请选择风险点或属事单位（至少一项）。"]
    elif data.topic is not None and not getattr(data.topic, "is_active", False):
        errors["topic"] = ["该风险点已停用。"]
    if data.raise_to not in GRADES and data.raise_to != "":
        errors["raise_to"] = ["建议等级应为 I、II、III、IV 级之一，或留空。"]
    if len(data.note or "") > NOTE_MAX:
        errors["note"] = [f"说明不能超过{NOTE_MAX}字。"]
    if not errors and duplicate_of(data, exclude_pk=exclude_pk) is not None:
        errors["phrase"] = ["词库中已有相同的关键词（同一风险点和属事单位）。"]
    return errors


def duplicate_of(data: KeywordData, *, exclude_pk: int | None = None) -> Keyword | None:
    """The same phrase (normalised: width, case and spaces) for the same topic and unit, active or not."""
    key = normalise(data.phrase)
    same = Keyword.objects.filter(topic=data.topic, unit=data.unit).exclude(pk=exclude_pk or 0).only("pk", "phrase")
    return next((k for k in same if normalise(k.phrase) == key), None)


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        raise InvalidInput("；".join(m for ms in errors.values() for m in ms), errors)


def _snapshot(keyword: Keyword) -> dict:
    return {
        "phrase": keyword.phrase,
        "topic": keyword.topic_id,
        "unit": keyword.unit_id,
        "raise_to": keyword.raise_to,
        "is_active": keyword.is_active,
        "note": keyword.note,
    }


@transaction.atomic
def create_keyword(actor: User, data: KeywordData, *, ip: str | None = None) -> Keyword:
    """A new keyword, active at once: the next item matched is matched against it (004 二(二))."""
    require_role(actor, ("is_office",), OFFICE_ONLY)
    _refuse(problems(data))
    keyword = Keyword.objects.create(
        phrase=data.phrase.strip(),
        topic=data.topic,
        unit=data.unit,
        raise_to=data.raise_to,
        note=(data.note or "").strip(),
    )
    audit.record(actor, "setting_change", keyword, before={}, after=_snapshot(keyword), ip=ip)
    return keyword


def _locked(actor: User, keyword: Keyword | int) -> Keyword:
    require_role(actor, ("is_office",), OFFICE_ONLY)
    pk = keyword.pk if isinstance(keyword, Keyword) else keyword
    found = Keyword.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise InvalidInput("关键词不存在。")
    return found


def _save_changes(actor: User, keyword: Keyword, before: dict, reason: str, ip: str | None) -> Keyword:
    after = _snapshot(keyword)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if not changed:
        return keyword
    keyword.save()
    audit.record(
        actor,
        "setting_change",
        keyword,
        before={k: before[k] for k in changed},
        after=changed,
        reason=reason,
        ip=ip,
    )
    return keyword


@transaction.atomic
def update_keyword(actor: User, keyword: Keyword | int, data: KeywordData, *, ip: str | None = None) -> Keyword:
    """Edit a keyword's phrase, topic, unit, grade or note; the fields that changed are audited before → after."""
    keyword = _locked(actor, keyword)
    _refuse(problems(data, exclude_pk=keyword.pk))
    before = _snapshot(keyword)
    keyword.phrase, keyword.topic, keyword.unit = data.phrase.strip(), data.topic, data.unit
    keyword.raise_to, keyword.note = data.raise_to, (data.note or "").strip()
    return _save_changes(actor, keyword, before, "", ip)


@transaction.atomic
def set_keyword_active(
    actor: User, keyword: Keyword | int, active: bool, *, reason: str = "", ip: str | None = None
) -> Keyword:
    """停用 (kept with its history and hits, no longer matched) or 启用 again. Keywords are never deleted here: their
    hits count in the risk library's thresholds and the history stays readable."""
    keyword = _locked(actor, keyword)
    reason = (reason or "").strip()[:200]
    if keyword.is_active == active:
        raise InvalidInput(f"该关键词已{'启用' if active else '停用'}。")
    if active:
        _refuse({k: v for k, v in problems(_data_of(keyword), exclude_pk=keyword.pk).items() if k == "topic"})
    before = _snapshot(keyword)
    keyword.is_active = active
    return _save_changes(actor, keyword, before, reason, ip)


def _data_of(keyword: Keyword) -> KeywordData:
    return KeywordData(keyword.phrase, keyword.topic, keyword.unit, keyword.raise_to, keyword.note)
