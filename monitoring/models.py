"""舆情监测: the sites watched and by whom, the patrol schedule, the duty roster and the patrol records.

The deadline engine that lived in this app moved to deadlines/, workcalendar/ and notifications/ (issue 12; their
tables keep the monitoring_ names). A patrol slot's deadline is a row of that engine (DeadlineKind.PATROL)."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from org.models import Unit


class Site(models.Model):
    """One site on the watch list (002 第三条 收集范围; 004 二(一) who watches what)."""

    class Kind(models.TextChoices):
        FORUM = "forum", "论坛/贴吧"
        PORTAL = "portal", "门户网站"
        WEIBO = "weibo", "微博"
        WECHAT = "wechat", "微信公众号"
        MESSAGE_BOARD = "message_board", "留言板/信箱"
        APP = "app", "手机客户端"

    name = models.CharField("名称", max_length=100)
    url = models.URLField("网址", max_length=500, blank=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="watched_sites",
        verbose_name="监测单位",
        help_text="负责巡查该网站的单位（004 二(一)：监控中心监测网上舆情，督查局监测领导留言板和书记县长信箱，网警大队监测网上安全）",
    )
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "监测网站"
        verbose_name_plural = "监测网站"
        ordering = ["unit__path", "sort_order", "id"]
        indexes = [models.Index(fields=["unit", "is_active"], name="site_unit_active")]

    def __str__(self):
        return self.name


class PatrolPolicy(models.Model):
    """The patrol schedule, one row (002 第五条、第六条). The seeds disagree on the night (002: evenings until
    24:00; 004 三(一): 24-hour duty), so the overnight interval is a setting, empty by default (002). A change applies
    to the slots planned after it; those already planned (plan_ahead_hours ahead) keep their windows."""

    working_interval = models.PositiveSmallIntegerField(
        "工作时间巡查间隔（分钟）", default=60, help_text="002 第六条：工作日上班时间每间隔1小时巡查一次"
    )
    evening_interval = models.PositiveSmallIntegerField(
        "晚间巡查间隔（分钟）", default=120, help_text="002 第六条：每天晚上（24点前）每间隔2小时巡查一次"
    )
    holiday_interval = models.PositiveSmallIntegerField(
        "节假日巡查间隔（分钟）", default=120, help_text="002 第六条：节假日每间隔2小时巡查一次"
    )
    overnight_interval = models.PositiveSmallIntegerField(
        "夜间（0点至上班）巡查间隔（分钟）",
        null=True,
        blank=True,
        help_text="留空则不安排（002 第六条只到24点）；004 三(一) 实行24小时值班的可填写",
    )
    morning_round = models.TimeField(
        "上午巡查时间", default=datetime.time(9, 0), help_text="002 第五条：每天上午、下午、晚上三个时间节点巡查"
    )
    afternoon_round = models.TimeField("下午巡查时间", default=datetime.time(15, 0))
    evening_round = models.TimeField("晚上巡查时间", default=datetime.time(20, 0))
    reminder_lead = models.PositiveSmallIntegerField(
        "到期前提醒（分钟）", default=0, help_text="0 表示不提前提醒，逾期时提醒值班人员"
    )
    escalate_after = models.PositiveSmallIntegerField(
        "逾期后报告办公室领导（分钟）", default=60, help_text="逾期仍未巡查，再过多久报告办公室领导（一次）"
    )
    plan_ahead_hours = models.PositiveSmallIntegerField("提前生成巡查时段（小时）", default=36)

    class Meta:
        verbose_name = "巡查规则"
        verbose_name_plural = "巡查规则"

    def __str__(self):
        return f"工作时间每{self.working_interval}分钟、晚间每{self.evening_interval}分钟、节假日每{self.holiday_interval}分钟"

    @classmethod
    def current(cls) -> "PatrolPolicy":
        return cls.objects.order_by("pk").first() or cls()


class PatrolSlot(models.Model):
    """One scheduled patrol of a watching unit: due within [starts_at, due_at). Its deadline (巡查时限) is swept
    by the engine; a patrol recorded in the window meets it on time, a later one late."""

    class Kind(models.TextChoices):
        OFFICE = "office", "工作时间"
        EVENING = "evening", "晚间"
        HOLIDAY = "holiday", "节假日"
        OVERNIGHT = "overnight", "夜间"
        ROUND = "round", "三个时间节点"
        EMERGENCY = "emergency", "突发事件"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="监测单位")
    starts_at = models.DateTimeField("开始")
    due_at = models.DateTimeField("截止")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    deadline = models.OneToOneField(
        "deadlines.Deadline", on_delete=models.PROTECT, related_name="patrol_slot", verbose_name="时限"
    )
    record = models.ForeignKey(
        "PatrolRecord",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="slots",
        verbose_name="巡查记录",
    )

    class Meta:
        verbose_name = "巡查时段"
        verbose_name_plural = "巡查时段"
        ordering = ["starts_at", "unit_id"]
        constraints = [models.UniqueConstraint(fields=["unit", "starts_at"], name="one_patrol_slot_per_unit_start")]
        indexes = [models.Index(fields=["starts_at"], name="patrolslot_starts_at")]

    def __str__(self):
        return f"{self.unit} {self.starts_at:%Y-%m-%d %H:%M}"


class PatrolRecord(models.Model):
    """巡查记录: who patrolled which sites when, and what was found ("未发现" is a result too)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="监测单位")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patrol_records", verbose_name="巡查人"
    )
    patrolled_at = models.DateTimeField("巡查时间")
    sites = models.ManyToManyField(Site, related_name="patrol_records", verbose_name="巡查网站")
    found = models.BooleanField("发现舆情", default=False)
    findings = models.TextField("发现情况", blank=True)
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "巡查记录"
        verbose_name_plural = "巡查记录"
        ordering = ["-patrolled_at", "-id"]
        indexes = [
            # A unit's records newest first, keyset-paginated on (patrolled_at, id): the index holds the sort.
            models.Index(fields=["unit", "patrolled_at", "id"], name="patrolrecord_unit_at_id"),
            models.Index(fields=["officer", "patrolled_at"], name="patrolrecord_officer_at"),
            # The compliance page counts a county-wide period.
            models.Index(fields=["patrolled_at"], name="patrolrecord_at"),
        ]

    def __str__(self):
        return f"{self.unit} {self.patrolled_at:%Y-%m-%d %H:%M} {'发现舆情' if self.found else '未发现'}"


class PatrolDay(models.Model):
    """A watching unit's patrol figures of one local day, kept by monitoring.patrol_days whenever slots are
    planned or a patrol is recorded (state-based: each write recounts the day from the slots and records), so the
    compliance page and the 日报/季度通报 add up a period's days instead of counting its slots (issue 15: flat at a
    million records). `slots` counts the slots starting that day, met on time or late by their deadline; the rest
    are missed once the day is decided (`last_due_at` passed). `records` counts the patrols recorded that day."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name="监测单位")
    day = models.DateField("日期")
    slots = models.PositiveIntegerField("巡查时段", default=0)
    on_time = models.PositiveIntegerField("按时", default=0)
    late = models.PositiveIntegerField("补巡", default=0)
    last_due_at = models.DateTimeField("最晚截止", null=True, blank=True)
    records = models.PositiveIntegerField("巡查记录", default=0)

    class Meta:
        verbose_name = "巡查日统计"
        verbose_name_plural = "巡查日统计"
        constraints = [models.UniqueConstraint(fields=["day", "unit"], name="one_patrol_day_per_unit")]

    def __str__(self):
        return f"{self.unit} {self.day}"


class PatrolDayPerson(models.Model):
    """A person's share of a unit's PatrolDay: the slots their patrols met (on time, late; by the slot's day) and
    the patrols they recorded (by the record's day)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name="监测单位")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="巡查人"
    )
    day = models.DateField("日期")
    on_time = models.PositiveIntegerField("按时", default=0)
    late = models.PositiveIntegerField("补巡", default=0)
    records = models.PositiveIntegerField("巡查记录", default=0)

    class Meta:
        verbose_name = "巡查日统计（人员）"
        verbose_name_plural = "巡查日统计（人员）"
        constraints = [
            models.UniqueConstraint(fields=["day", "unit", "officer"], name="one_patrol_day_per_unit_officer")
        ]

    def __str__(self):
        return f"{self.officer} {self.day}"


class Shift(models.Model):
    """值班班次 (004 三(一) 24小时值班; 002 第六条 晚上和节假日安排人员值班) of a unit, with its people."""

    class Kind(models.TextChoices):
        DAY = "day", "白班"
        EVENING = "evening", "晚班"
        NIGHT = "night", "夜班"
        HOLIDAY = "holiday", "节假日班"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="值班单位")
    date = models.DateField("日期")
    kind = models.CharField("班次", max_length=20, choices=Kind.choices)
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="DutyAssignment", related_name="duty_shifts", verbose_name="值班人员"
    )

    class Meta:
        verbose_name = "值班班次"
        verbose_name_plural = "值班表"
        ordering = ["starts_at", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "date", "kind"], name="one_shift_per_unit_day_kind"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"),
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="shift_span")]

    def __str__(self):
        return f"{self.unit} {self.date} {self.get_kind_display()}"


class DutyAssignment(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="assignments", verbose_name="班次")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="duty_assignments", verbose_name="值班人员"
    )

    class Meta:
        verbose_name = "值班安排"
        verbose_name_plural = "值班安排"
        constraints = [models.UniqueConstraint(fields=["shift", "user"], name="one_assignment_per_shift_user")]

    def __str__(self):
        return f"{self.shift} · {self.user}"


class Handover(models.Model):
    """交接班: what the outgoing shift hands to the next (004 三(一) 值班制度)."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="handovers", verbose_name="交班班次")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="交班人"
    )
    note = models.TextField("交接事项")
    written_at = models.DateTimeField("交班时间")

    class Meta:
        verbose_name = "交接班记录"
        verbose_name_plural = "交接班记录"
        ordering = ["-written_at", "-id"]

    def __str__(self):
        return f"{self.shift} 交接班"


# --- issue 15, second half: the keyword library, candidate items, intake sources and emergency watch -------------
# (reporting.RiskTopic and reporting.DailySubmission are named by string: monitoring sits below reporting, so it
# never imports it; the relation is the database's.)


class KeywordLibrary(models.Model):
    """The library's version (one row): every change to a keyword bumps the counter and draws a new stamp, and each
    process rebuilds its matcher when the version it built from is no longer current (monitoring.matching). The
    stamp makes a version never repeat, even after the row was emptied (a flush, a restore)."""

    version = models.PositiveIntegerField("版本", default=0)
    stamp = models.UUIDField("版本标识", default=uuid.uuid4)

    class Meta:
        verbose_name = "关键词库版本"
        verbose_name_plural = "关键词库版本"

    def __str__(self):
        return f"关键词库第{self.version}版"

    @classmethod
    def current_version(cls) -> str:
        row = cls.objects.order_by("pk").values_list("version", "stamp").first()
        return f"{row[0]}:{row[1]}" if row else "0"

    @classmethod
    def bump(cls) -> None:
        if not cls.objects.filter(pk=1).update(version=models.F("version") + 1, stamp=uuid.uuid4()):
            cls.objects.get_or_create(pk=1, defaults={"version": 1})


class Keyword(models.Model):
    """A keyword or phrase of the library (004 二(二) 及时更新舆情关键词): per risk topic and/or per responsible unit
    (属事). A match suggests the topic and the unit, and may raise the grade suggestion."""

    phrase = models.CharField("关键词/短语", max_length=100, help_text="不区分全角半角和大小写；整句短语也可")
    topic = models.ForeignKey(
        "reporting.RiskTopic",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="library_keywords",
        verbose_name="风险点",
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="属事单位"
    )
    raise_to = models.CharField(
        "建议等级提升至",
        max_length=3,
        blank=True,
        choices=[("I", "I级（特别重大）"), ("II", "II级（重大）"), ("III", "III级（较大）"), ("IV", "IV级（一般）")],
        help_text="留空则只提示风险点和属事单位，不提升建议等级",
    )
    is_active = models.BooleanField("启用", default=True)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "舆情关键词"
        verbose_name_plural = "舆情关键词库"
        ordering = ["phrase", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(topic__isnull=False) | Q(unit__isnull=False), name="keyword_has_topic_or_unit"
            )
        ]

    def __str__(self):
        return self.phrase


class KeywordHit(models.Model):
    """A keyword matched in an item (an incident or a candidate): what the risk library's thresholds count."""

    keyword = models.ForeignKey(Keyword, null=True, on_delete=models.SET_NULL, related_name="hits")
    phrase = models.CharField("命中词", max_length=100)
    topic = models.ForeignKey("reporting.RiskTopic", null=True, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, null=True, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey("incidents.Incident", null=True, on_delete=models.CASCADE, related_name="keyword_hits")
    candidate = models.ForeignKey("Candidate", null=True, on_delete=models.CASCADE, related_name="hits")
    matched_at = models.DateTimeField("命中时间")

    class Meta:
        verbose_name = "关键词命中"
        verbose_name_plural = "关键词命中"
        indexes = [models.Index(fields=["topic", "matched_at"], name="keywordhit_topic_at")]

    def __str__(self):
        return self.phrase


class IntakeSource(models.Model):
    """A monitoring platform or other system that pushes items to POST /api/v1/intake/ (issue 15)."""

    name = models.CharField("名称", max_length=100)
    code = models.SlugField("来源代码", max_length=40, unique=True, help_text="请求头 X-Yuqing-Source 的值")
    secret = models.CharField(
        "签名密钥", max_length=128, blank=True, help_text="HMAC-SHA256 共享密钥；留空则只能用 API 令牌接入"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="intake_sources",
        verbose_name="接入账号",
        help_text="以该账号的身份登记（直接生成舆情时须为值班员或联络员）；用 API 令牌接入时即令牌的账号",
    )
    trusted = models.BooleanField("可信来源", default=False, help_text="勾选则直接生成舆情；否则进入候选待办公室确认")
    max_batch = models.PositiveSmallIntegerField("每次最多条数", default=100)
    rate_per_minute = models.PositiveSmallIntegerField("每分钟最多请求数", default=60)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "接入来源"
        verbose_name_plural = "接入来源"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Candidate(models.Model):
    """A candidate item (候选舆情) from a unit's daily submission line or a platform's push: the office accepts it
    (an incident), merges it into an existing one, or discards it with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        ACCEPTED = "accepted", "已受理"
        MERGED = "merged", "已合并"
        DISCARDED = "discarded", "已舍弃"

    class Origin(models.TextChoices):
        SUBMISSION = "submission", "单位报送"
        PLATFORM = "platform", "监测平台"

    origin = models.CharField("来源", max_length=20, choices=Origin.choices)
    submission = models.ForeignKey(
        "reporting.DailySubmission", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    line_no = models.PositiveIntegerField("行号", null=True, blank=True)
    source = models.ForeignKey(IntakeSource, null=True, blank=True, on_delete=models.PROTECT, related_name="items")
    external_id = models.CharField("来源编号", max_length=200, blank=True)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="报送单位"
    )
    title = models.CharField("标题", max_length=300)
    url = models.URLField("链接", max_length=1000, blank=True, db_index=True)
    platform = models.CharField("平台", max_length=50, blank=True)
    summary = models.TextField("摘要", blank=True)
    posted_at = models.DateTimeField("发布时间", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    similar_to = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="疑似重复",
    )
    similar_reason = models.CharField("疑似重复原因", max_length=300, blank=True)
    topic = models.ForeignKey("reporting.RiskTopic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    responsible_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="属事单位"
    )
    matched = models.JSONField("命中关键词", default=list, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="舆情"
    )
    reason = models.CharField("处理说明", max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    created_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "候选舆情"
        verbose_name_plural = "候选舆情"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "url"],
                condition=Q(submission__isnull=False),
                name="one_candidate_per_submission_link",
            ),
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=Q(source__isnull=False), name="one_candidate_per_source_id"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="candidate_status_at")]

    def __str__(self):
        return self.title


class EmergencyWatch(models.Model):
    """突发事件 continuous watch (000 二.2 "遇突发事件时实行24小时监测，第一时间报告"): a topic or keyword set watched at a
    shorter patrol interval for a set period, every matching new item reported to the office leaders at once."""

    title = models.CharField("事件名称", max_length=100)
    topic = models.ForeignKey(
        "reporting.RiskTopic", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="风险点"
    )
    keywords = models.CharField("关键词", max_length=500, blank=True, help_text="逗号分隔")
    interval = models.PositiveSmallIntegerField("巡查间隔（分钟）", default=30)
    starts_at = models.DateTimeField("开始")
    ends_at = models.DateTimeField("结束")
    ended_at = models.DateTimeField("提前结束于", null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("启动原因", max_length=300)

    class Meta:
        verbose_name = "突发事件监测"
        verbose_name_plural = "突发事件监测"
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="emergency_ends_after_start")
        ]

    def __str__(self):
        return self.title

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.replace("，", ",").split(",") if k.strip()]

    @property
    def until(self) -> datetime.datetime:
        return min(self.ends_at, self.ended_at) if self.ended_at else self.ends_at
