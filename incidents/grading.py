"""Grade suggestion from the admin's thresholds (plan #8 of 001, docs/rules.md §4.2). The criteria are
joined by "or"; where two grades match (the shared boundary at 5 sites), the higher grade wins. It is
a suggestion for the duty officer, never a final grade (docs/rules.md §9.14)."""

from collections.abc import Callable
from dataclasses import dataclass

from incidents.models import Grade, GradeSetting, MediaLevel

MEDIA_RANK = {
    MediaLevel.NONE: 0,
    MediaLevel.LOCAL: 1,
    MediaLevel.MUNICIPAL: 2,
    MediaLevel.PROVINCIAL: 3,
    MediaLevel.CENTRAL: 4,
}
GRADE_ORDER = [Grade.I, Grade.II, Grade.III, Grade.IV]  # most severe first


@dataclass(frozen=True)
class Suggestion:
    grade: str
    label: str
    reasons: tuple

    @property
    def explanation(self):
        return "；".join(self.reasons) if self.reasons else "未达到任何升级阈值"


# Signals from the item's text (monitoring's keyword library registers one in its AppConfig.ready, so incidents never
# imports monitoring): text → (grade it asks for, "" for none; reasons shown), or None when nothing matched.
TextSignal = Callable[[str], "tuple[str, tuple[str, ...]] | None"]
_TEXT_SIGNALS: list[TextSignal] = []


def register_text_signal(signal: TextSignal) -> None:
    if signal not in _TEXT_SIGNALS:
        _TEXT_SIGNALS.append(signal)


def suggest_grade(*, views=0, comments=0, site_count=0, media_level="", settings=None, text=""):
    suggestion = _suggest_from_metrics(views, comments, site_count, media_level, settings)
    for signal in _TEXT_SIGNALS if text else ():
        found = signal(text)
        if not found:
            continue
        grade, reasons = found
        if grade in GRADE_ORDER and GRADE_ORDER.index(grade) < GRADE_ORDER.index(suggestion.grade):
            label = next((s.label for s in GradeSetting.objects.filter(grade=grade)), Grade(grade).label)
            suggestion = Suggestion(grade, label, suggestion.reasons + tuple(reasons))
        else:
            suggestion = Suggestion(suggestion.grade, suggestion.label, suggestion.reasons + tuple(reasons))
    return suggestion


def _suggest_from_metrics(views, comments, site_count, media_level, settings):
    settings = {s.grade: s for s in (settings if settings is not None else GradeSetting.objects.all())}
    for grade in GRADE_ORDER:
        s = settings.get(grade)
        if s is None:
            continue
        reasons = []
        if s.min_views is not None and views >= s.min_views:
            reasons.append(f"浏览量 {views} ≥ {s.min_views}")
        if s.min_comments is not None and comments >= s.min_comments:
            reasons.append(f"评论量 {comments} ≥ {s.min_comments}")
        if s.min_sites is not None and site_count >= s.min_sites:
            reasons.append(f"转载网站 {site_count} 家 ≥ {s.min_sites} 家")
        if s.min_media_level and MEDIA_RANK.get(media_level or "", 0) >= MEDIA_RANK.get(s.min_media_level, 99):
            reasons.append(f"{MediaLevel(media_level).label}报道（≥{MediaLevel(s.min_media_level).label}）")
        if reasons:
            return Suggestion(grade, s.label, tuple(reasons))
    lowest = settings.get(Grade.IV)
    return Suggestion(Grade.IV, lowest.label if lowest else Grade.IV.label, ())
