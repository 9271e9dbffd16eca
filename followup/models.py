"""What happens around a case besides dispatch and reply (issue 17): the office's 会商研判 of a 重大敏感 item
(002 第七条, 003 三(二), 004 二(四)/五(一)), its upward reports to the city (000 三; 004 二(三)3) and the items the city
hands down (市级交办) with the city's own time limit."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from incidents.models import Incident, Reply
from org.models import Unit
from workcalendar.working_days import validate_duration, validate_duration_list


class JointReview(models.Model):
    """会商研判: "对重大敏感舆情，及时组织相关单位会商研判" (002 第七条): who took part, when, the judgement (性质、趋势、
    风险), the agreed handling and the 口径 the reply must follow, and the 会商纪要 rendered when it was recorded."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="joint_reviews")
    held_at = models.DateTimeField("会商时间")
    units = models.ManyToManyField(Unit, related_name="+", verbose_name="参会单位")
    experts = models.TextField("参会专家", blank=True, help_text="每行一位，如：张某（某大学新闻学院教授）")
    nature = models.TextField("性质研判")
    trend = models.TextField("趋势研判")
    risks = models.TextField("风险研判")
    handling = models.TextField("处置意见")
    caliber = models.TextField("回应口径")
    document = models.BinaryField("会商纪要（.docx）", editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = "会商研判"
        verbose_name_plural = "会商研判"
        ordering = ["-held_at", "-id"]

    def __str__(self):
        return f"会商研判 {timezone.localtime(self.held_at):%Y-%m-%d %H:%M}"


class ReviewedReply(models.Model):
    """A reply of a high-attention item that cites the joint review it follows (002 第九条：经会商研判后回复)."""

    reply = models.OneToOneField(Reply, on_delete=models.PROTECT, related_name="joint_review_citation")
    review = models.ForeignKey(JointReview, on_delete=models.PROTECT, related_name="replies")

    class Meta:
        verbose_name = "依据会商的回应"
        verbose_name_plural = "依据会商的回应"

    def __str__(self):
        return f"{self.reply} ← {self.review}"


class UpperBody(models.Model):
    """An upper body the county reports to (市委办公厅、市委网宣办、市委网信办 …): kept by the administrator."""

    name = models.CharField("名称", max_length=100, unique=True)
    is_active = models.BooleanField("启用", default=True)
    ordering = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "上级单位"
        verbose_name_plural = "上级单位"
        ordering = ["ordering", "name"]

    def __str__(self):
        return self.name


class UpwardReport(models.Model):
    """An item reported upward: "属地在本区、责任主体不在本区的舆情，报市委办公厅、市委网宣办" (000 三); important items
    to the city 网信办 (004 二(三)3). The document sent is a 专报 as 上行文, signed off by the chosen leader (签发人)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="upward_reports")
    body = models.ForeignKey(UpperBody, on_delete=models.PROTECT, related_name="+", verbose_name="报送单位")
    reported_at = models.DateTimeField("报送时间")
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="签发人"
    )
    reason = models.TextField("报送事由")
    # 发文字号 (GB/T 9704-2012 7.2.4): the 专报（上行文）代字 of ReportSettings, the year and the sequence of upward
    # 专报 in that year, shared with the 专报 the reporting app issues as 上行文 (followup.numbering).
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    sequence = models.PositiveIntegerField("年度序号", null=True, blank=True)
    doc_number = models.CharField("发文字号", max_length=50, blank=True)
    document = models.BinaryField("专报（.docx）", editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "向上报送"
        verbose_name_plural = "向上报送"
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="upward_report_number_once"),
        ]

    def __str__(self):
        return f"报{self.body}"


class CityAssignment(models.Model):
    """市级交办: an item the city hands down, with its reference number and the city's own time limit, which governs
    the dispatch (an explicit limit, 000 三.2) and the report back to the city (市级交办反馈时限)."""

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="city_assignment")
    body = models.ForeignKey(UpperBody, on_delete=models.PROTECT, related_name="+", verbose_name="交办单位")
    reference = models.CharField("市级交办编号", max_length=100)
    received_at = models.DateTimeField("接收时间")
    city_due_at = models.DateTimeField("市级反馈时限")
    deadline = models.ForeignKey(
        "deadlines.Deadline", on_delete=models.PROTECT, related_name="+", verbose_name="反馈时限"
    )
    reported_back_at = models.DateTimeField("反馈时间", null=True, blank=True)
    report_back = models.TextField("反馈内容", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "市级交办"
        verbose_name_plural = "市级交办"

    def __str__(self):
        return f"市级交办 {self.reference}"


# --- 后期处置 (000 三.3) ------------------------------------------------------------------------------------------


def _valid_duration(value: str) -> None:
    if value.strip():  # a blank 逾期后升级 means no escalation; the required fields refuse blank themselves
        validate_duration(value.strip())


def _valid_duration_list(value: str) -> None:
    validate_duration_list(value)


CHANNELS = ("inbox", "email", "sms")


def _valid_channels(value: str) -> None:
    unknown = [c.strip() for c in value.split(",") if c.strip() and c.strip() not in CHANNELS]
    if unknown:
        raise ValidationError(f"未知的通知渠道：{'、'.join(unknown)}。可选 inbox、email、sms，用逗号分隔。")


class AftercareSettings(models.Model):
    """One row (pk=1), kept by the administrator: how long the office keeps watching a topic after 销号 and when
    the 总结评估 falls due. 000 三.3 says "应急处置结束后……组织相关部门关注网络上相关事件的舆情趋势。同时，对应急处置
    工作进行全面总结和评估" but sets no period: the defaults are the product's, editable here."""

    watch_period = models.CharField(
        "持续关注期",
        max_length=20,
        default="7d",
        validators=[_valid_duration],
        help_text="销号后持续关注的时长，如 7d（自然日）、5wd（工作日）；000 三.3 未规定期限，7 个自然日为产品默认值。"
        "总结评估于关注期届满时到期。",
    )
    reminder_leads = models.CharField(
        "总结评估到期前提醒",
        max_length=100,
        default="1wd",
        blank=True,
        validators=[_valid_duration_list],
        help_text="逗号分隔，如 1wd,2h；产品默认值（来源未规定）。",
    )
    escalate_after = models.CharField(
        "逾期后报告办公室领导",
        max_length=20,
        default="1wd",
        blank=True,
        validators=[_valid_duration],
        help_text="总结评估逾期后再过多久仍未完成即报告办公室领导，如 1wd；留空不升级；产品默认值（来源未规定）。",
    )
    channels = models.CharField(
        "提示渠道",
        max_length=50,
        default="inbox",
        validators=[_valid_channels],
        help_text="关注期内新链接、舆情反复的提示及总结评估督办的渠道：inbox,email,sms 的组合（站内信总会发送）。",
    )
    applies_from = models.DateTimeField(
        "适用起点",
        null=True,
        blank=True,
        help_text="此时间以后销号的舆情进入持续关注；启用前已销号的舆情不补建关注期，以免一次产生大量逾期。"
        "留空：所有已销号的舆情。",
    )

    class Meta:
        verbose_name = "后期处置设置"
        verbose_name_plural = "后期处置设置"

    def __str__(self):
        return f"销号后持续关注 {self.watch_period}"

    @classmethod
    def current(cls) -> "AftercareSettings":
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class AftercareWatch(models.Model):
    """持续关注: the office watches the topic of a closed incident for the set period (000 三.3：组织相关部门关注网络上
    相关事件的舆情趋势), exactly one per incident (the unique incident), started by the timed check from the incident's
    state (closed, no watch) or by the office. Its 总结评估 deadline falls due when the watch ends."""

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="aftercare_watch")
    started_at = models.DateTimeField("关注起始（销号时间）")
    ends_at = models.DateTimeField("关注期届满")
    period = models.CharField("关注期", max_length=20)
    deadline = models.ForeignKey(
        "deadlines.Deadline", on_delete=models.PROTECT, related_name="+", verbose_name="总结评估时限"
    )
    # The incident's links up to this id were known at 销号: a link with a higher id is new (ids only grow).
    baseline_link_id = models.BigIntegerField("销号时最后链接编号", default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The last time a pass looked for new events; set to finished once a pass ran after the watch ended.
    scanned_at = models.DateTimeField("最近检查时间", null=True, blank=True)
    finished_at = models.DateTimeField("关注结束检查时间", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "持续关注"
        verbose_name_plural = "持续关注"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["finished_at"], name="aftercare_watch_unfinished")]

    def __str__(self):
        return f"持续关注至 {timezone.localtime(self.ends_at):%Y-%m-%d %H:%M}"


class AftercareEvent(models.Model):
    """Something the watch found (000 三.3 关注舆情趋势; 002 第九条 防范负面舆情出现反复): a new link on the incident, the
    incident reopened as 舆情反复, or a new item like it. Unique per (watch, key), so each is prompted exactly once."""

    class Kind(models.TextChoices):
        LINK = "link", "新增链接"
        RELAPSE = "relapse", "舆情反复"
        SIMILAR = "similar", "新报送的相似舆情"

    watch = models.ForeignKey(AftercareWatch, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    key = models.CharField("事件标识", max_length=60)
    occurred_at = models.DateTimeField("发生时间")
    detail = models.CharField("内容", max_length=300)
    related = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="相关舆情"
    )
    prompted_at = models.DateTimeField("提示时间", default=timezone.now)

    class Meta:
        verbose_name = "持续关注提示"
        verbose_name_plural = "持续关注提示"
        ordering = ["occurred_at", "id"]
        constraints = [models.UniqueConstraint(fields=["watch", "key"], name="aftercare_event_once")]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.detail}"


class AftercareEvaluation(models.Model):
    """总结评估: "对应急处置工作进行全面总结和评估，针对应急处置工作中的成功经验以及暴露出来的问题，进一步修改完善有关
    工作方案" (000 三.3). One per watched incident, rendered from its template and kept with the incident."""

    watch = models.OneToOneField(AftercareWatch, on_delete=models.PROTECT, related_name="evaluation")
    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="aftercare_evaluation")
    trend = models.TextField("关注期舆情走势")
    worked = models.TextField("成功经验")
    went_wrong = models.TextField("暴露的问题")
    to_change = models.TextField("改进措施（修改完善工作方案）")
    document = models.BinaryField("总结评估报告（.docx）", editable=False)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField("完成时间", default=timezone.now)

    class Meta:
        verbose_name = "总结评估"
        verbose_name_plural = "总结评估"
        ordering = ["-written_at", "-id"]

    def __str__(self):
        return f"总结评估 {timezone.localtime(self.written_at):%Y-%m-%d}"
