"""Writing the audit trail. Called only from services, inside their transaction."""

import json
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.models import AuditEvent


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def snapshot(obj, fields):
    return {name: _plain(getattr(obj, name)) for name in fields}


def record(actor, action, obj, *, before=None, after=None, reason="", ip=None, incident=None, ticket=None):
    row = event(actor, action, obj, before=before, after=after, reason=reason, ip=ip, incident=incident, ticket=ticket)
    row.save(force_insert=True)
    return row


def event(actor, action, obj, *, before=None, after=None, reason="", ip=None, incident=None, ticket=None):
    """One audit row, unsaved: record() writes it, record_many() writes many in one statement."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_name = actor.get_full_name() or actor.get_username()
        actor_id = actor.pk
    else:
        actor_name, actor_id = "系统", None
    return AuditEvent(
        at=timezone.now(),
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        incident=incident,
        ticket=ticket,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        before=_plain(before or {}),
        after=_plain(after or {}),
        reason=reason or "",
        ip=ip,
    )


# The columns of a row record_system_rows() takes, in this order; every other column of the trail is the system's
# constant (at: the batch's instant, actor 系统, before {}, no reason, no ip).
SYSTEM_ROW = ("action", "object_id", "incident_id", "ticket_id", "after")


def record_system_rows(object_type, rows, *, at=None):
    """Audit rows of the system (the timed checks) about objects of one model, as plain tuples in SYSTEM_ROW's order
    written in one INSERT: the same columns and values as record(None, action, obj, after=...) writes for each, without
    an AuditEvent instance per row (a batch of 500 steps built 500 through event(), the largest Python cost per row
    left in the sweep, issue 16). Inserts only, so the append-only trigger has nothing to refuse. On PostgreSQL the
    rows travel as one JSON parameter unpacked by the server and the constant columns as parameters once; elsewhere
    (SQLite) executemany. Returns the number of rows."""
    rows = list(rows)
    if not rows:
        return 0
    at = at or timezone.now()
    fields = {f.attname: f for f in AuditEvent._meta.concrete_fields if not f.primary_key}
    consts = {"at": at, "actor_id": None, "actor_name": "系统", "object_type": object_type, "before": {}, "reason": ""}
    consts["ip"] = None
    if set(fields) != set(consts) | set(SYSTEM_ROW):  # a column added to the trail must be filled here too
        raise LookupError(f"AuditEvent columns not filled by record_system_rows: {set(fields) - set(consts)}")
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields.values())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            exprs, params = [], []
            for name, f in fields.items():
                kind = f.db_type(connection)
                if name in consts:
                    value = consts[name]
                    exprs.append(f"%s::{kind}")
                    params.append(json.dumps(value) if kind == "jsonb" else value)
                else:
                    i = SYSTEM_ROW.index(name)
                    exprs.append(f"r->{i}" if kind == "jsonb" else f"(r->>{i})::{kind}")
            payload = json.dumps(rows, ensure_ascii=False, default=_plain)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {', '.join(exprs)} FROM jsonb_array_elements(%s::jsonb) r",
                [*params, payload],
            )
        else:
            fixed = consts | {"at": connection.ops.adapt_datetimefield_value(at), "before": "{}"}
            spots = [SYSTEM_ROW.index(name) if name not in consts else -1 for name in fields]
            after, object_id = SYSTEM_ROW.index("after"), SYSTEM_ROW.index("object_id")
            values = []
            for row in rows:
                row = list(row)
                row[after] = json.dumps(_plain(row[after]))  # as the ORM stores a JSONField on SQLite
                row[object_id] = str(row[object_id])
                values.append(tuple(row[i] if i >= 0 else fixed[name] for name, i in zip(fields, spots, strict=True)))
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)
    return len(rows)


def record_many(events):
    """Write the rows of event() in one INSERT: the same rows record() writes one at a time, for the timed checks'
    batches. Inserts only, so the append-only trigger has nothing to refuse. On PostgreSQL the rows travel as one
    JSON parameter unpacked by the server: Django's psycopg cursor binds parameters in Python, and bulk_create's
    per-field preparation and quoting of 1,000 rows costs more than the INSERT (issue 16). Returns the rows written
    (without their ids on PostgreSQL)."""
    events = list(events)
    if not events or connection.vendor != "postgresql":
        return AuditEvent.objects.bulk_create(events) if events else []
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    rows = [[getattr(e, f.attname) for f in fields] for e in events]  # before/after: event() made them plain
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    casts = ", ".join(
        f"r->{i}" if f.db_type(connection) == "jsonb" else f"(r->>{i})::{f.db_type(connection)}"
        for i, f in enumerate(fields)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(AuditEvent._meta.db_table)} ({names}) "
            f"SELECT {casts} FROM jsonb_array_elements(%s::jsonb) r",
            [json.dumps(rows, ensure_ascii=False, default=_plain)],
        )
    return events


ACTION_LABELS = {
    "report": "报送舆情",
    "merge_received": "并入重复舆情",
    "dispatch": "转办",
    "designate_claimant": "指定认领",
    "setting_change": "修改设置",
    "setting_delete": "删除设置",
    "login_failed": "登录失败",
    # 三员分立 (issue 11 §3): users, roles and groups, changed by the security administrator
    "role_change": "变更人员角色",
    "user_change": "变更用户",
    "user_delete": "删除用户",
    "group_change": "变更用户组权限",
    "group_delete": "删除用户组",
    "backup_created": "数据备份",
    "backup_restored": "数据恢复",
    "password_changed": "修改密码",
    "password_reset": "管理员重置密码",
    "token_issued": "签发 API 令牌",
    "token_revoked": "吊销 API 令牌",
    "otp_enrolled": "启用双因素认证",
    "otp_failed": "动态口令错误",
    "confidential_read": "查阅敏感舆情",
    "confidential_granted": "授权查阅敏感舆情",
    "confidential_revoked": "撤销查阅敏感舆情授权",
    "deadline_reminder": "到期提醒",
    "remind": "催办",  # the office reminds a unit of an open ticket (incidents.services.bulk)
    "deadline_breached": "逾期督办",
    "deadline_escalated": "逾期升级报告领导",
    "deadline_step_requeued": "重新触发督办步骤",
    "deadline_recomputed": "等级或事项类型调整后重算时限",
    "historical_changed": "调整历史遗留问题认定",
    "extension_requested": "申请延期",
    "extension_approved": "批准延期",
    "extension_rejected": "驳回延期",
    "reply_published": "登记回应",
    "reply_drafted": "拟写回应稿",
    "reply_approved": "审定发布回应",
    "reply_sent_back": "退回修改回应稿（批示）",
    "leader_reported": "报告领导",
    # reporting (issue 6)
    "report_generated": "生成报告",
    "report_regenerated": "重新生成报告",
    "report_edited": "修改报告",
    "report_issued": "签发报告",
    "special_report_created": "编制舆情专报",
    "supervision_issued": "发出舆情督报",
    "risk_notice_issued": "发出网络风险提示函",
    "daily_submission": "每日报送",
    "daily_submission_updated": "更新每日报送",
    "template_uploaded": "上传文书模板",
    "template_reverted": "恢复文书模板",
}

# What the timeline and the API show for an event, registered by the apps that own the state machines and the
# enums (incidents/apps.py), so this module, below every app, imports none of them. Keyed by the event's
# object_type (the model name of what changed): the same action or value reads differently on an incident and on
# a ticket ("dispatched" is 已转办 for an incident, 待认领 for a ticket; "close" is 审核销号 or 销号).
OBJECT_ACTION_LABELS: dict[str, dict[str, str]] = {}
OBJECT_VALUE_LABELS: dict[str, dict[str, dict]] = {}
OBJECT_FIELD_LABELS: dict[str, dict[str, str]] = {}
# Values that read the same on every object (a grade, a yes/no); an object's own registration wins.
VALUE_LABELS: dict[str, dict] = {"is_historical": {True: "是", False: "否"}, "designated": {True: "是", False: "否"}}

# The fields a person cares about in a change, and what they are called.
FIELD_LABELS = {
    "status": "状态",
    "state": "状态",
    "grade": "等级",
    "unit": "单位",
    "role": "承办类型",
    "due_at": "时限",
    "units": "转办单位",
    "kind": "类型",
    "merged_into": "合并至",
    "merged": "并入",
    "assignee": "指定认领人",
    "breached_at": "逾期时间",
    "to": "延至",
    "from": "原时限",
    "original_due_at": "原定时限",
    "channel": "方式",
    "reported_to": "报告对象",
    "reported_at": "报告时间",
    "published_at": "发布时间",
    "by_unit": "单位",
    "deadline": "时限",
    "title": "标题",
    "username": "用户名",
    "user": "被授权人",
    "drafted_by": "拟稿人",
    "sent_back_by": "退回人",
    "is_historical": "历史遗留问题",
    "promised_at": "承诺落实时间",
    "policy": "时限规则",
}
# Fields that may hold the id of another row, and which kind of row: shown by name, never by id ("时限：73").
REFERENCE_FIELDS = {
    "unit": "unit",
    "by_unit": "unit",
    "units": "unit",
    "user": "user",
    "assignee": "user",
    "drafted_by": "user",
    "deadline": "deadline",
}


def register_labels(object_type=None, *, actions=None, values=None, fields=None, incident=None):
    """The labels of `object_type`'s workflow actions ({action: label}) and of its enum fields
    ({field: {value: label}}); "*" for values that read the same on every object. `incident=`: actions that read
    the same whatever object they are recorded on (the documents of reporting/apps.py)."""
    ACTION_LABELS.update(incident or {})
    if object_type is None:
        return
    if object_type == "*":
        VALUE_LABELS.update(values or {})
        return
    OBJECT_ACTION_LABELS.setdefault(object_type, {}).update(actions or {})
    OBJECT_VALUE_LABELS.setdefault(object_type, {}).update(values or {})
    OBJECT_FIELD_LABELS.setdefault(object_type, {}).update(fields or {})


def action_label(event):
    own = OBJECT_ACTION_LABELS.get(event.object_type, {})
    return own.get(event.action) or ACTION_LABELS.get(event.action, event.action)


def _is_reference(key, value):
    return key in REFERENCE_FIELDS and isinstance(value, int) and not isinstance(value, bool)


def references(events):
    """{kind of row: ids} that the changes of `events` refer to by id, to be looked up by name in one query each."""
    found: dict[str, set[int]] = {}
    for event in events:
        for change in (event.before or {}, event.after or {}):
            for key, value in change.items():
                values = value if isinstance(value, list) else [value]
                for v in values:
                    if _is_reference(key, v):
                        found.setdefault(REFERENCE_FIELDS[key], set()).add(v)
    return found


def _datetime_words(value):
    # Stored values are ISO strings (snapshot()); shown in local time like every other time on a page.
    parsed = parse_datetime(value)
    return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M") if parsed is not None else value


def value_words(event, key, value, names=None):
    """One value of a change in words: an enum as its Chinese label (by the event's object), a reference by
    name (`names`: {(kind, id): name}), a time in local time, a list joined with 、."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, list):
        return "、".join(value_words(event, key, v, names) for v in value)
    if _is_reference(key, value):
        return (names or {}).get((REFERENCE_FIELDS[key], value), "（已删除或无权查看）")
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return _datetime_words(value)
    labels = OBJECT_VALUE_LABELS.get(event.object_type, {}).get(key) or VALUE_LABELS.get(key) or {}
    try:
        return str(labels.get(value, value))
    except TypeError:  # an unhashable value (a dict) has no label
        return str(value)


def change_summary(event, names=None):
    """Before → after in words, for the fields a person cares about."""
    before, parts = event.before or {}, []
    field_labels = FIELD_LABELS | OBJECT_FIELD_LABELS.get(event.object_type, {})
    for key, new in (event.after or {}).items():
        if key not in field_labels:
            continue
        label = field_labels[key]
        if key in before and before[key] != new:
            parts.append(
                f"{label}：{value_words(event, key, before[key], names)} → {value_words(event, key, new, names)}"
            )
        elif key not in before and new not in (None, "", [], {}):  # nothing set is not news ("时限：—")
            parts.append(f"{label}：{value_words(event, key, new, names)}")
    return "；".join(parts)
