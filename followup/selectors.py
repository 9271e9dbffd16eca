"""Reads of the follow-through, through the incidents' visibility selectors: a review, report or assignment is
seen by whoever may see its incident."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from followup.models import (
    AftercareEvaluation,
    AftercareEvent,
    AftercareWatch,
    CityAssignment,
    JointReview,
    UpperBody,
    UpwardReport,
)
from incidents.models import Approver, Incident
from incidents.selectors import visible_incidents
from incidents.services.replies import reply_approver
from org.access import AnyUser
from org.recipients import county_leaders, office_leaders


def high_attention(incident: Incident) -> bool:
    """关注度高: an item whose reply is 会商审定 by the office or the county (GradeSetting.reply_approver, admin-set;
    by default 重大 and 特别重大), whose reply follows the joint review (002 第九条)."""
    return bool(incident.grade) and reply_approver(incident.grade) != Approver.LEADER


def signers() -> list[User]:
    """Who may sign off (签发) an upward 专报: the county's leaders and the office's leaders."""
    seen: dict[int, User] = {}
    for user in county_leaders() + office_leaders():
        seen.setdefault(user.pk, user)
    return list(seen.values())


def upper_bodies() -> QuerySet[UpperBody]:
    return UpperBody.objects.filter(is_active=True)


def joint_reviews(user: AnyUser, incident: Incident) -> QuerySet[JointReview]:
    return JointReview.objects.filter(incident__in=visible_incidents(user), incident=incident).prefetch_related("units")


def joint_review(user: AnyUser, pk: int) -> JointReview:
    return JointReview.objects.select_related("incident").get(incident__in=visible_incidents(user), pk=pk)


def upward_reports(user: AnyUser, incident: Incident) -> QuerySet[UpwardReport]:
    return UpwardReport.objects.filter(incident__in=visible_incidents(user), incident=incident).select_related(
        "body", "signer"
    )


def upward_report(user: AnyUser, pk: int) -> UpwardReport:
    return UpwardReport.objects.select_related("incident").get(incident__in=visible_incidents(user), pk=pk)


def city_assignment(user: AnyUser, incident: Incident) -> CityAssignment | None:
    return (
        CityAssignment.objects.filter(incident__in=visible_incidents(user), incident=incident)
        .select_related("body", "deadline")
        .first()
    )


def aftercare_watch(user: AnyUser, incident: Incident) -> AftercareWatch | None:
    """The incident's 持续关注 (000 三.3) with its 总结评估 deadline, for whoever may see the incident."""
    return (
        AftercareWatch.objects.filter(incident__in=visible_incidents(user), incident=incident)
        .select_related("deadline")
        .first()
    )


def aftercare_events(user: AnyUser, incident: Incident) -> QuerySet[AftercareEvent]:
    return AftercareEvent.objects.filter(
        watch__incident__in=visible_incidents(user), watch__incident=incident
    ).select_related("related")


def aftercare_evaluation(user: AnyUser, incident: Incident) -> AftercareEvaluation | None:
    return (
        AftercareEvaluation.objects.filter(incident__in=visible_incidents(user), incident=incident)
        .select_related("written_by")
        .defer("document")
        .first()
    )


def aftercare_evaluation_by_pk(user: AnyUser, pk: int) -> AftercareEvaluation:
    return AftercareEvaluation.objects.select_related("incident").get(incident__in=visible_incidents(user), pk=pk)
