"""巡查情况 in the 日报 and the 季度通报 (issue 15): the watching units' patrol slots of the period, due, on time,
late and missed (002 第五条、第六条: patrols on schedule; missed ones count in 考核). The figures are the compliance
page's (monitoring.selectors.county_compliance: the kept daily figures of the decided days, the edges counted from
the slots), so the documents and the page never disagree (tests/test_monitoring_speed.py)."""

from monitoring.selectors import county_compliance
from reporting import documents


def patrol_section(key, heading, start, end, now):
    """(the section, its figures) for slots starting in [start, end) and decided by `now`."""
    units = county_compliance(start, end, now)["units"]
    due = sum(u.due for u in units)
    on_time = sum(u.on_time for u in units)
    late = sum(u.late for u in units)
    missed = sum(u.missed for u in units)
    if due:
        text = (
            f"应巡查{due}次，按时{on_time}次，逾期补巡{late}次，漏巡{missed}次"
            f"（按时率{round(100 * on_time / due)}%，依据 002 第五条、第六条）。"
        )
        if missed:
            text += "漏巡单位：" + "、".join(f"{u.name}{u.missed}次" for u in units if u.missed) + "。"
    else:
        text = "本时段无应巡查时段。"
    rows = [[u.name, u.due, u.on_time, u.late, u.missed, u.rate] for u in units if u.due]
    section = documents.section(
        key, heading, text, documents.table(["监测单位", "应巡查", "按时", "逾期补巡", "漏巡", "按时率"], rows)
    )
    figures = {"due": due, "on_time": on_time, "late": late, "missed": missed}
    return section, figures
