"""Deadlines about something other than an incident (a patrol slot of monitoring/): the app above registers, per
deadline kind, who is told and what the notice says, so the sweep fires their steps with its exactly-once machinery
without importing the app (the layers of docs/ARCHITECTURE.md: monitoring sits above the engine).

The engine decides what a step does to its deadline (breach, escalate, remind, or skip it as met or stale) and
writes the states and audit rows of a whole batch; the subject plans the notices of a whole batch of its steps at
once (plan(): its rows and its people read once per batch, issue 16), and writes nothing itself."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from deadlines.models import Deadline
from deadlines.sweep_steps import Due
from notifications.bulk import BulkNotice


@dataclass(frozen=True)
class Stage:
    """One due step of a subject's deadline to tell about: `stage` is "remind", "breach" or "escalate"."""

    due: Due
    stage: str


@dataclass(frozen=True)
class Planned:
    """What the subject decided for one step: its outcome ("notified", or why no one was told: "superseded",
    "no_recipient" …), the notice (None: nobody is told) and one line for logs."""

    outcome: str
    notice: BulkNotice | None = None
    label: str = ""


@dataclass(frozen=True)
class Subject:
    """label(deadline): one line for logs and the dry run; link(deadline): the page to act on;
    plan(stages, now): for each of a batch's steps (in the order given) its Planned outcome and notice. plan() reads
    what it needs for the whole batch at once and writes nothing: should it raise, the engine fires that batch's
    steps one by one, each a batch of one in its own savepoint, so a bad row fails alone."""

    label: Callable[[Deadline], str]
    link: Callable[[Deadline], str]
    plan: Callable[[Sequence[Stage], datetime], list[Planned]]


_SUBJECTS: dict[str, Subject] = {}


def register(kind: str, subject: Subject) -> None:
    """Called from the registering app's AppConfig.ready()."""
    _SUBJECTS[kind] = subject


def subject_of(deadline: Deadline) -> Subject | None:
    """The registered subject of a deadline that has no incident, else None (the incident's own path)."""
    if deadline.incident_id is not None:
        return None
    return _SUBJECTS.get(deadline.kind)


def of_kind(kind: str) -> Subject | None:
    """The registered subject of a deadline kind (a batch's step of no incident carries only its kind)."""
    return _SUBJECTS.get(kind)
