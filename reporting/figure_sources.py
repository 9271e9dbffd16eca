"""Sections that apps above reporting add to the periodic reports (周报/月报/季度通报) without reporting importing them
(the layers of docs/ARCHITECTURE.md: followup sits above reporting). An app registers a section builder in its
AppConfig.ready(); periodic.compile_periodic_content() appends each registered section of its kind, numbered after
its own, with its figures under the builder's key."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

# builder(key, heading, start, end, now) -> (section, figures): the section of documents.section()'s shape for
# [start, end) as known at `now`, and the machine-readable counts behind it.
Builder = Callable[[str, str, datetime, datetime, datetime], tuple[dict, dict]]


@dataclass(frozen=True)
class Source:
    key: str
    title: str  # the heading without its number, e.g. "后期处置情况"
    kinds: tuple[str, ...]  # Report.Kind values whose report carries the section
    build: Builder


_SOURCES: dict[str, Source] = {}


def register(key: str, title: str, kinds: tuple[str, ...], build: Builder) -> None:
    """Called from the registering app's AppConfig.ready(); registering a key again replaces it (tests, reloads)."""
    _SOURCES[key] = Source(key, title, tuple(kinds), build)


def sources_for(kind: str) -> list[Source]:
    return [s for s in _SOURCES.values() if kind in s.kinds]
