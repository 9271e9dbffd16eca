"""Documents leaders read (日报/专报/督报/风险提示函/周报/月报/季度通报), the units' daily submissions,
the risk library and the assessment weighting (docs/rules.md §5, §7.3)."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidents.models import Incident, Ticket
from org.models import Unit


class ReportSettings(models.Model):
    """One row (pk=1): when the daily roll-up is compiled and who receives issued reports.

    17:00 comes from `000` 二.1 / plan #5 ("17时前"); `004` gives no hour, so it is a setting (docs/rules.md §3.4)."""

    daily_time = models.TimeField(
        "日报汇总时间", default=datetime.time(17, 0), help_text="北京时间；覆盖上一次汇总至本次"
    )
    submission_time = models.TimeField(
        "单位每日报送截止", default=datetime.time(17, 0), help_text="收集单位每日报送舆情信息的截止时间（`000` 二.1）"
    )
    issuer = models.CharField(
        "落款单位",
        max_length=100,
        blank=True,
        help_text="督报、风险提示函等文书的落款；留空时取单位树中第一个舆情办公室的名称",
    )
    weekly_weekday = models.PositiveSmallIntegerField(
        "周报生成日", default=0, help_text="0=周一 … 6=周日；覆盖上一自然周（plan #19e 每周一报上周）"
    )
    distribution = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="报送领导名单",
        blank=True,
        related_name="+",
        help_text="日报、周报、月报、季度通报签发后通知的领导",
    )
    collecting_units = models.ManyToManyField(
        Unit,
        verbose_name="每日报送单位",
        blank=True,
        related_name="+",
        help_text="须每日17时前报送收集舆情的单位（区政府应急办、区网宣办、公安网安等）",
    )
    # 版头 and 版记 of the documents (GB/T 9704-2012 7.2, 7.4; docs/document-formats.md).
    masthead = models.CharField(
        "发文机关标志",
        max_length=100,
        blank=True,
        help_text="公文版头的红色机关名称，如“××县网络舆情工作领导小组办公室”；留空时用落款单位",
    )
    number_prefix_supervision = models.CharField(
        "督报发文字号代字", max_length=20, default="县网舆督", help_text="如“县网舆督”，生成“县网舆督〔2026〕7号”"
    )
    number_prefix_risk_notice = models.CharField("风险提示函发文字号代字", max_length=20, default="县网舆函")
    number_prefix_quarterly = models.CharField("季度通报发文字号代字", max_length=20, default="县网舆通")
    number_prefix_special = models.CharField("专报（上行文）发文字号代字", max_length=20, default="县网舆报")
    special_upward = models.BooleanField(
        "专报按上行文印发", default=False, help_text="勾选：专报按公文上行文格式（发文字号、签发人）；否则按简报格式"
    )
    signer = models.CharField("签发人", max_length=50, blank=True, help_text="上行文版头的签发人姓名")
    # The seeds set no window for withdrawing a 督报 or 风险提示函 once issued: a product default (docs/rules.md §5).
    recall_minutes = models.PositiveIntegerField(
        "签发后可撤回时限（分钟）",
        default=30,
        help_text="督报、网络风险提示函签发后，签发人可在此时限内撤回（通知报送对象，文书标记为已撤回并保留）；0 表示签发后不能撤回",
    )
    copy_to = models.CharField("抄送机关", max_length=200, blank=True, help_text="公文版记的抄送机关，多个用顿号分隔")
    briefing_report_to = models.CharField(
        "简报“报”", max_length=200, blank=True, help_text="简报报送范围的“报：”一行；留空时列报送领导名单"
    )
    briefing_send_to = models.CharField("简报“送”", max_length=200, blank=True)
    briefing_issue_to = models.CharField("简报“发”", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "报告设置"
        verbose_name_plural = "报告设置"

    def __str__(self):
        return "报告设置"

    @classmethod
    def current(cls):
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class Report(models.Model):
    """One document. Periodic kinds are unique per (kind, period_start), which is what makes the beat job
    exactly-once; regenerating adds a ReportVersion and keeps the earlier ones."""

    class Kind(models.TextChoices):
        DAILY = "daily", "舆情日报"
        SPECIAL = "special", "舆情专报"
        SUPERVISION = "supervision", "舆情督报"
        RISK_NOTICE = "risk_notice", "网络风险提示函"
        WEEKLY = "weekly", "舆情周报"
        MONTHLY = "monthly", "舆情月报"
        QUARTERLY = "quarterly", "季度通报"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        ISSUED = "issued", "已签发"
        RECALLED = "recalled", "已撤回"

    PERIODIC = (Kind.DAILY, Kind.WEEKLY, Kind.MONTHLY, Kind.QUARTERLY)
    # Addressed to one unit, drafted, previewed, issued and recallable within ReportSettings.recall_minutes.
    RECALLABLE = (Kind.SUPERVISION, Kind.RISK_NOTICE)

    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    period_start = models.DateTimeField("统计起", null=True, blank=True)
    period_end = models.DateTimeField("统计止", null=True, blank=True)
    incident = models.ForeignKey(
        Incident, verbose_name="舆情", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name="转办单", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="主送单位", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    risk_topic = models.ForeignKey(
        "RiskTopic", verbose_name="风险点", null=True, blank=True, on_delete=models.PROTECT, related_name="notices"
    )
    # Compiled figures and text, section by section; the office may edit the text before issuing.
    content = models.JSONField("内容", default=dict, blank=True)
    due_at = models.DateTimeField("办理时限", null=True, blank=True, help_text="督报、风险提示函要求的反馈时限")
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="报送对象", blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="编制人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("生成时间", default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField("签发时间", null=True, blank=True)
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤回人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recalled_at = models.DateTimeField("撤回时间", null=True, blank=True)
    recall_reason = models.TextField("撤回原因", blank=True)
    # The 督报's own time limit (DeadlineKind.SUPERVISION), created when it is issued, cancelled if it is recalled.
    deadline = models.ForeignKey(
        "deadlines.Deadline",
        verbose_name="办理时限记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Numbering (GB/T 9704-2012 7.2.4 发文字号; 简报 期号): a sequence per kind and year, given once when the
    # report is created and kept when it is regenerated (reporting.documents.numbering).
    year = models.PositiveSmallIntegerField("编号年度", null=True, blank=True)
    sequence = models.PositiveIntegerField(
        "年度序号", null=True, blank=True, help_text="公文的发文顺序号或简报的期号，按类型和年度编排"
    )
    total_sequence = models.PositiveIntegerField("总期号", null=True, blank=True, help_text="简报自创刊起的总期数")
    doc_number = models.CharField("发文字号", max_length=50, blank=True, help_text="如“县网舆督〔2026〕7号”")

    class Meta:
        verbose_name = "报告"
        verbose_name_plural = "报告"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period_start"],
                condition=Q(kind__in=["daily", "weekly", "monthly", "quarterly"]),
                name="one_periodic_report_per_period",
            ),
            models.UniqueConstraint(
                fields=["kind", "year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="one_number_per_kind_year",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "-created_at"], name="report_kind_created"),
            models.Index(fields=["unit", "kind"], name="report_unit_kind"),
        ]

    def __str__(self):
        return self.title

    @property
    def latest_version(self):
        return self.versions.order_by("-number").first()


def report_file_path(instance, filename):
    return f"reports/{instance.report.kind}/{timezone.now():%Y/%m}/{filename}"


class ReportVersion(models.Model):
    """Each generation or edit of a report's document. Never overwritten (version history)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本")
    file = models.FileField("文档", upload_to=report_file_path)
    content = models.JSONField("内容快照", default=dict)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("生成时间", default=timezone.now)

    class Meta:
        verbose_name = "报告版本"
        verbose_name_plural = "报告版本"
        ordering = ["report", "-number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="uniq_report_version")]

    def __str__(self):
        return f"{self.report} · 第 {self.number} 版"


class DailySubmission(models.Model):
    """A collecting unit's items for one day (`000` 二.1: "每日下午17时前将收集到的舆情信息报区委办公室")."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="daily_submissions", verbose_name="报送单位")
    date = models.DateField("报送日期")
    submitted_at = models.DateTimeField("报送时间", default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content = models.TextField("报送内容", blank=True, help_text="标题+链接地址，每行一条；无舆情也须报“无”")
    incidents = models.ManyToManyField(Incident, verbose_name="报送舆情", blank=True, related_name="+")
    is_late = models.BooleanField("逾期报送", default=False)

    class Meta:
        verbose_name = "单位每日报送"
        verbose_name_plural = "单位每日报送"
        ordering = ["-date", "unit"]
        constraints = [models.UniqueConstraint(fields=["unit", "date"], name="one_submission_per_unit_day")]
        indexes = [models.Index(fields=["date", "unit"], name="submission_date_unit")]

    def __str__(self):
        return f"{self.unit} · {self.date}"


class RiskTopic(models.Model):
    """The risk library (风险库) and its keywords (`004` 二(二)): a topic flags when enough recent items
    match its keywords, and the office may then send a 网络风险提示函 to the responsible unit."""

    name = models.CharField("风险点", max_length=100)
    keywords = models.CharField("关键词", max_length=500, help_text="逗号分隔，任一命中即计入")
    unit = models.ForeignKey(Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="risk_topics")
    measures = models.TextField("防范措施", blank=True)
    window_days = models.PositiveSmallIntegerField("统计天数", default=7)
    threshold = models.PositiveSmallIntegerField("预警阈值（条）", default=3)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "风险点"
        verbose_name_plural = "风险库"
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def keyword_list(self):
        return [k.strip() for k in self.keywords.replace("，", ",").split(",") if k.strip()]


class AssessmentWeighting(models.Model):
    """The scoring model of the unit assessment. `002` 第十二条 refers to a 考评办法 that is not in the seeds
    (docs/rules.md §9.28), so every weight is the admin's. The active row with the latest `valid_from` is used.

    Score = Σ rate weights × on-time rates (0–1) − Σ penalties × counts, floored at 0."""

    name = models.CharField("名称", max_length=100, default="默认考核办法")
    claim_on_time = models.DecimalField("按时认领率权重", max_digits=6, decimal_places=2, default=Decimal("30"))
    feedback_on_time = models.DecimalField("按时反馈率权重", max_digits=6, decimal_places=2, default=Decimal("40"))
    reply_on_time = models.DecimalField("按时回应率权重", max_digits=6, decimal_places=2, default=Decimal("30"))
    per_extension = models.DecimalField("每次延期扣分", max_digits=6, decimal_places=2, default=Decimal("1"))
    per_return = models.DecimalField("每次退回扣分", max_digits=6, decimal_places=2, default=Decimal("1"))
    per_designated_claim = models.DecimalField("每次指定认领扣分", max_digits=6, decimal_places=2, default=Decimal("2"))
    per_supervision = models.DecimalField("每次督报/督办扣分", max_digits=6, decimal_places=2, default=Decimal("2"))
    per_criticism = models.DecimalField("每次通报批评扣分", max_digits=6, decimal_places=2, default=Decimal("5"))
    valid_from = models.DateField("启用日期", default=datetime.date(2020, 1, 1))
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "考核权重"
        verbose_name_plural = "考核权重"
        ordering = ["-valid_from", "-id"]

    def __str__(self):
        return self.name

    @classmethod
    def current(cls, on=None):
        on = on or timezone.localdate()
        return cls.objects.filter(is_active=True, valid_from__lte=on).first() or cls()


class Criticism(models.Model):
    """A 通报批评 of a unit for late or false feedback (`000` 四.3), counted in the assessment."""

    class Cause(models.TextChoices):
        LATE = "late", "反馈不及时"
        FALSE = "false", "虚假反馈"
        OTHER = "other", "其他"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="criticisms", verbose_name="单位")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cause = models.CharField("原因", max_length=10, choices=Cause.choices)
    reason = models.TextField("说明")
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "通报批评"
        verbose_name_plural = "通报批评"
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["unit", "recorded_at"], name="criticism_unit_at")]

    def __str__(self):
        return f"{self.unit} · {self.get_cause_display()}"


class DocumentTemplate(models.Model):
    """A .docx template (docxtpl placeholders) an admin uploaded for one kind of document, so that an office with
    its own 红头 puts it in without a developer (issue 13). At most one is in use per kind; none in use means the
    template shipped with the product. Nothing is deleted: an upload or a revert only changes which one is in use,
    and the earlier templates stay to revert to. Written only by reporting.template_services."""

    kind = models.CharField("文书类型", max_length=30, help_text="Report.Kind 的值，如 daily、supervision")
    name = models.CharField("文件名", max_length=200)
    data = models.BinaryField("模板文件")
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    is_active = models.BooleanField("使用中", default=True)
    activated_at = models.DateTimeField("启用时间", default=timezone.now)
    superseded_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "文书模板"
        verbose_name_plural = "文书模板"
        ordering = ["kind", "-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=Q(is_active=True), name="one_active_template_per_kind")
        ]

    def __str__(self):
        return f"{self.kind} · {self.name}"
