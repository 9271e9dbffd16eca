"""The organisation: units (单位) as a tree, the roles people hold, and who holds which role in which unit."""

from django.conf import settings
from django.db import models


class Unit(models.Model):
    """An organisational unit. The tree is kept as a materialised path of codes so that
    "this unit and everything under it" is one indexed prefix query."""

    class Kind(models.TextChoices):
        OFFICE = "office", "领导小组/办公室"
        TOWN = "town", "乡镇/街道"
        DEPARTMENT = "department", "县直部门"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=100)
    code = models.SlugField("编码", max_length=50, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField("路径", max_length=500, editable=False, db_index=True)
    is_office = models.BooleanField(
        "舆情办公室", default=False, help_text="承担研判、转办、销号的办公室（区委办/网信办）"
    )
    # Matching hints for the 属地/属事 suggestion at dispatch; free text, comma separated.
    jurisdiction_keywords = models.CharField("属地/属事关键词", max_length=500, blank=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        db_table = "incidents_unit"
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        old_path = self.path
        self.path = (self.parent.path if self.parent_id else "/") + self.code + "/"
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Moving a unit moves its subtree; rewrite the descendants' prefixes.
            for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                child.path = self.path + child.path[len(old_path) :]
                Unit.objects.filter(pk=child.pk).update(path=child.path)


class Role(models.TextChoices):
    DUTY_OFFICER = "duty_officer", "值班员"
    LIAISON = "liaison", "联络员"
    LEADER = "leader", "领导"
    # 三员分立 (GB/T 22239-2019 8.1.4.2 访问控制): three administrators, none holding another's duty.
    ADMIN = "admin", "系统管理员"  # settings, policies, calendar
    SECURITY_ADMIN = "security_admin", "安全管理员"  # users, roles, clearances
    AUDITOR = "auditor", "审计管理员"  # reads the audit trail, and nobody else does


class Membership(models.Model):
    """A person's role in a unit. One person may hold several roles, in several units."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name="单位")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    title = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("手机", max_length=20, blank=True)
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        db_table = "incidents_membership"
        verbose_name = "人员角色"
        verbose_name_plural = "人员角色"
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="uniq_membership")]
        indexes = [models.Index(fields=["unit", "role"])]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"
