"""销号抽查复核 (000 四.3): each period a reproducible random sample of the incidents closed in the period before
is re-checked by the supervising office. Written only by review.services."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidents.models import Incident


class PeriodKind(models.TextChoices):
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"


class SpotCheckSettings(models.Model):
    """One row: how often and how many closed incidents are drawn (000 四.3 sets neither: the admin does)."""

    period = models.CharField("抽查周期", max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH)
    sample_size = models.PositiveSmallIntegerField("每期抽查件数", default=5, help_text="与比例同时设置时取较大者")
    sample_percent = models.PositiveSmallIntegerField("每期抽查比例（%）", default=0)

    class Meta:
        verbose_name = "销号抽查设置"
        verbose_name_plural = "销号抽查设置"

    def __str__(self):
        return f"{self.get_period_display()}抽查"

    @classmethod
    def current(cls):
        return cls.objects.first() or cls()


class SpotCheckDraw(models.Model):
    """One period's draw: which closed incidents were sampled, from a recorded seed. At most one per period."""

    period = models.CharField("抽查周期", max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField("被抽查期间起")
    period_end = models.DateField("被抽查期间止（不含）")
    seed = models.CharField("随机种子", max_length=64)
    population = models.PositiveIntegerField("期内销号件数", default=0)
    drawn_at = models.DateTimeField("抽取时间", default=timezone.now)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "销号抽查批次"
        verbose_name_plural = "销号抽查批次"
        ordering = ["-period_start"]
        constraints = [models.UniqueConstraint(fields=["period", "period_start"], name="spot_check_draw_once")]

    def __str__(self):
        return f"{self.period_start:%Y-%m-%d} 起{self.get_period_display()}抽查"


class Verdict(models.TextChoices):
    CONFIRMED = "confirmed", "核实无误"
    NOT_DONE = "not_done", "问题未解决"
    FALSE_FEEDBACK = "false_feedback", "虚假反馈"
    LATE_FEEDBACK = "late_feedback", "反馈不及时"


class SpotCheck(models.Model):
    draw = models.ForeignKey(SpotCheckDraw, on_delete=models.PROTECT, related_name="checks")
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="spot_checks")
    verdict = models.CharField("复核结论", max_length=20, choices=Verdict.choices, blank=True)
    note = models.TextField("复核说明", blank=True)
    checked_at = models.DateTimeField("复核时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "销号抽查"
        verbose_name_plural = "销号抽查"
        ordering = ["draw", "incident_id"]
        constraints = [models.UniqueConstraint(fields=["draw", "incident"], name="spot_check_once_per_draw")]

    def __str__(self):
        return f"{self.draw} · {self.incident_id}"
