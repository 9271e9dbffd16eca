"""Matching an item's text against the keyword library (004 二(二) 及时更新舆情关键词; issue 15).

Aho-Corasick over the library's phrases (ahocorasick-rs, overlapping matches): every phrase is found wherever it occurs in the text, in one
pass, whatever a word segmenter would make of the sentence ("食堂饭菜变质" is found in "学校食堂饭菜变质了", where
jieba cuts 食堂/饭菜/变质). Text and phrases are normalised alike: NFKC (full-width letters, digits and punctuation
become half-width), case-folded, whitespace dropped, so "ＡＢＣ 食堂" and "abc食堂" are one.

The automaton is built once per library version and kept per process; each lookup reads the version stamp
(KeywordLibrary, one row by primary key) and rebuilds when the library changed meanwhile, in this process or any
other (the office's page, the admin, an import: monitoring.keyword_library, monitoring.keyword_import), so a change
is matched from the next item on, with no restart and no cache to clear."""

import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import ahocorasick_rs

from monitoring.models import Keyword, KeywordLibrary

GRADE_RANK = {"I": 4, "II": 3, "III": 2, "IV": 1, "": 0}


def normalise(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").casefold().split())


@dataclass(frozen=True)
class Entry:
    keyword_id: int
    phrase: str
    topic_id: int | None
    topic_name: str
    unit_id: int | None
    unit_name: str
    raise_to: str


@dataclass(frozen=True)
class MatchResult:
    hits: tuple[Entry, ...] = ()
    topic_id: int | None = None
    topic_name: str = ""
    unit_id: int | None = None
    unit_name: str = ""
    grade: str = ""  # the most severe raise_to of the hits, "" when none raises
    words: tuple[str, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.hits)

    @property
    def reasons(self) -> tuple[str, ...]:
        """What the desk shows next to the grade suggestion."""
        if not self.hits:
            return ()
        parts = [f"关键词命中：{'、'.join(self.words)}"]
        if self.topic_name:
            parts.append(f"风险点：{self.topic_name}")
        if self.unit_name:
            parts.append(f"属事单位：{self.unit_name}")
        if self.grade:
            parts.append(f"关键词库建议不低于{self.grade}级")
        return ("，".join(parts) + "（004 二(二)）",)


class Matcher:
    def __init__(self, version: str, entries: list[Entry]):
        self.version = version
        self.size = len(entries)
        by_phrase: dict[str, list[Entry]] = {}
        for entry in entries:
            key = normalise(entry.phrase)
            if key:
                by_phrase.setdefault(key, []).append(entry)
        self.patterns = list(by_phrase)
        self.values = [tuple(by_phrase[key]) for key in self.patterns]
        self.empty = not self.patterns
        # Standard match kind: every occurrence, overlapping ones too (食堂 and 食堂饭菜变质 in the same words).
        self.automaton = None if self.empty else ahocorasick_rs.AhoCorasick(self.patterns)

    def match(self, *texts: str) -> MatchResult:
        if self.empty:
            return MatchResult()
        seen: dict[int, Entry] = {}
        assert self.automaton is not None
        for text in texts:
            for index, _start, _end in self.automaton.find_matches_as_indexes(normalise(text), overlapping=True):
                for entry in self.values[index]:
                    seen.setdefault(entry.keyword_id, entry)
        if not seen:
            return MatchResult()
        hits = tuple(sorted(seen.values(), key=lambda e: (-len(e.phrase), e.phrase)))
        topics = Counter((e.topic_id, e.topic_name) for e in hits if e.topic_id)
        units = Counter((e.unit_id, e.unit_name) for e in hits if e.unit_id)
        (topic_id, topic_name) = topics.most_common(1)[0][0] if topics else (None, "")
        (unit_id, unit_name) = units.most_common(1)[0][0] if units else (None, "")
        grade = max((e.raise_to for e in hits), key=lambda g: GRADE_RANK.get(g, 0), default="")
        return MatchResult(
            hits=hits,
            topic_id=topic_id,
            topic_name=topic_name,
            unit_id=unit_id,
            unit_name=unit_name,
            grade=grade,
            words=tuple(dict.fromkeys(e.phrase for e in hits)),
        )


_lock = threading.Lock()
_cached: Matcher | None = None


def _load(version: str) -> Matcher:
    rows = (
        # A stopped risk topic's keywords stop too (its 停用 saves the topic: the version moves, monitoring.apps).
        Keyword.objects.filter(is_active=True)
        .exclude(topic__is_active=False)
        .select_related("topic__unit", "unit")
        .only("pk", "phrase", "raise_to", "topic__id", "topic__name", "topic__unit__name", "unit__id", "unit__name")
    )
    entries = []
    for k in rows:
        # 属事单位: the keyword's own, else its risk topic's responsible unit.
        unit = k.unit or (k.topic.unit if k.topic else None)
        topic_id, topic_name = (k.topic.pk, k.topic.name) if k.topic else (None, "")
        entries.append(
            Entry(
                k.pk, k.phrase, topic_id, topic_name, unit.pk if unit else None, unit.name if unit else "", k.raise_to
            )
        )
    return Matcher(version, entries)


def matcher() -> Matcher:
    """The process's matcher for the library's current version (rebuilt when the version moved)."""
    global _cached
    version = KeywordLibrary.current_version()
    current = _cached
    if current is not None and current.version == version:
        return current
    with _lock:
        if _cached is None or _cached.version != version:
            _cached = _load(version)
        return _cached


def match(*texts: str) -> MatchResult:
    return matcher().match(*texts)


def grade_signal(text: str) -> tuple[str, tuple[str, ...]] | None:
    """Registered with incidents.grading (apps.py): the grade the keywords ask for and why."""
    result = match(text)
    return (result.grade, result.reasons) if result else None
