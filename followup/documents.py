"""The documents of the follow-through, as content dicts for reporting.documents.render_docx: the 会商纪要 of a joint
review (002 第七条), the 专报 sent upward as a 上行文 with its 签发人 and 发文字号 (000 三; 004 二(三)3) and the
总结评估报告 after the watch (000 三.3)."""

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


def upward_report_content(
    incident: Incident, *, body_name: str, signer: User, reason: str, reported_at, doc_number: str = ""
):
    """A 专报 as 上行文 (GB/T 9704-2012: 上行文 carries its 签发人 and 发文字号, 7.2.4): main recipient the upper body,
    signed off by the leader the office chose, numbered in the 专报's own series (followup.services)."""
    return {
        "kind": documents.UPWARD_SPECIAL,
        "upward": True,
        "doc_number": doc_number,
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


def aftercare_evaluation_content(incident: Incident, *, watch, events, at, trend, worked, went_wrong, to_change):
    """总结评估报告 (000 三.3): the watch and what it found, then the summary the office wrote: 成功经验, 暴露的问题 and
    what to change in the working plan ("进一步修改完善有关工作方案")."""
    start, end = timezone.localtime(watch.started_at), timezone.localtime(watch.ends_at)
    found = (
        "关注期内：" + "；".join(f"{e.get_kind_display()} {e.detail}" for e in events) + "。"
        if events
        else "关注期内未发现新增链接、舆情反复或相似舆情。"
    )
    return {
        "kind": documents.AFTERCARE_EVALUATION,
        "title": f"关于“{incident.title}”处置工作的总结评估",
        "subtitle": f"（{incident.number}）",
        "sections": [
            documents.section(
                "watch",
                "一、后期处置情况",
                f"{start:%Y年%m月%d日}销号后持续关注至{end:%Y年%m月%d日 %H:%M}（000 三.3）。{found}\n\n{trend}",
            ),
            documents.section("worked", "二、成功经验", worked),
            documents.section("went_wrong", "三、暴露的问题", went_wrong),
            documents.section("to_change", "四、改进措施（修改完善工作方案）", to_change),
        ],
        "figures": {"events": len(events)},
        "issuer": documents.office_name(),
        "date": documents.date_text(at),
        **documents.classification(incident),
    }
