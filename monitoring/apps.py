from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "舆情监测"

    def ready(self):
        # Imported here: the audit and deadline models are not ready when app modules load.
        from django.db.models.signals import post_delete, post_save

        from core import audit
        from deadlines import subjects
        from deadlines.models import DeadlineKind
        from incidents import grading
        from incidents.models import Incident
        from monitoring import keywords, matching, notices
        from monitoring.models import Keyword

        # The navigation's 巡查 link rides on the membership statement org.access makes once per request.
        from monitoring.selectors import patrol_flag
        from org import access

        access.register_flag("can_patrol", patrol_flag)
        # A patrol slot's deadline has no incident: the sweep asks monitoring who is told (deadlines.subjects).
        subjects.register(DeadlineKind.PATROL, notices.SUBJECT)
        # The keyword library (issue 15): the grade suggestion asks it through incidents.grading's registry, a new
        # incident is matched on save, and a change to a keyword or a risk topic (by string: reporting is above
        # monitoring) makes the cached matchers stale.
        grading.register_text_signal(matching.grade_signal)
        post_save.connect(keywords.on_incident_saved, sender=Incident, dispatch_uid="monitoring-match-incident")
        for sender in (Keyword, "reporting.RiskTopic"):
            post_save.connect(keywords.on_keyword_changed, sender=sender, dispatch_uid=f"monitoring-kw-save-{sender}")
            post_delete.connect(keywords.on_keyword_changed, sender=sender, dispatch_uid=f"monitoring-kw-del-{sender}")
        audit.register_labels(
            incident={
                "patrol_recorded": "登记巡查",
                "patrol_slots_planned": "生成巡查时段",
                "duty_swapped": "换班",
                "duty_handed_over": "交接班",
                "roster_imported": "导入值班表",
                "candidates_from_submission": "报送生成候选舆情",
                "candidate_accepted": "受理候选舆情",
                "candidate_merged": "合并候选舆情",
                "candidate_discarded": "舍弃候选舆情",
                "candidate_merge_received": "并入候选舆情链接",
                "intake_received": "接入平台推送",
                "emergency_started": "启动突发事件监测",
                "emergency_ended": "结束突发事件监测",
                "emergency_reported": "突发事件即报",
                "candidates_backfilled": "补生成候选舆情",
                "patrol_days_rebuilt": "重新统计巡查情况",
            }
        )
