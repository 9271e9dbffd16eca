"""Checks a higher layer adds to every reply publication (issue 17). incidents publishes replies on two paths — the
office's own (publish_reply) and an approved draft (approve_reply) — but some rules about a reply belong to apps
above it: followup's "关注度高的，经会商研判后5个工作日内回复" (002 第九条) needs its joint reviews. incidents may not
import them (pyproject.toml's layers), so those apps register a check here in their AppConfig.ready().

A check is called inside the publishing transaction, after the incident is locked and before the Reply exists. It
refuses by raising a DomainError (zh-hans message, a stable code for the API), which rolls everything back; or it
returns a callable that records what it needs once the reply exists (followup: the reply's citation of the review),
still in the same transaction."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User

from incidents.models import Incident, Reply


@dataclass(frozen=True)
class Publication:
    """A reply about to be published (at `published_at`, already validated). `cite` is what the caller chose to
    cite (followup: a JointReview or its id); incidents passes it through without knowing its type."""

    actor: User
    incident: Incident
    published_at: datetime
    cite: Any = None
    ip: str | None = None


# The code followup's check refuses with (002 第九条: no joint review yet): the API's problem code, and the incident
# page's cue to point at its 会商研判 section.
JOINT_REVIEW_REQUIRED = "joint_review_required"

AfterPublish = Callable[[Reply], None]
ReplyCheck = Callable[[Publication], AfterPublish | None]

_checks: list[ReplyCheck] = []


def register(check: ReplyCheck) -> None:
    """Add a check (idempotent: ready() may run more than once in tests)."""
    if check not in _checks:
        _checks.append(check)


def run_checks(publication: Publication) -> list[AfterPublish]:
    """Every registered check, in registration order; the first refusal stops the publication."""
    return [after for check in _checks if (after := check(publication)) is not None]
