"""Writing the audit trail. Called only from services, inside their transaction."""

from datetime import date, datetime
from decimal import Decimal

from django.db import models

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
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_name = actor.get_full_name() or actor.get_username()
        actor_id = actor.pk
    else:
        actor_name, actor_id = "系统", None
    return AuditEvent.objects.create(
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

# Labels of workflow transitions, registered by the app that owns the state machines (incidents/apps.py), so this
# module, below every app, does not import them. Ticket labels win for events on a ticket: the same action name
# reads differently on an incident and on a ticket.
TICKET_ACTION_LABELS: dict[str, str] = {}


def register_labels(*, incident=None, ticket=None):
    ACTION_LABELS.update(incident or {})
    TICKET_ACTION_LABELS.update(ticket or {})


def action_label(event):
    if event.ticket_id and event.action in TICKET_ACTION_LABELS:
        return TICKET_ACTION_LABELS[event.action]
    return ACTION_LABELS.get(event.action, event.action)
