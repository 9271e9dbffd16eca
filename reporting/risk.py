"""The risk library's screening (`004` 二(二) "建立网络舆情风险库…科学预判舆情风险点") and the 网络风险提示函 it
leads to ("关口前移，提前介入", `004` 五(二)). A keyword hit flags a topic for a person to judge
(docs/rules.md §6.4): the office decides whether to send the notice."""

import datetime
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Count, Q
from django.utils import timezone

from incidents.clearance import sensitive_items
from incidents.selectors import county_incidents
from monitoring.models import KeywordHit
from reporting import documents
from reporting.models import Report, RiskTopic

RECENT_ITEMS_IN_NOTICE = 10


def keyword_filter(topic):
    words = topic.keyword_list
    # The keyword library's hits on the topic (monitoring.keywords, issue 15) count as well.
    hits = Q(pk__in=KeywordHit.objects.filter(topic=topic, incident__isnull=False).values("incident_id"))
    if not words:
        return hits
    return reduce(or_, (Q(title__icontains=w) | Q(summary__icontains=w) for w in words)) | hits


def window_start(topic, now):
    return now - datetime.timedelta(days=topic.window_days)


@dataclass
class TopicScreening:
    topic: RiskTopic
    matches: int

    @property
    def flagged(self):
        return self.matches >= self.topic.threshold


def screen_risk_topics(now=None):
    """Every active topic with its count of matching items in its window: one aggregate query."""
    now = now or timezone.now()
    topics = list(RiskTopic.objects.filter(is_active=True).select_related("unit"))
    if not topics:
        return []
    earliest = min(window_start(t, now) for t in topics)
    counts = (
        county_incidents()
        .filter(reported_at__gte=earliest, reported_at__lte=now)
        .aggregate(
            **{
                f"t{t.pk}": Count("pk", filter=keyword_filter(t) & Q(reported_at__gte=window_start(t, now)))
                for t in topics
            }
        )
    )
    return [TopicScreening(t, counts[f"t{t.pk}"]) for t in topics]


def flagged_risk_topics(now=None):
    return [s for s in screen_risk_topics(now) if s.flagged]


def matching_incidents(topic, now):
    return county_incidents().filter(
        keyword_filter(topic), reported_at__gte=window_start(topic, now), reported_at__lte=now
    )


def compile_risk_notice_content(topic, *, now, requirements="", due_at=None, numbers=None):
    matches = matching_incidents(topic, now)
    total = matches.count()
    recent = list(matches.order_by("-reported_at")[:RECENT_ITEMS_IN_NOTICE])
    # The notice goes to a unit not cleared for a confidential match: counted in the total, never listed (issue 11 §1).
    sensitive = sum(1 for i in recent if i.is_confidential)
    rows = [
        [i.number, i.title, timezone.localtime(i.reported_at).strftime("%m-%d %H:%M")]
        for i in recent
        if not i.is_confidential
    ]
    situation = (
        f"近{topic.window_days}日，监测发现与「{topic.name}」相关的网络信息{total}条"
        f"（关键词：{'、'.join(topic.keyword_list)}），已达到预警阈值（{topic.threshold}条），存在引发网络舆情的风险。"
    ) + (f"下表未列{sensitive_items(sensitive)}。" if sensitive else "")
    asks = requirements.strip() or (
        f"请{topic.unit.name}关口前移、提前介入，排查相关矛盾和风险点，落实防范化解措施，"
        "做好回应准备；如发现苗头性问题，及时报告办公室。"
    )
    if due_at:
        due = timezone.localtime(due_at)
        asks += f"\n\n请于{due.year}年{due.month}月{due.day}日{due:%H:%M}前将排查和防范情况反馈办公室。"
    return {
        **documents.letterhead(Report.Kind.RISK_NOTICE, numbers or {}, now=now, main_recipient=topic.unit.name),
        "title": "网络风险提示函",
        "main_recipient": topic.unit.name,
        "sections": [
            documents.section(
                "situation", "一、风险情况", situation, documents.table(["编号", "标题", "发现时间"], rows)
            ),
            documents.section("measures", "二、防范措施", topic.measures.strip() or "（见工作要求）"),
            documents.section("requirements", "三、工作要求", asks),
        ],
        "figures": {
            "topic": topic.pk,
            "matches": total,
            "window_days": topic.window_days,
            "threshold": topic.threshold,
        },
    }
