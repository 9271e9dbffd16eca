"""The working-day calendar (docs/rules.md §3): each year's holiday arrangement, its days, and working hours."""

import datetime

from django.db import models


class CalendarYear(models.Model):
    """A year whose holiday arrangement (国务院办公厅 节假日安排) is known. Deadlines that fall in a year
    without a confirmed row are computed on weekends only and flagged 'calendar unconfirmed'."""

    year = models.PositiveIntegerField("年份", unique=True)
    confirmed = models.BooleanField("已确认", default=False)
    source = models.CharField("来源", max_length=100, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        db_table = "monitoring_calendaryear"
        verbose_name = "节假日年度"
        verbose_name_plural = "节假日年度"
        ordering = ["-year"]

    def __str__(self):
        return f"{self.year}（{'已确认' if self.confirmed else '未确认'}）"


class CalendarDay(models.Model):
    """An exception to the Monday–Friday rule: a statutory holiday on a weekday, or a make-up
    working day (调休) on a weekend."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日（休）"
        WORKDAY = "workday", "调休上班（班）"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=50, blank=True)

    class Meta:
        db_table = "monitoring_calendarday"
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"


class WorkSettings(models.Model):
    """Office-wide settings, one row. Working hours are a product default: the seeds define none
    (docs/rules.md §3.3)."""

    morning_start = models.TimeField("上午上班", default=datetime.time(8, 30))
    morning_end = models.TimeField("上午下班", default=datetime.time(12, 0))
    afternoon_start = models.TimeField("下午上班", default=datetime.time(14, 30))
    afternoon_end = models.TimeField("下午下班", default=datetime.time(17, 30))

    class Meta:
        db_table = "monitoring_worksettings"
        verbose_name = "工作时间设置"
        verbose_name_plural = "工作时间设置"

    def __str__(self):
        return f"{self.morning_start:%H:%M}–{self.morning_end:%H:%M}，{self.afternoon_start:%H:%M}–{self.afternoon_end:%H:%M}"

    @classmethod
    def current(cls):
        return cls.objects.first() or cls()

    @property
    def periods(self):
        return [(self.morning_start, self.morning_end), (self.afternoon_start, self.afternoon_end)]
