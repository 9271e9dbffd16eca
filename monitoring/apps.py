from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "舆情监测"

    def ready(self):
        # Imported here: the audit and deadline models are not ready when app modules load.
        from core import audit
        from deadlines import subjects
        from deadlines.models import DeadlineKind
        from monitoring import notices

        # A patrol slot's deadline has no incident: the sweep asks monitoring who is told (deadlines.subjects).
        subjects.register(DeadlineKind.PATROL, notices.SUBJECT)
        audit.register_labels(
            incident={
                "patrol_recorded": "登记巡查",
                "patrol_slots_planned": "生成巡查时段",
                "duty_swapped": "换班",
                "duty_handed_over": "交接班",
                "roster_imported": "导入值班表",
            }
        )
