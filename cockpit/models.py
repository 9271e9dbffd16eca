"""Figures the cockpit shows without recomputing them per view (issue 16): the quarter's 考核 of every unit, the
units' 办理时效 over the last 30 days, the open overdue deadlines per unit and the new items per day before today, each
a grouped read over a quarter or a month of deadlines, tickets or incidents, or over every open deadline. They are
kept here, one row per figure and period, refreshed by beat (cockpit.aggregates.refresh_due, state-based) and on
demand, and shown with the time they were computed ("数据截至"). Unit and day figures only: no incident, no title."""

from django.db import models


class CockpitFigures(models.Model):
    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", "季度考核"
        TIMELINESS = "timeliness", "近30日办理时效"
        OVERDUE = "overdue", "逾期未办（按单位）"
        TREND = "trend", "近30日新增（今日以前）"

    kind = models.CharField("数据", max_length=20, choices=Kind.choices)
    period_start = models.DateTimeField("统计起")
    period_end = models.DateTimeField("统计止（不含）")
    computed_at = models.DateTimeField("数据截至")
    rows = models.JSONField("各单位数据", default=list)

    class Meta:
        verbose_name = verbose_name_plural = "驾驶舱统计数据"
        constraints = [models.UniqueConstraint(fields=["kind", "period_start"], name="cockpit_figures_once")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_start:%Y-%m-%d}"
