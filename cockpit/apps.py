from django.apps import AppConfig


class CockpitConfig(AppConfig):
    name = "cockpit"
    verbose_name = "领导驾驶舱"

    def ready(self):
        # Imported here: app modules load before models are ready (Django's AppConfig.ready contract).
        from core import audit

        # The timeline's words for the 批示 events (incidents/services/instructions.py), whose pages live here.
        audit.register_labels(
            "leaderinstruction",
            actions={"leader_instruction_given": "领导批示", "leader_instruction_carried_out": "报告批示落实情况"},
            values={"on_time": {True: "是", False: "否（逾期）"}},
            fields={
                "text": "批示内容",
                "due_at": "落实时限",
                "rule": "时限规则",
                "progress": "落实情况",
                "on_time": "按时",
            },
        )
