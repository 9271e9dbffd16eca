"""Deadlines about something other than an incident (a patrol slot of monitoring/): the app above registers, per
deadline kind, who is told and what the notice says, so the sweep fires their steps with its exactly-once machinery
without importing the app (the layers of docs/ARCHITECTURE.md: monitoring sits above the engine)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from deadlines.models import Deadline, DeadlineStep


@dataclass(frozen=True)
class Subject:
    """label(deadline): one line for logs and the dry run; link(deadline): the page to act on;
    notify(step, deadline, stage, now): tells the people concerned for stage "remind", "breach" or "escalate" and
    returns the step's outcome ("notified", or why no one was told)."""

    label: Callable[[Deadline], str]
    link: Callable[[Deadline], str]
    notify: Callable[[DeadlineStep, Deadline, str, datetime], str]


_SUBJECTS: dict[str, Subject] = {}


def register(kind: str, subject: Subject) -> None:
    """Called from the registering app's AppConfig.ready()."""
    _SUBJECTS[kind] = subject


def subject_of(deadline: Deadline) -> Subject | None:
    """The registered subject of a deadline that has no incident, else None (the incident's own path)."""
    if deadline.incident_id is not None:
        return None
    return _SUBJECTS.get(deadline.kind)
