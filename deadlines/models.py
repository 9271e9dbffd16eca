"""The deadline engine's data: deadline policies, deadlines with their escalation steps, and extension requests.
Every due time lives here, in the database; Celery beat only triggers a sweep over what is due. The tables keep the
monitoring_ names they were created with."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidents.models import Grade, Incident, Ticket
from org.models import Unit


class DeadlineKind(models.TextChoices):
    CLAIM = "claim", "认领时限"
    LEADER_REPORT = "leader_report", "报告领导时限"
    FEEDBACK = "feedback", "办理反馈时限"
    REPORT = "report", "核实调查报告时限"
    REPLY = "reply", "回应发布时限"
    RESPONSE = "response", "首次回应/发布会时限"
    EXTENSION_WINDOW = "extension_window", "延期申请期限"
    INSTRUCTION = "instruction", "批示办理时限"
    SUPERVISION = "supervision", "督报办理时限"
    # The date a 书面说明 promises (000 三.2): tracked like any other limit.
    FOLLOW_UP = "follow_up", "书面说明承诺时限"
    # One scheduled patrol slot of a watching unit (002 第五条、第六条): no incident, owned by the unit.
    PATROL = "patrol", "巡查时限"
    # A county leader's 批示 on an incident, to be 落实 by the office (which relays it to the units) within its
    # time limit: the one the leader gives, else "原则上在3天内落实到位" (000 三.2); 交办、承办、督办 (002 第八条).
    LEADER_INSTRUCTION = "leader_instruction", "领导批示落实时限"
    # An item the city hands down (市级交办), to be reported back to the city by the city's own time limit (000 三;
    # 004 二(三)3). Owned by the office, met by recording the report-back (followup.services).
    CITY_ASSIGNMENT = "city_assignment", "市级交办反馈时限"
    # 后期处置 (000 三.3): the office's 总结评估 of a closed incident, due when its watch (持续关注) ends. Owned by the
    # office (no unit), met by writing the evaluation (followup.aftercare).
    AFTERCARE_EVALUATION = "aftercare_evaluation", "总结评估时限"


class StartEvent(models.TextChoices):
    DISCOVERY = "discovery", "发现舆情"
    GRADING = "grading", "研判定级"
    DISPATCH = "dispatch", "转办"
    CLAIM = "claim", "认领"
    REPORT = "report", "形成核实调查报告"
    # Only the 批示 service starts a deadline from this event (scheduling.on_leader_instruction), never schedule().
    INSTRUCTION = "instruction", "领导批示"


class Scope(models.TextChoices):
    TICKET = "ticket", "每个转办单"
    LEAD_TICKET = "lead_ticket", "主办单位转办单"
    INCIDENT = "incident", "舆情（整体）"


class CaseType(models.TextChoices):
    ANY = "", "不限"
    NORMAL = "normal", "一般事项"
    HISTORICAL = "historical", "历史遗留问题"


class DeadlinePolicy(models.Model):
    """One time limit. Durations are written as '2h', '30m', '3d' (calendar days), '5wd' (working days)
    or '4wh' (working hours). The most specific active policy wins (grade and case type match
    beat 'any')."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("时限类型", max_length=20, choices=DeadlineKind.choices)
    grade = models.CharField("适用等级", max_length=3, choices=Grade.choices, blank=True, help_text="留空表示所有等级")
    case_type = models.CharField("事项类型", max_length=20, choices=CaseType.choices, blank=True)
    scope = models.CharField("适用对象", max_length=20, choices=Scope.choices)
    start_event = models.CharField("起算事件", max_length=20, choices=StartEvent.choices)
    duration = models.CharField(
        "时限", max_length=20, help_text="如 2h、30m、3d（自然日）、5wd（工作日）、4wh（工作小时）"
    )
    reminder_leads = models.CharField(
        "到期前提醒", max_length=100, blank=True, help_text="逗号分隔，如 1wd,2h：到期前 1 个工作日和 2 小时各提醒一次"
    )
    escalate_after = models.CharField(
        "逾期后升级", max_length=20, blank=True, help_text="逾期后再过多久仍未办结即报告责任领导，如 1wd；留空不升级"
    )
    channels = models.CharField("通知渠道", max_length=50, default="inbox", help_text="inbox,email,sms 的组合")
    is_active = models.BooleanField("启用", default=True)
    source = models.CharField("依据", max_length=300, blank=True, help_text="条文出处；产品默认值须注明")

    class Meta:
        db_table = "monitoring_deadlinepolicy"
        verbose_name = "时限规则"
        verbose_name_plural = "时限规则"
        ordering = ["kind", "grade", "case_type"]
        indexes = [models.Index(fields=["start_event", "is_active"])]

    def __str__(self):
        return self.name

    def frozen(self):
        """What a deadline keeps of its policy, so later edits do not move existing deadlines."""
        return {
            "policy": self.name,
            "duration": self.duration,
            "reminder_leads": self.reminder_leads,
            "escalate_after": self.escalate_after,
            "channels": self.channels,
            "source": self.source,
        }


class DeadlineQuerySet(models.QuerySet["Deadline"]):
    def open(self) -> "DeadlineQuerySet":
        """The deadlines still running: not met, and pending or breached (neither cancelled nor replaced by an
        extension). The one definition of an open deadline; Deadline.is_open is the same test on one row."""
        return self.filter(state__in=Deadline.OPEN_STATES, met_at__isnull=True)


class Deadline(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "未到期"
        MET = "met", "按时完成"
        BREACHED = "breached", "已逾期"
        EXTENDED = "extended", "已延期"
        CANCELLED = "cancelled", "已取消"

    OPEN_STATES = (State.PENDING, State.BREACHED)

    kind = models.CharField("类型", max_length=20, choices=DeadlineKind.choices)
    # None for a deadline of no incident: a patrol slot (monitoring/), whose subject registers in deadlines.subjects.
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="deadlines")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="deadlines")
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="责任单位"
    )
    policy = models.ForeignKey(DeadlinePolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule = models.JSONField("规则快照", default=dict)
    explicit = models.BooleanField("转办时指定", default=False)
    started_at = models.DateTimeField("起算时间")
    due_at = models.DateTimeField("到期时间")
    original_due_at = models.DateTimeField("原定到期时间")
    calendar_confirmed = models.BooleanField("节假日已确认", default=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    met_at = models.DateTimeField("完成时间", null=True, blank=True)
    breached_at = models.DateTimeField("逾期时间", null=True, blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by", verbose_name="延期前时限"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        db_table = "monitoring_deadline"
        verbose_name = "时限"
        verbose_name_plural = "时限"
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["unit", "state", "due_at"], name="deadline_unit_state_due"),
            models.Index(fields=["state", "due_at"], name="deadline_state_due"),
            models.Index(fields=["ticket", "kind"], name="deadline_ticket_kind"),
            models.Index(fields=["incident", "kind"], name="deadline_incident_kind"),
            # The assessment and reports take the deadlines due in a period (bench/RESULTS-reporting.md).
            models.Index(fields=["due_at"], name="deadline_due_at"),
            # The admins' "calendar unconfirmed" warning counts these on every page.
            models.Index(fields=["state"], condition=Q(calendar_confirmed=False), name="deadline_unconfirmed"),
            # The desk's 待认领/待答复 queues (incidents/desk.py): open deadlines of a kind, soonest first, and their
            # bounded counts, which with no match at all scanned every deadline (788 ms at 1M, issue 16).
            models.Index(
                fields=["kind", "due_at"],
                condition=Q(met_at__isnull=True, state__in=("pending", "breached")),
                name="deadline_open_kind_due",
            ),
            # 只看逾期 on the ticket lists (incidents.selectors.ticket_list): the tickets of a unit with a deadline
            # breached and still unmet, read once per statement. Only the open breaches are in it (a breach met late
            # keeps state breached with met_at set), so its size follows today's backlog, not the history
            # (issue 16: a per-ticket probe over 50,000 tickets took 917 ms at 1M, bench/RESULTS-filters.md).
            models.Index(
                fields=["unit", "ticket"],
                condition=Q(state="breached", met_at__isnull=True),
                name="deadline_breached_open_unit",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"

    @property
    def is_open(self):
        return self.met_at is None and self.state in self.OPEN_STATES

    @property
    def on_time(self):
        return self.met_at is not None and self.met_at <= self.due_at


class DeadlineStep(models.Model):
    """One timed effect of a deadline: a reminder before it, the breach (督办/催报) at it, the escalation
    to the responsible leader after it. Unique per (deadline, step), so nothing fires twice."""

    class State(models.TextChoices):
        PENDING = "pending", "待触发"
        FIRED = "fired", "已触发"
        CANCELLED = "cancelled", "已取消"
        FAILED = "failed", "触发失败"

    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField("步骤", max_length=30)
    fire_at = models.DateTimeField("触发时间")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    fired_at = models.DateTimeField("实际触发时间", null=True, blank=True)
    outcome = models.CharField("结果", max_length=30, blank=True)
    # A step that raised is isolated: its error and attempts are kept here for the admins, the rest fire.
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_attempt_at = models.DateTimeField("最近尝试时间", null=True, blank=True)
    error = models.TextField("错误信息", blank=True)

    class Meta:
        db_table = "monitoring_deadlinestep"
        verbose_name = "督办步骤"
        verbose_name_plural = "督办步骤"
        constraints = [models.UniqueConstraint(fields=["deadline", "step"], name="one_step_per_deadline")]
        indexes = [
            # The sweep's only query: pending steps by fire time. Partial, so it stays small however
            # many fired steps history accumulates.
            models.Index(fields=["fire_at"], condition=Q(state="pending"), name="step_pending_fire_at"),
            # The admins' list of failed steps.
            models.Index(fields=["last_attempt_at"], condition=Q(state="failed"), name="step_failed"),
        ]

    def __str__(self):
        return f"{self.deadline} · {self.step}"


class ExtensionRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "已驳回"

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="extension_requests")
    deadline = models.ForeignKey(Deadline, on_delete=models.PROTECT, related_name="extension_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    requested_due_at = models.DateTimeField("申请延至")
    reason = models.TextField("申请理由")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        db_table = "monitoring_extensionrequest"
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["ticket"], condition=Q(state="pending"), name="one_pending_extension"),
        ]

    def __str__(self):
        return f"延期申请 · {self.get_state_display()}"
