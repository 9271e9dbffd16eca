"""The reply of a high-attention item follows and cites a joint review, on every path a reply is published
(002 第九条："关注度高的，经会商研判后5个工作日内回复"): the office's own reply, an approved draft, the 会商 reply form.
Registered with incidents.reply_checks in FollowupConfig.ready(); runs inside the publishing transaction."""

from core import audit
from core.errors import InvalidInput
from followup.models import JointReview, ReviewedReply
from followup.selectors import high_attention
from incidents.reply_checks import JOINT_REVIEW_REQUIRED, AfterPublish, Publication

REVIEW_REQUIRED_CODE = JOINT_REVIEW_REQUIRED
REVIEW_REQUIRED = (
    "关注度高的舆情须经会商研判后回复（依据 002 第九条）：请先在该舆情的「会商研判」栏登记会商研判，"
    "回应将引用最近一次会商研判。"
)
NOT_THIS_INCIDENT = "所引会商研判不属于该舆情。"
AFTER_THE_REPLY = "所引会商研判晚于回应的发布时间：回应须在会商研判之后（依据 002 第九条）。"


def _cited_review(publication: Publication) -> JointReview | None:
    """The chosen review (it must be this incident's and held before the reply), else the latest one held before
    the reply, else None."""
    reviews = JointReview.objects.filter(incident=publication.incident)
    cite = publication.cite
    if cite is None:
        return reviews.filter(held_at__lte=publication.published_at).order_by("-held_at", "-id").first()
    pk = cite.pk if isinstance(cite, JointReview) else cite
    cited = reviews.filter(pk=pk).first() if isinstance(pk, int) and not isinstance(pk, bool) else None
    if cited is None:
        raise InvalidInput(NOT_THIS_INCIDENT, {"review": [NOT_THIS_INCIDENT]})
    if cited.held_at > publication.published_at:
        raise InvalidInput(AFTER_THE_REPLY, {"review": [AFTER_THE_REPLY]})
    return cited


def cite_joint_review(publication: Publication) -> AfterPublish | None:
    """Refuse a high-attention item's reply without a joint review before it (code `joint_review_required`); where a
    review exists, the reply cites it (ReviewedReply, audited) once it is published — for any item."""
    cited = _cited_review(publication)
    if cited is None:
        if high_attention(publication.incident):
            raise InvalidInput(REVIEW_REQUIRED, {"review": [REVIEW_REQUIRED]}, code=REVIEW_REQUIRED_CODE)
        return None
    review = cited

    def record(reply) -> None:
        ReviewedReply.objects.create(reply=reply, review=review)
        audit.record(
            publication.actor,
            "reply_cites_joint_review",
            reply,
            after={"review": review.pk},
            ip=publication.ip,
            incident=publication.incident,
        )

    return record
