"""What happens around a case besides dispatch and reply (issue 17): the office's 会商研判 of a 重大敏感 item
(002 第七条, 003 三(二), 004 二(四)/五(一)), its upward reports to the city (000 三; 004 二(三)3) and the items the city
hands down (市级交办) with the city's own time limit."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidents.models import Incident, Reply
from org.models import Unit


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
    document = models.BinaryField("专报（.docx）", editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "向上报送"
        verbose_name_plural = "向上报送"
        ordering = ["-reported_at", "-id"]

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
