"""The workflow state machines: states, allowed transitions and who may take them.

This is the only module that knows which status allows which action. Services ask it
(`INCIDENT.transition(action, status)`) and never compare status strings themselves.
"""

from dataclasses import dataclass

from django.db import models

from core.errors import IllegalTransition
from org.access import LEADER, LIAISON, OFFICE, SYSTEM


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", "已报送"
    GRADED = "graded", "已研判"
    DISPATCHED = "dispatched", "已转办"
    IN_PROGRESS = "in_progress", "处置中"
    UNDER_REVIEW = "under_review", "待审核"
    CLOSED = "closed", "已销号"
    RETURNED = "returned", "被退回"
    DISMISSED = "dismissed", "不予处置"
    MERGED = "merged", "已合并"
    REOPENED = "reopened", "舆情反复"


class TicketStatus(models.TextChoices):
    DISPATCHED = "dispatched", "待认领"
    CLAIMED = "claimed", "已认领"
    IN_PROGRESS = "in_progress", "办理中"
    FEEDBACK_SUBMITTED = "feedback_submitted", "已反馈"
    CLOSED = "closed", "已销号"
    RETURNED = "returned", "已退回"
    CANCELLED = "cancelled", "已撤销"


class ReplyDraftState(models.TextChoices):
    PENDING = "pending", "待审定"
    APPROVED = "approved", "已审定发布"
    SENT_BACK = "sent_back", "已退回修改"


TICKET_OPEN_STATES = (
    TicketStatus.DISPATCHED,
    TicketStatus.CLAIMED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.FEEDBACK_SUBMITTED,
)
INCIDENT_OPEN_STATES = (
    IncidentStatus.REPORTED,
    IncidentStatus.GRADED,
    IncidentStatus.DISPATCHED,
    IncidentStatus.IN_PROGRESS,
    IncidentStatus.UNDER_REVIEW,
    IncidentStatus.RETURNED,
    IncidentStatus.REOPENED,
)


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset
    target: str | None  # None keeps the current state
    actors: frozenset

    def target_from(self, state):
        return self.target or state


class StateMachine:
    def __init__(self, name, status_choices, transitions):
        self.name = name
        self.status_choices = status_choices
        self.transitions = {t.action: t for t in transitions}

    @property
    def states(self):
        return [value for value, _ in self.status_choices.choices]

    @property
    def actions(self):
        return list(self.transitions)

    def allows(self, action, state):
        return state in self.transitions[action].sources

    def transition(self, action, state) -> Transition:
        """The transition for `action` from `state`; IllegalTransition (409) when the state forbids it."""
        t = self.transitions[action]
        if state not in t.sources:
            state_label = self.status_choices(state).label
            raise IllegalTransition(f"当前状态为「{state_label}」，不能执行「{t.label}」。")
        return t

    def available(self, state, actor_kinds=None):
        """Transitions a user interface may offer from `state` to an actor of the given kinds."""
        return [
            t
            for t in self.transitions.values()
            if state in t.sources and (actor_kinds is None or t.actors & set(actor_kinds))
        ]


def _t(action, label, sources, target, *actors):
    return Transition(action, label, frozenset(sources), target, frozenset(actors))


S = IncidentStatus
INCIDENT = StateMachine(
    "incident",
    IncidentStatus,
    [
        _t("grade", "研判定级", [S.REPORTED, S.REOPENED], S.GRADED, OFFICE),
        # Grades move during the lifecycle (docs/rules.md §4.5); a regrade keeps the state.
        _t("regrade", "调整等级", [S.GRADED, S.DISPATCHED, S.IN_PROGRESS, S.UNDER_REVIEW, S.RETURNED], None, OFFICE),
        _t("dispatch", "转办", [S.GRADED, S.RETURNED], S.DISPATCHED, OFFICE),
        _t("dispatch_more", "追加转办", [S.DISPATCHED, S.IN_PROGRESS], None, OFFICE),
        _t("dismiss", "不予处置", [S.REPORTED, S.GRADED, S.REOPENED], S.DISMISSED, OFFICE),
        _t("merge", "合并重复舆情", [S.REPORTED, S.GRADED, S.DISPATCHED, S.RETURNED, S.REOPENED], S.MERGED, OFFICE),
        _t("start", "开始处置", [S.DISPATCHED], S.IN_PROGRESS, SYSTEM),
        _t("lead_returned", "主办单位退回", [S.DISPATCHED, S.IN_PROGRESS], S.RETURNED, SYSTEM),
        _t("submit_for_review", "提交审核", [S.DISPATCHED, S.IN_PROGRESS], S.UNDER_REVIEW, SYSTEM),
        _t("send_back", "退回重办", [S.UNDER_REVIEW], S.IN_PROGRESS, OFFICE, LEADER),
        _t("close", "审核销号", [S.UNDER_REVIEW], S.CLOSED, OFFICE, LEADER),
        _t("reopen", "舆情反复，重新研判", [S.CLOSED], S.REOPENED, OFFICE),
    ],
)

T = TicketStatus
TICKET = StateMachine(
    "ticket",
    TicketStatus,
    [
        _t("claim", "认领", [T.DISPATCHED], T.CLAIMED, LIAISON),
        _t("assign", "指定认领", [T.DISPATCHED], T.CLAIMED, OFFICE),
        _t("return", "退回", [T.DISPATCHED, T.CLAIMED], T.RETURNED, LIAISON),
        _t("progress", "报送进展", [T.CLAIMED, T.IN_PROGRESS], T.IN_PROGRESS, LIAISON),
        _t("submit_feedback", "提交反馈", [T.CLAIMED, T.IN_PROGRESS], T.FEEDBACK_SUBMITTED, LIAISON),
        # A reply may come before the investigation ends or after the report (docs/rules.md T18/T19, §2.6);
        # drafting keeps the ticket's state: the draft has its own (REPLY_DRAFT below).
        _t("draft_reply", "拟写回应稿", [T.CLAIMED, T.IN_PROGRESS, T.FEEDBACK_SUBMITTED], None, LIAISON),
        _t("reopen_ticket", "退回重办", [T.FEEDBACK_SUBMITTED], T.IN_PROGRESS, SYSTEM),
        _t("close", "销号", [T.FEEDBACK_SUBMITTED], T.CLOSED, SYSTEM),
        _t("cancel", "撤销", list(TICKET_OPEN_STATES), T.CANCELLED, SYSTEM),
    ],
)

R = ReplyDraftState
# 回应待审定 → 已回应 (docs/rules.md §2.3, T18). Which leader or office may decide depends on the grade (§4.6):
# services.replies._approval_kinds narrows the actors below to those the grade allows.
REPLY_DRAFT = StateMachine(
    "reply_draft",
    ReplyDraftState,
    [
        _t("approve_reply", "审定发布回应", [R.PENDING], R.APPROVED, OFFICE, LEADER),
        _t("send_back_reply", "退回修改回应稿", [R.PENDING], R.SENT_BACK, OFFICE, LEADER),
    ],
)


def ticket_is_handling(status):
    """Claimed and not yet reported back: the unit is working on it (an extension may be asked)."""
    return TICKET.allows("progress", status)
