"""Units' daily submissions (docs/rules.md L1/L2: "每日下午17时前将收集到的舆情信息报区委办公室"; format "标题+链接地址",
plan #5): the format rules and the office's view of who has, has not, or late submitted."""

import re
from dataclasses import dataclass

from core.errors import InvalidInput
from reporting.models import DailySubmission, ReportSettings

NOTHING = "无"
LINE = re.compile(r"^(?P<title>.+?)\s*(?P<url>https?://\S+)$")


def parse_items(content):
    """The submission's lines as (title, url) pairs; [] for "无". InvalidInput names every bad line."""
    lines = [line.strip() for line in (content or "").replace("\r\n", "\n").split("\n") if line.strip()]
    if not lines:
        raise InvalidInput(
            "请填写报送内容：每行一条“标题+链接地址”，当天无舆情请填“无”。", {"content": ["请填写报送内容。"]}
        )
    if lines == [NOTHING]:
        return []
    items, bad = [], []
    for n, line in enumerate(lines, 1):
        match = LINE.match(line)
        if match is None or match["title"].strip() in ("", NOTHING):
            bad.append(n)
        else:
            items.append((match["title"].strip(), match["url"]))
    if bad:
        message = (
            f"第{'、'.join(map(str, bad))}行格式不对：每行应为“标题+链接地址”（链接以 http:// 或 https:// 开头）。"
        )
        raise InvalidInput(message, {"content": [message]})
    return items


@dataclass
class SubmissionStatus:
    unit: object
    submission: DailySubmission | None

    @property
    def state(self):
        if self.submission is None:
            return "missing"
        return "late" if self.submission.is_late else "on_time"

    @property
    def state_label(self):
        return {"missing": "未报送", "late": "逾期报送", "on_time": "按时报送"}[self.state]


def submission_status(day):
    """Each collecting unit with its submission for `day` (or None): two queries."""
    units = list(ReportSettings.current().collecting_units.order_by("sort_order", "path"))
    by_unit = {
        s.unit_id: s
        for s in DailySubmission.objects.filter(date=day, unit__in=units)
        .select_related("submitted_by")
        .prefetch_related("incidents")
    }
    return [SubmissionStatus(unit, by_unit.get(unit.pk)) for unit in units]
