"""The keyword library's life (004 二(二) 及时更新舆情关键词): a change bumps the version the matchers are built from,
and each new item is matched, its hits stored for the risk library's thresholds (reporting.risk counts them) and,
during an emergency watch, reported to the office leaders at once (monitoring.emergency).

The admin maintains the library (monitoring.admin, AuditedAdmin: every change on the audit trail, which is its
history). New incidents are matched through a post_save receiver connected in apps.py: incidents never imports
monitoring (the contract "monitoring-beside-incidents")."""

from datetime import datetime

from django.utils import timezone

from monitoring import emergency, matching
from monitoring.matching import MatchResult
from monitoring.models import Candidate, KeywordHit, KeywordLibrary


def on_keyword_changed(sender, **kwargs) -> None:
    """post_save / post_delete of Keyword (and RiskTopic): the cached matchers are stale from now on."""
    if not kwargs.get("raw"):
        KeywordLibrary.bump()


def record_hits(
    result: MatchResult, *, at: datetime, incident=None, candidate: Candidate | None = None
) -> list[KeywordHit]:
    return KeywordHit.objects.bulk_create(
        KeywordHit(
            keyword_id=e.keyword_id,
            phrase=e.phrase,
            topic_id=e.topic_id,
            unit_id=e.unit_id,
            incident=incident,
            candidate=candidate,
            matched_at=at,
        )
        for e in result.hits
    )


def on_incident_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """A new incident (typed at intake, accepted from a candidate, pushed by a trusted platform) is matched once."""
    if not created or raw:
        return
    result = matching.match(instance.title, instance.summary)
    now = timezone.now()
    if result:
        record_hits(result, at=now, incident=instance)
    emergency.report_at_once(
        result,
        f"{instance.title}\n{instance.summary}",
        title=f"{instance.number} {instance.title}" if instance.number else instance.title,
        incident=instance,
    )
