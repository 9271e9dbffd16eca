"""The documents of the follow-through, as content dicts for reporting.documents.render_docx: the 会商纪要 of a joint
review (002 第七条) and the 专报 sent upward as a 上行文 with its 签发人 (000 三; 004 二(三)3)."""

from django.contrib.auth.models import User
from django.utils import timezone

from incidents.models import Incident
from reporting import documents


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def joint_review_content(incident: Incident, *, held_at, unit_names, experts, nature, trend, risks, handling, caliber):
    when = timezone.localtime(held_at)
    participants = "、".join(unit_names)
    if experts:
        participants += "；专家：" + "、".join(experts)
    return {
        "kind": documents.JOINT_REVIEW,
        "title": f"关于“{incident.title}”的会商纪要",
        "subtitle": f"（{incident.number}）",
        "sections": [
            documents.section(
                "meeting", "一、会商情况", f"会商时间：{when:%Y年%m月%d日 %H:%M}\n\n参会：{participants}"
            ),
            documents.section("nature", "二、性质研判", nature),
            documents.section("trend", "三、趋势研判", trend),
            documents.section("risks", "四、风险研判", risks),
            documents.section("handling", "五、处置意见", handling),
            documents.section("caliber", "六、回应口径", caliber),
        ],
        "figures": {"units": len(unit_names), "experts": len(experts)},
        "issuer": documents.office_name(),
        "date": documents.date_text(held_at),
        **documents.classification(incident),
    }


def upward_report_content(incident: Incident, *, body_name: str, signer: User, reason: str, reported_at):
    """A 专报 as 上行文 (GB/T 9704-2012: 上行文 carries its 签发人): main recipient the upper body, signed off by the
    leader the office chose."""
    return {
        "kind": documents.UPWARD_SPECIAL,
        "upward": True,
        "title": f"关于“{incident.title}”的舆情专报",
        "sections": [
            documents.section("summary", "一、舆情概况", incident.summary or incident.title),
            documents.section("reason", "二、报送事由", reason),
        ],
        "figures": {},
        "issuer": documents.office_name(),
        "date": documents.date_text(reported_at),
        "main_recipient": body_name,
        "signer": _name(signer),
        **documents.classification(incident),
    }
