"""Incidents (舆情), the tickets (转办单) they are dispatched as, their feedback, replies and reports to leaders."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import AuditEvent
from incidents import workflow
from org.models import Unit


class Grade(models.TextChoices):
    """Canonical four grades; labels and colours are configurable in GradeSetting."""

    I = "I", "Ⅰ级 特别重大"  # noqa: E741
    II = "II", "Ⅱ级 重大"
    III = "III", "Ⅲ级 较大"
    IV = "IV", "Ⅳ级 一般"


class Approver(models.TextChoices):
    OFFICE = "office", "办公室"
    LEADER = "leader", "单位领导（主办单位或其上级领导）"
    # A leader of the top unit (the county's leading group): 重大/特别重大 are the county's to close.
    COUNTY = "county", "县领导"


class GradeSetting(models.Model):
    """Per-grade settings the admin controls (docs/rules.md §3.4, §4.6): who signs off the close-out,
    and the plan #8 thresholds that only *suggest* a grade to the duty officer."""

    grade = models.CharField("等级", max_length=3, choices=Grade.choices, unique=True)
    label = models.CharField("显示名称", max_length=20)
    colour = models.CharField("颜色", max_length=20, default="#1e88e5")
    close_approver = models.CharField("销号审批", max_length=10, choices=Approver.choices, default=Approver.OFFICE)
    reply_approver = models.CharField(
        "回应审定",
        max_length=10,
        choices=Approver.choices,
        default=Approver.LEADER,
        help_text="领导：责任单位的领导（或县领导）审定；办公室：办公室会商审定（值班员或县领导）。"
        "默认一般/较大由单位领导、重大/特别重大由办公室会商审定（002 第九条）",
    )
    min_views = models.PositiveIntegerField("点击量≥", null=True, blank=True)
    min_comments = models.PositiveIntegerField("评论量≥", null=True, blank=True)
    min_sites = models.PositiveIntegerField("转载网站数≥", null=True, blank=True)
    min_media_level = models.CharField("媒体级别≥", max_length=20, blank=True)

    class Meta:
        verbose_name = "等级设置"
        verbose_name_plural = "等级设置"
        ordering = ["grade"]

    def __str__(self):
        return self.label


class DuplicateCheckSettings(models.Model):
    """One row: how the intake's duplicate check (查重) looks for near titles (issue 14). A policy the seeds do not
    set (product default), so the admin sets it."""

    window_days = models.PositiveSmallIntegerField(
        "查重范围（天）",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="与最近多少天内报送的舆情比对标题、摘要和链接",
    )
    threshold = models.PositiveSmallIntegerField(
        "相似度阈值（%）",
        default=35,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="标题（或标题与摘要）的相似度达到此值即提示可能重复；相同链接总是提示",
    )

    class Meta:
        verbose_name = "查重设置"
        verbose_name_plural = "查重设置"

    def __str__(self):
        return f"最近 {self.window_days} 天，相似度 ≥ {self.threshold}%"

    @classmethod
    def current(cls):
        return cls.objects.first() or cls()


class MediaLevel(models.TextChoices):
    NONE = "", "无"
    LOCAL = "local", "本地媒体"
    MUNICIPAL = "municipal", "市级媒体"
    PROVINCIAL = "provincial", "省级媒体"
    CENTRAL = "central", "中央媒体"


class Category(models.TextChoices):
    POLICY = "policy", "政策解读"
    LIVELIHOOD = "livelihood", "民生诉求"
    EMERGENCY = "emergency", "突发事件"
    CONDUCT = "conduct", "干部作风"
    RUMOUR = "rumour", "谣言/不实信息"
    CORRUPTION = "corruption", "涉腐"
    SAFETY = "safety", "公共安全"
    OTHER = "other", "其他"


class IncidentQuerySet(models.QuerySet["Incident"]):
    def open(self) -> "IncidentQuerySet":
        """Not yet ended (closed, dismissed, merged): the one definition of an open incident (workflow)."""
        return self.filter(status__in=workflow.INCIDENT_OPEN_STATES)


class Incident(models.Model):
    Status = workflow.IncidentStatus

    title = models.CharField("标题", max_length=200)
    summary = models.TextField("摘要", blank=True)
    category = models.CharField("类别", max_length=20, choices=Category.choices, default=Category.OTHER)
    subject_unit = models.ForeignKey(
        Unit, verbose_name="属地/涉事单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    location = models.CharField("地点", max_length=200, blank=True)
    # Limits run from different moments (docs/rules.md §3.2): keep each one.
    posted_at = models.DateTimeField("原帖发布时间", null=True, blank=True)
    first_seen_at = models.DateTimeField("发现时间", default=timezone.now)
    reported_at = models.DateTimeField("报送时间", default=timezone.now, db_index=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    views = models.PositiveIntegerField("浏览量", default=0)
    comments = models.PositiveIntegerField("评论量", default=0)
    reposts = models.PositiveIntegerField("转发量", default=0)
    site_count = models.PositiveIntegerField("转载网站数", default=0)
    media_level = models.CharField("最高媒体级别", max_length=20, choices=MediaLevel.choices, blank=True)
    grade = models.CharField("等级", max_length=3, choices=Grade.choices, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="研判人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    graded_at = models.DateTimeField("研判时间", null=True, blank=True)
    grade_reason = models.TextField("研判理由", blank=True)
    is_historical = models.BooleanField("历史遗留问题", default=False)
    is_confidential = models.BooleanField("敏感/限制知悉", default=False)
    status = models.CharField(
        "状态", max_length=20, choices=workflow.IncidentStatus.choices, default=workflow.IncidentStatus.REPORTED
    )
    merged_into = models.ForeignKey(
        "self", verbose_name="合并至", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="销号人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Who last sent the close-out back with a 批示: the resubmission goes to them first.
    sent_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="退回重办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    external_id = models.CharField("外部编号", max_length=200, null=True, blank=True, unique=True)
    # The character bigrams the search box looks up (incidents/search.py; GIN-indexed on PostgreSQL, issue 14).
    search_terms = models.TextField("检索词", blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every write (save() below): the grading form carries it, so of two officers grading at once the
    # second is told what changed instead of silently overwriting it (issue 18, services.triage.grade_incident).
    version = models.PositiveIntegerField("版本", default=0, editable=False)

    objects = IncidentQuerySet.as_manager()

    # Set by selectors.incident_detail for the page: the tickets and the timeline this reader may see.
    visible_tickets: list["Ticket"]
    timeline: list[AuditEvent]

    class Meta:
        verbose_name = "舆情"
        verbose_name_plural = "舆情"
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-reported_at"], name="incident_status_reported"),
            models.Index(fields=["grade", "status"], name="incident_grade_status"),
            # The 舆情 list's order (issue 16): a page is the first rows of this index, whatever the history.
            models.Index(fields=["-reported_at", "-id"], name="incident_reported_id"),
            # The desk's 已研判未转办 queue, either way round (incidents.desk), and the list's 等级 filter in its
            # order (incidents.selectors.incident_list): read off an index, not sorted from every graded item.
            models.Index(fields=["status", "graded_at", "id"], name="incident_status_graded"),
            models.Index(fields=["grade", "-reported_at", "-id"], name="incident_grade_reported"),
            # The desk's and the cockpit's bounded counts by status (and grade: 待审签, Ⅰ/Ⅱ without a response) are
            # read off this index alone, visibility included (issue 16: 88 ms → 8 ms for the cockpit's twelve at 1M).
            models.Index(
                fields=["status", "grade", "id"],
                include=["is_confidential", "reported_by"],
                name="incident_status_grade_cover",
            ),
            # The confidential items a reader is not cleared for, hashed once per ticket list (selectors.visible_tickets).
            models.Index(
                fields=["id"], include=["reported_by"], condition=Q(is_confidential=True), name="incident_confidential"
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        """Every write of a stored incident bumps `version` (services write under the row lock, so the value read
        is current), also a write of a few fields."""
        if self.pk is not None and not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)

    @property
    def is_open(self):
        return self.status in workflow.INCIDENT_OPEN_STATES

    @property
    def number(self):
        stamp = timezone.localtime(self.reported_at).strftime("%Y%m%d") if self.reported_at else "00000000"
        return f"YQ{stamp}-{self.pk or 0:05d}"


class SourceLink(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    platform = models.CharField("平台", max_length=50)
    url = models.URLField("链接", max_length=1000, db_index=True)
    first_seen_at = models.DateTimeField("首次发现", default=timezone.now)

    class Meta:
        verbose_name = "来源链接"
        verbose_name_plural = "来源链接"
        ordering = ["id"]

    def __str__(self):
        return self.url


class TicketRole(models.TextChoices):
    LEAD = "lead", "主办"
    ASSIST = "assist", "协办"


class TicketQuerySet(models.QuerySet["Ticket"]):
    def open(self) -> "TicketQuerySet":
        """Dispatched and not ended (closed, returned, cancelled): the one definition of an open ticket (workflow)."""
        return self.filter(status__in=workflow.TICKET_OPEN_STATES)


class Ticket(models.Model):
    """One per responsible unit per dispatch (转办单). Each unit claims, handles and reports on its own."""

    Status = workflow.TicketStatus

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="tickets", verbose_name="舆情")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="tickets", verbose_name="责任单位")
    role = models.CharField("承办类型", max_length=10, choices=TicketRole.choices)
    status = models.CharField(
        "状态", max_length=30, choices=workflow.TicketStatus.choices, default=workflow.TicketStatus.DISPATCHED
    )
    instructions = models.TextField("转办要求", blank=True)
    due_at = models.DateTimeField("指定办理时限", null=True, blank=True, help_text="转办时明确的时限优先于默认时限")
    dispatched_at = models.DateTimeField("转办时间", default=timezone.now)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="转办人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField("认领时间", null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="认领人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    designated = models.BooleanField("指定认领", default=False)
    overdue_unclaimed_at = models.DateTimeField("逾期未认领时间", null=True, blank=True)
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    return_reason = models.TextField("退回理由", blank=True)
    feedback_at = models.DateTimeField("反馈时间", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = "转办单"
        verbose_name_plural = "转办单"
        ordering = ["-dispatched_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "unit"],
                condition=Q(status__in=workflow.TICKET_OPEN_STATES),
                name="one_open_ticket_per_unit",
            ),
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(role="lead", status__in=workflow.TICKET_OPEN_STATES),
                name="one_open_lead_ticket",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "-dispatched_at"], name="ticket_unit_status"),
            # The 转办单 list's order, a unit's (a liaison) and everyone's (the office; issue 16): a page reads the
            # first rows of an index instead of sorting all of a unit's tickets.
            models.Index(fields=["unit", "-dispatched_at", "-id"], name="ticket_unit_dispatched"),
            models.Index(fields=["-dispatched_at", "-id"], name="ticket_dispatched_id"),
            # A liaison's incidents are those of the unit's tickets: one hashed set read from this index alone.
            models.Index(fields=["unit", "incident"], name="ticket_unit_incident"),
            models.Index(fields=["status", "dispatched_at"], name="ticket_status_dispatched"),
            # The assessment counts tickets by period (received, returned, designated): without these its
            # query scans every ticket of history (bench/RESULTS-reporting.md).
            models.Index(fields=["dispatched_at"], name="ticket_dispatched_at"),
            models.Index(fields=["returned_at"], condition=Q(returned_at__isnull=False), name="ticket_returned_at"),
            models.Index(fields=["claimed_at"], condition=Q(designated=True), name="ticket_designated_claimed"),
        ]

    def __str__(self):
        return f"{self.incident.number} → {self.unit}（{self.get_role_display()}）"

    @property
    def is_open(self):
        return self.status in workflow.TICKET_OPEN_STATES


class Feedback(models.Model):
    class Kind(models.TextChoices):
        PROGRESS = "progress", "进展情况"
        FEEDBACK = "feedback", "办理反馈"
        REPORT = "report", "核实调查报告"
        WRITTEN_EXPLANATION = "explanation", "书面说明（一时难以落实）"

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="feedback")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    content = models.TextField("内容")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    # A 书面说明 promises when the matter will be done (000 三.2 "一时难以落实的，要形成书面材料及时反馈");
    # the promise becomes a tracked follow-up deadline.
    promised_at = models.DateTimeField("承诺落实时间", null=True, blank=True)

    class Meta:
        verbose_name = "办理反馈"
        verbose_name_plural = "办理反馈"
        ordering = ["submitted_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.ticket_id}"


IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp")  # the image kinds of incidents.uploads


def attachment_path(instance, filename):
    return f"attachments/{timezone.now():%Y/%m}/{filename}"


class Attachment(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="attachments")
    feedback = models.ForeignKey(Feedback, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_path)
    # The name the person uploaded it under (its extension that of the type its content shows, incidents.uploads),
    # shown and downloaded under; the stored name may carry the storage's suffix (progress_8ThhdnH.txt, issue 14).
    original_name = models.CharField("原文件名", max_length=255, blank=True, default="")
    caption = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        # Before the storage names the file: what it was uploaded as (set by uploads.accepted()).
        if not self.original_name and self.file and not self.file._committed:
            self.original_name = self.file.name.replace("\\", "/").rsplit("/", 1)[-1][:255]
        super().save(*args, **kwargs)

    @property
    def name(self):
        """The stored file's name (with the storage's suffix, if any)."""
        return self.file.name.rsplit("/", 1)[-1]

    @property
    def display_name(self):
        return self.original_name or self.name

    @property
    def extension(self):
        return "." + self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""

    @property
    def is_image(self):
        return self.extension in IMAGE_EXTENSIONS

    @property
    def is_previewable(self):
        """Shown in the browser rather than downloaded: images and PDF, whose type the content check established."""
        return self.extension in IMAGE_EXTENSIONS or self.extension == ".pdf"


class Reply(models.Model):
    """A public response (回应). Replies come more than once and may precede the investigation
    (docs/rules.md §2.6, §9.8): a list of typed records, not a flag."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "初步回应"
        PROGRESS = "progress", "进展通报"
        RESULT = "result", "处置结果"
        REBUTTAL = "rebuttal", "辟谣"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="replies")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    channel = models.CharField(
        "发布渠道", max_length=100, help_text="如 政民互动平台网络新闻发言人版块、政务微博、跟帖"
    )
    url = models.URLField("发布链接", max_length=1000, blank=True)
    content = models.TextField("回应内容")
    published_at = models.DateTimeField("发布时间", default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "回应"
        verbose_name_plural = "回应"
        ordering = ["published_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.channel}"


class LeaderReport(models.Model):
    """A report of the incident to leaders (报告领导), including ones made by phone or on paper
    (docs/rules.md §9.25), so the 30-minute / 2-hour limits can be shown to be met."""

    class Channel(models.TextChoices):
        SYSTEM = "system", "系统报送"
        PHONE = "phone", "电话"
        SMS = "sms", "短信"
        PAPER = "paper", "纸质快报"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="leader_reports")
    channel = models.CharField("方式", max_length=20, choices=Channel.choices)
    reported_to = models.CharField("报告对象", max_length=200)
    note = models.TextField("内容摘要", blank=True)
    reported_at = models.DateTimeField("报告时间", default=timezone.now)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "报告领导记录"
        verbose_name_plural = "报告领导记录"
        ordering = ["reported_at", "id"]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.reported_to}"


class ReplyDraftQuerySet(models.QuerySet["ReplyDraft"]):
    def open(self) -> "ReplyDraftQuerySet":
        """Waiting for the approver's decision (待审定): the one definition of an open draft."""
        return self.filter(state=workflow.ReplyDraftState.PENDING)


class ReplyDraft(models.Model):
    """A reply drafted by the unit's liaison, waiting for approval before it is published (回应待审定,
    docs/rules.md §2.3, T18, §9.27): publishing must be impossible without the approval the grade requires.
    Approval publishes it as a Reply; a send-back carries the approver's instruction (批示)."""

    State = workflow.ReplyDraftState

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="reply_drafts", verbose_name="舆情")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="reply_drafts", verbose_name="转办单")
    kind = models.CharField("类型", max_length=20, choices=Reply.Kind.choices)
    channel = models.CharField("发布渠道", max_length=100)
    url = models.URLField("发布链接", max_length=1000, blank=True)
    content = models.TextField("回应内容")
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="拟稿人", on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField("拟稿时间", default=timezone.now)
    state = models.CharField(
        "状态", max_length=20, choices=workflow.ReplyDraftState.choices, default=workflow.ReplyDraftState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审定时间", null=True, blank=True)
    decision_note = models.TextField("批示/审定意见", blank=True)
    reply = models.OneToOneField(
        Reply, verbose_name="发布的回应", null=True, blank=True, on_delete=models.PROTECT, related_name="draft"
    )
    # The tracked time limit of a send-back's instruction; met by the unit's revised draft.
    instruction_deadline = models.ForeignKey(
        "deadlines.Deadline",
        verbose_name="批示办理时限",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reply_drafts",
    )

    objects = ReplyDraftQuerySet.as_manager()

    class Meta:
        verbose_name = "回应稿"
        verbose_name_plural = "回应稿"
        ordering = ["-drafted_at", "-id"]
        indexes = [models.Index(fields=["state", "drafted_at"], name="reply_draft_state_drafted")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.incident_id} · {self.get_state_display()}"


class LeaderInstructionQuerySet(models.QuerySet["LeaderInstruction"]):
    def open(self) -> "LeaderInstructionQuerySet":
        """Not yet answered with its 落实情况: the one definition of an open 批示."""
        return self.filter(progress_at__isnull=True)


class LeaderInstruction(models.Model):
    """A leader's 批示 on an incident, given at any point of its life, not only with a send-back (issue 14). The
    office relays it and records how it was carried out (落实情况) within its time limit, a tracked deadline
    ("领导批示…有明确时间要求的，必须按照规定时间落实到位；没有明确时间要求的，原则上在3天内落实到位", 000 三.2;
    交办、承办、督办, 002 第八条)."""

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="leader_instructions", verbose_name="舆情"
    )
    text = models.TextField("批示内容")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="批示领导", on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField("批示时间", default=timezone.now)
    deadline = models.OneToOneField(
        "deadlines.Deadline", verbose_name="落实时限", on_delete=models.PROTECT, related_name="leader_instruction"
    )
    progress = models.TextField("落实情况", blank=True)
    progress_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="落实情况报告人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    progress_at = models.DateTimeField("落实情况报告时间", null=True, blank=True)

    objects = LeaderInstructionQuerySet.as_manager()

    class Meta:
        verbose_name = "领导批示"
        verbose_name_plural = "领导批示"
        ordering = ["-given_at", "-id"]
        indexes = [
            models.Index(fields=["incident", "given_at"], name="instruction_incident_given"),
            # The cockpit lists the open ones.
            models.Index(fields=["given_at"], condition=Q(progress_at__isnull=True), name="instruction_open"),
        ]

    def __str__(self):
        return f"批示 · {self.incident_id} · {timezone.localtime(self.given_at):%Y-%m-%d %H:%M}"

    @property
    def is_open(self):
        return self.progress_at is None
