"""The follow-through section of an incident (issue 17): /followup/incidents/<id>/ shows the joint reviews, the
upward reports, the 市级交办 and the 后期处置 (持续关注 and 总结评估, 000 三.3) with the office's forms; each form posts
to one service. The same partials (templates/incidents/_joint_review.html, _upward.html, _aftercare.html) are on the
incident page."""

from collections.abc import Callable
from typing import Any, cast
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.forms import add_domain_errors
from core.http import client_ip
from followup import aftercare, forms, selectors, services
from followup.models import AftercareEvaluation, JointReview, UpwardReport
from incidents.models import Incident
from incidents.selectors import visible_incidents
from org.access import access_for


def _incident(request: HttpRequest, pk: int) -> Incident:
    incident = visible_incidents(request.user).filter(pk=pk).first()
    if incident is None:
        raise Http404("舆情不存在或无权查看。")
    return incident


def section(request: HttpRequest, incident: Incident, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the two partials show: the records the user may see and, for the office, the forms."""
    user = request.user
    reviews = list(selectors.joint_reviews(user, incident))
    bodies = list(selectors.upper_bodies())
    bound = bound or {}
    return {
        "incident": incident,
        "is_office": access_for(user).is_office,
        "reviews": reviews,
        "latest_review": reviews[0] if reviews else None,
        "high_attention": selectors.high_attention(incident),
        "upward_reports": list(selectors.upward_reports(user, incident)),
        "assignment": selectors.city_assignment(user, incident),
        "review_form": bound.get("review") or forms.JointReviewForm(),
        "reply_form": bound.get("reply")
        or forms.ReviewedReplyForm(reviews=reviews, initial={"review": reviews[0].pk if reviews else None}),
        "upward_form": bound.get("upward") or forms.UpwardReportForm(bodies=bodies, signers=selectors.signers()),
        "city_form": bound.get("city") or forms.CityAssignmentForm(bodies=bodies),
        "city_dispatch_form": bound.get("city_dispatch") or forms.CityDispatchForm(),
        "report_back_form": bound.get("report_back") or forms.ReportBackForm(),
        **_aftercare(user, incident, bound),
    }


def _aftercare(user: Any, incident: Incident, bound: dict[str, Any]) -> dict[str, Any]:
    """后期处置 (000 三.3): the watch, what it found, the 总结评估 and, for the office on a closed incident not yet
    evaluated, its form."""
    evaluation = selectors.aftercare_evaluation(user, incident)
    return {
        "watch": selectors.aftercare_watch(user, incident),
        "aftercare_events": list(selectors.aftercare_events(user, incident)),
        "evaluation": evaluation,
        "may_evaluate": evaluation is None and incident.status == Incident.Status.CLOSED,
        "aftercare_form": bound.get("aftercare") or forms.AftercareEvaluationForm(),
    }


@login_required
def page(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _incident(request, pk)
    return render(request, "followup/page.html", {"incident": incident, "fu": section(request, incident)})


def _form(name: str, request: HttpRequest, incident: Incident) -> Any:
    reviews = list(selectors.joint_reviews(request.user, incident))
    bodies = list(selectors.upper_bodies())
    data = request.POST
    return {
        "review": lambda: forms.JointReviewForm(data),
        "reply": lambda: forms.ReviewedReplyForm(data, reviews=reviews),
        "upward": lambda: forms.UpwardReportForm(data, bodies=bodies, signers=selectors.signers()),
        "city": lambda: forms.CityAssignmentForm(data, bodies=bodies),
        "city_dispatch": lambda: forms.CityDispatchForm(data),
        "report_back": lambda: forms.ReportBackForm(data),
        "aftercare": lambda: forms.AftercareEvaluationForm(data),
    }[name]()


def _call(name: str, request: HttpRequest, incident: Incident, data: dict[str, Any]) -> str:
    """Call the form's service; returns the message shown after it."""
    actor, ip = cast(User, request.user), client_ip(request)  # login_required: a signed-in user
    calls: dict[str, Callable[[], object]] = {
        "review": lambda: services.record_joint_review(actor, incident, ip=ip, **data),
        "reply": lambda: services.publish_reviewed_reply(actor, incident, ip=ip, **data),
        "upward": lambda: services.record_upward_report(actor, incident, ip=ip, **data),
        "city": lambda: services.receive_city_assignment(actor, incident, ip=ip, **data),
        "city_dispatch": lambda: services.dispatch_city_assignment(actor, incident, ip=ip, **data),
        "report_back": lambda: services.report_back_to_city(actor, incident, ip=ip, **data),
        "aftercare": lambda: aftercare.write_evaluation(actor, incident, ip=ip, **data),
    }
    calls[name]()
    return {
        "review": "已登记会商研判，会商纪要已生成。",
        "reply": "已登记回应。",
        "upward": "已登记向上报送，专报已生成。",
        "city": "已登记市级交办，反馈时限已开始计时。",
        "city_dispatch": "已按市级时限转办。",
        "report_back": "已登记向市里反馈。",
        "aftercare": "已完成总结评估，总结评估报告已生成。",
    }[name]


FORMS = ("review", "reply", "upward", "city", "city_dispatch", "report_back", "aftercare")


@login_required
@require_POST
def act(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    if name not in FORMS:
        raise Http404
    incident = _incident(request, pk)
    form = _form(name, request, incident)
    if form.is_valid():
        try:
            done = _call(name, request, incident, dict(form.cleaned_data))
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("followup_page", pk=incident.pk)
    context = section(request, incident, {name: form}) | {"failed": name}
    return render(request, "followup/page.html", {"incident": incident, "fu": context}, status=400)


@login_required
def review_document(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review = selectors.joint_review(request.user, pk)
    except JointReview.DoesNotExist:
        raise Http404 from None
    return _docx(bytes(review.document), f"会商纪要-{review.incident.number}.docx")


@login_required
def upward_document(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = selectors.upward_report(request.user, pk)
    except UpwardReport.DoesNotExist:
        raise Http404 from None
    return _docx(bytes(report.document), f"专报-{report.doc_number or report.incident.number}.docx")


@login_required
def evaluation_document(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        evaluation = selectors.aftercare_evaluation_by_pk(request.user, pk)
    except AftercareEvaluation.DoesNotExist:
        raise Http404 from None
    return _docx(bytes(evaluation.document), f"总结评估-{evaluation.incident.number}.docx")


def _docx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
