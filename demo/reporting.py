"""The reporting side of the demo county: who must submit collected items each day, who receives the
issued reports, a risk-library topic, and one unit's submission for today. Idempotent like demo.incidents."""

from django.db import transaction

from reporting import services
from reporting.models import DailySubmission, ReportSettings, RiskTopic

COLLECTING_UNITS = ("cac", "police")  # 网信办 and 公安网安 collect every day (`000` 二.1)
DISTRIBUTION = ("leader", "edu_leader")
RISK_TOPICS = [
    # name, keywords, unit code, measures
    ("校园食品安全", "食堂,饭菜,校园餐", "education", "加强校园食堂日常检查，发现问题第一时间核实回应。"),
    ("征地拆迁补偿", "拆迁,补偿,征地", "chengguan", "做好政策解读，畅通信访渠道，防止矛盾激化。"),
]


@transaction.atomic
def seed_reporting(units, users):
    settings = ReportSettings.current()
    settings.collecting_units.add(*(units[code] for code in COLLECTING_UNITS))
    settings.distribution.add(*(users[name] for name in DISTRIBUTION))
    for name, keywords, unit_code, measures in RISK_TOPICS:
        RiskTopic.objects.get_or_create(
            name=name, defaults={"keywords": keywords, "unit": units[unit_code], "measures": measures, "threshold": 1}
        )
    police = units["police"]
    if not DailySubmission.objects.filter(unit=police).exists():
        services.submit_daily_items(
            users["police"],
            unit=police,
            content="县城主干道红绿灯故障致拥堵 https://bbs.example.cn/thread/11",
        )
